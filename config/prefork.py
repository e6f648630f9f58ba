"""gunicorn's master, made ready before it forks workers (gunicorn.conf.py).

With the site preloaded, a worker is a fork of the master. Left alone, each new
worker still spent about half a second of CPU on its first request (the URL
resolver's tables, the template engine and its tag libraries, every template it
compiled) and as much again when it was replaced (Python's garbage collector
walking, and so copying, every object it inherited). Doing that work once in
the master and freezing the objects it holds cut a worker's life from about
1 s of CPU to under 0.1 s (docs/benchmarks.md, "Workers").
"""

import gc
from pathlib import Path

from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver

TEMPLATE_SUFFIXES = {".html", ".txt", ".xml"}


def warm_up() -> int:
    """Builds the URL resolver's tables and compiles the site's own templates
    (those under each engine's DIRS) into the cached loader. Touches no database
    or cache. Returns how many templates it compiled."""
    get_resolver().reverse_dict  # noqa: B018 - reverse() builds it on first use
    compiled = 0
    for engine in engines.all():
        for folder in getattr(engine, "dirs", []):
            root = Path(folder)
            for path in sorted(root.rglob("*")):
                if path.suffix not in TEMPLATE_SUFFIXES:
                    continue
                try:
                    engine.get_template(path.relative_to(root).as_posix())
                except (TemplateDoesNotExist, TemplateSyntaxError):
                    continue  # a request naming it gets the same error
                compiled += 1
    return compiled


def freeze() -> None:
    """Moves every object the master holds out of the garbage collector's reach
    (gc.freeze): a worker's collections then never touch them, so their memory
    pages stay shared with the master instead of being copied."""
    gc.collect()
    gc.freeze()
