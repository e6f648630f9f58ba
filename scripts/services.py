"""Make sure PostgreSQL and Redis answer; print the environment to reach them.

Order of preference, for each service:
1. the URL in the environment (DATABASE_URL / REDIS_URL), used as it is;
2. the machine's local service on its standard port (started if it is installed
   but stopped);
3. a project-local server under .local/, started on a spare port.

Prints `export NAME=value` lines on stdout (for `eval`); explanations go to stderr.
Exits 1, naming what is missing, when a service cannot be reached.
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/practitioners"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
LOCAL_PG_PORT = 54329
LOCAL_REDIS_PORT = 63799


def say(message: str) -> None:
    print(message, file=sys.stderr)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def wait_for(host: str, port: int, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(host, port):
            return True
        time.sleep(0.3)
    return False


def run(cmd: list[str], **kwargs) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, **kwargs).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def postgres_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def database_exists_or_create(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if row.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            say(f"Created database {name}.")


def start_system_postgres() -> bool:
    clusters = glob.glob("/etc/postgresql/*/main")
    if not clusters or not shutil.which("pg_ctlcluster"):
        return False
    version = Path(clusters[0]).parent.name
    say(f"Starting the machine's PostgreSQL {version} ...")
    run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"])
    return wait_for("127.0.0.1", 5432)


def start_local_postgres() -> str | None:
    initdb, pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
    if not initdb or not pg_ctl:
        return None
    data = LOCAL / "postgres"
    prefix: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: run it as the postgres user.
        if not shutil.which("runuser") or not run(["id", "postgres"]):
            return None
        prefix = ["runuser", "-u", "postgres", "--"]
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        if prefix:
            run(["chown", "-R", "postgres", str(data)])
        say(f"Creating a project-local PostgreSQL in {data} ...")
        if not run([*prefix, initdb, "-D", str(data), "-U", "postgres", "-A", "trust"]):
            return None
    say(f"Starting the project-local PostgreSQL on port {LOCAL_PG_PORT} ...")
    run(
        [
            *prefix,
            pg_ctl,
            "-D",
            str(data),
            "-l",
            str(data / "server.log"),
            "-o",
            f"-p {LOCAL_PG_PORT} -k /tmp -h 127.0.0.1",
            "start",
        ]
    )
    if wait_for("127.0.0.1", LOCAL_PG_PORT):
        return f"postgres://postgres@127.0.0.1:{LOCAL_PG_PORT}/practitioners"
    return None


def ensure_postgres() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        parsed = urlparse(url)
        if not port_open(parsed.hostname or "127.0.0.1", parsed.port or 5432):
            say(f"DATABASE_URL is set but nothing answers at {parsed.hostname}.")
            sys.exit(1)
    else:
        url = DEFAULT_DATABASE_URL
        if not port_open("127.0.0.1", 5432) and not start_system_postgres():
            url = start_local_postgres()
            if url is None:
                say(
                    "PostgreSQL is missing: nothing answers on 127.0.0.1:5432 and no "
                    "PostgreSQL server is installed to start here.\n"
                    "Install it (apt-get install -y postgresql) or set DATABASE_URL."
                )
                sys.exit(1)
    try:
        database_exists_or_create(url)
    except Exception as error:
        say(f"PostgreSQL answers but the database is not usable: {error}")
        sys.exit(1)
    return url


def ensure_redis() -> str:
    url = os.environ.get("REDIS_URL")
    if url:
        parsed = urlparse(url)
        if not port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379):
            say(f"REDIS_URL is set but nothing answers at {parsed.hostname}.")
            sys.exit(1)
        return url
    if port_open("127.0.0.1", 6379):
        return DEFAULT_REDIS_URL
    server = shutil.which("redis-server")
    if not server:
        say(
            "Redis is missing: nothing answers on 127.0.0.1:6379 and redis-server is "
            "not installed.\nInstall it (apt-get install -y redis-server) or set "
            "REDIS_URL."
        )
        sys.exit(1)
    data = LOCAL / "redis"
    data.mkdir(parents=True, exist_ok=True)
    say(f"Starting a project-local Redis on port {LOCAL_REDIS_PORT} ...")
    run(
        [
            server,
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            str(LOCAL_REDIS_PORT),
            "--dir",
            str(data),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(data / "redis.log"),
        ]
    )
    if not wait_for("127.0.0.1", LOCAL_REDIS_PORT):
        say("Redis could not be started; see .local/redis/redis.log.")
        sys.exit(1)
    return f"redis://127.0.0.1:{LOCAL_REDIS_PORT}/0"


def main() -> None:
    database_url = ensure_postgres()
    redis_url = ensure_redis()
    print(f"export DATABASE_URL='{database_url}'")
    print(f"export REDIS_URL='{redis_url}'")


if __name__ == "__main__":
    main()
