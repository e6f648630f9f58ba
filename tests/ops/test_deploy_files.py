"""The image, compose file, gunicorn settings and lock files agree with the code."""

import re
import runpy
import tomllib
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from config.celery import app

ROOT = Path(settings.BASE_DIR)
# Read by the settings but meaningless in the production containers.
NOT_PASSED = {
    "DJANGO_DEBUG": "production.py forces DEBUG off",
    "DJANGO_ALLOW_DEMO_DATA": "only the demo service sets it",
    "EMAIL_FILE_PATH": "the file email backend is for development",
    "NODE_MODULES_DIR": "fixed inside the image",
    "COURSES_CERTIFICATE_FONT_DIR": "fixed inside the image (node_modules)",
}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def settings_variables() -> set[str]:
    pattern = re.compile(r'env(?:_bool|_list|_hours)?\(\s*"([A-Z0-9_]+)"')
    names = set()
    for module in ("base.py", "production.py"):
        names |= set(pattern.findall((ROOT / "config/settings" / module).read_text()))
    return names


def test_every_setting_can_be_passed_to_the_containers():
    environment = compose()["services"]["web"]["environment"]
    missing = settings_variables() - set(environment) - set(NOT_PASSED)
    assert not missing


def test_web_worker_and_beat_run_one_named_image():
    services = compose()["services"]
    images = {
        services[name]["image"]
        for name in ("migrate", "web", "worker", "beat", "beat-standby")
    }
    assert images == {"${APP_IMAGE:-holistic-touch:latest}"}


def seconds(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([sm])", value).groups()
    return int(number) * (60 if unit == "m" else 1)


@pytest.mark.django_db
def test_stop_grace_periods_outlast_the_time_limits():
    app.loader.import_default_modules()
    services = compose()["services"]
    longest_task = max(
        [settings.CELERY_TASK_TIME_LIMIT]
        + [task.time_limit for task in app.tasks.values() if task.time_limit]
    )
    assert seconds(services["worker"]["stop_grace_period"]) > longest_task
    gunicorn = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert seconds(services["web"]["stop_grace_period"]) > gunicorn["graceful_timeout"]


def test_health_checks_use_the_split_endpoints():
    services = compose()["services"]
    assert "/healthz/live" in " ".join(services["web"]["healthcheck"]["test"])
    for beat in ("beat", "beat-standby"):
        assert services[beat]["healthcheck"]["test"] == [
            "CMD",
            "python",
            "-m",
            "config.beat",
        ]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "health_uri /healthz/live" in caddyfile
    assert services["proxy"]["profiles"] == ["proxy"]


def test_gunicorn_takes_its_workers_and_recycling_from_the_environment(
    monkeypatch,
):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "500")
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["workers"] == 3
    assert config["max_requests"] == 500
    assert 0 < config["max_requests_jitter"] < config["max_requests"]
    assert config["worker_tmp_dir"] == "/dev/shm"


def test_gunicorn_preloads_the_site_and_forks_workers_without_its_connections(
    monkeypatch,
):
    from unittest import mock

    monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    # A replaced worker is a fork of the loaded site, not a new import of Django.
    assert config["preload_app"] is True
    pool = mock.Mock()
    with (
        mock.patch("django.db.connections.close_all") as close_databases,
        mock.patch("django.core.cache.caches.close_all") as close_caches,
        mock.patch.object(app, "_pool", pool),
        mock.patch.object(app, "_after_fork") as celery_reset,
    ):
        config["pre_fork"](server=None, worker=None)
    close_databases.assert_called_once_with()
    close_caches.assert_called_once_with()
    pool.force_close_all.assert_called_once_with()
    celery_reset.assert_called_once_with()

    monkeypatch.setenv("GUNICORN_PRELOAD", "false")
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["preload_app"] is False
    with mock.patch("django.db.connections.close_all") as close_databases:
        config["pre_fork"](server=None, worker=None)
    close_databases.assert_not_called()


def test_gunicorn_logs_access_to_stdout_through_the_redacting_logger():
    from config.logfilters import GunicornLogger

    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["accesslog"] == "-"
    assert config["logger_class"] == "config.logfilters.GunicornLogger"
    assert GunicornLogger.__module__ == "config.logfilters"
    # The image runs gunicorn with that file, and no service overrides it.
    cmd = re.search(r"^CMD (.*)$", (ROOT / "Dockerfile").read_text(), re.M).group(1)
    assert '"--config", "gunicorn.conf.py"' in cmd
    assert "--logger-class" not in cmd and "--access-logfile" not in cmd
    assert "command" not in compose()["services"]["web"]


def test_the_image_installs_the_locked_dependencies_before_the_code():
    dockerfile = (ROOT / "Dockerfile").read_text()
    install = dockerfile.index("--require-hashes -r requirements.txt")
    # The dependency layer depends on the lock alone (not on the README or code).
    assert dockerfile.rindex("COPY requirements.txt ./", 0, install) > 0
    assert dockerfile.index("COPY . .") > install
    assert "README" not in dockerfile
    assert "compileall" in dockerfile
    assert "gunicorn.conf.py" in dockerfile


def locked(path: str) -> dict[str, str]:
    pins = re.findall(r"^([a-z0-9._-]+)==([^\s;]+)", (ROOT / path).read_text(), re.M)
    return {name.replace("_", "-"): version for name, version in pins}


def requirement_names(requirements: list[str]) -> set[str]:
    return {
        re.match(r"[A-Za-z0-9._-]+", item).group(0).lower().replace("_", "-")
        for item in requirements
    }


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("requirements.txt", []), ("requirements-dev.txt", ["dev"])],
)
def test_the_lock_files_pin_every_dependency_with_hashes(lock, groups):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = requirement_names(project["dependencies"])
    for group in groups:
        wanted |= requirement_names(project["optional-dependencies"][group])
    pins = locked(lock)
    # After editing pyproject.toml, run `make lock`.
    assert wanted <= set(pins), f"not in {lock}: {wanted - set(pins)}"
    hashed = re.findall(
        r"^([a-z0-9._-]+)==[^\n]*\\\n\s+--hash=sha256:", (ROOT / lock).read_text(), re.M
    )
    assert len(hashed) == len(pins)
    assert pins["django"].startswith("6.1")


def test_make_and_ci_install_from_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r $(DEV_LOCK)" in makefile
    assert "DEV_LOCK := requirements-dev.txt" in makefile
    assert re.search(r"^lock: ", makefile, re.M)
    assert re.search(r"^upgrade: ", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()
