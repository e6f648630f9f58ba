"""Helpers shared by the operations tests."""

import json
import os
import subprocess
import sys

from django.conf import settings


def production_settings(names: list[str], **environ: str) -> dict:
    """Values of `config.settings.production`, imported afresh in a subprocess with
    `environ` added to a valid production environment."""
    script = (
        "import json, config.settings.production as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}, "
        "default=str))"
    )
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "x7" * 30,
        "DJANGO_ALLOWED_HOSTS": "www.holistictouch.example",
        **environ,
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
