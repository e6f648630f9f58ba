"""Two web nodes, two workers and two beats on shared PostgreSQL, Redis and S3,
behind HAProxy: run by scripts/cluster-smoke.sh, which installs what is missing.

Steps (each a line of the summary):
  1. start the local S3 (moto), migrate a fresh database, load the demo data;
  2. start web-1 and web-2 (gunicorn), HAProxy in front, worker-1 and worker-2,
     beat-a and beat-b (one waits on redbeat's lock);
  3. readiness through the load balancer;
  4. a practitioner uploads a photo through web-1; web-2 shows it, from S3;
  5. booking load through the load balancer: guests race for the same slots,
     every step may land on either node; worker-1 is killed mid-run;
  6. no two bookings overlap; every email of the run is delivered once;
  7. beat-a is killed; beat-b takes over; the email sweep never misses a run.
Prints a PASS/FAIL line per check, then "cluster-smoke: N passed, M failed".
Every process it started is stopped on the way out, and its database and Redis
keys removed.
"""

import contextlib
import html.parser
import io
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
BASE_PORT = int(os.environ.get("CLUSTER_PORT_BASE", "8600"))
LB, WEB1, WEB2, S3 = BASE_PORT, BASE_PORT + 1, BASE_PORT + 2, BASE_PORT + 3
PREFIX = "cluster-smoke"
BUCKET = "cluster-smoke-media"
SWEEP_SECONDS = 5
LOCK_TIMEOUT = 10
GUESTS_PER_SLOT = 3
SLOTS = 6


def say(message: str) -> None:
    print(message, flush=True)


@dataclass
class Results:
    rows: list[tuple[bool, str, str]] = field(default_factory=list)

    def check(self, ok: bool, name: str, detail: str = "") -> bool:
        self.rows.append((bool(ok), name, detail))
        say(f"  {'PASS' if ok else 'FAIL'}  {name}" + (f": {detail}" if detail else ""))
        return bool(ok)

    def summary(self) -> int:
        passed = sum(ok for ok, _, _ in self.rows)
        failed = len(self.rows) - passed
        say("\nSummary")
        for ok, name, detail in self.rows:
            say(
                f"  {'PASS' if ok else 'FAIL'}  {name}"
                + (f" ({detail})" if detail else "")
            )
        say(f"cluster-smoke: {passed} passed, {failed} failed")
        return 0 if failed == 0 and passed else 1


class Cluster:
    """The processes, started in order and stopped in reverse."""

    def __init__(self, work: Path, env: dict[str, str]):
        self.work = work
        self.env = env
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], **env: str) -> subprocess.Popen:
        log = (self.work / f"{name}.log").open("w")
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env | env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.work / f"{name}.log").read_text(errors="replace")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes[name]
        if process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout=30)

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            process = self.processes[name]
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=20)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def wait_until(condition, seconds: float, step: float = 0.3):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if result := condition():
                return result
        except (requests.RequestException, OSError):
            pass
        time.sleep(step)
    return None


def run(command: list[str], env: dict[str, str], timeout: float = 300) -> str:
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


# --- a browser, as far as the site needs one --------------------------------


class FormParser(html.parser.HTMLParser):
    """The fields of the page's forms: inputs, checked boxes, selected options,
    textareas, as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.radios: set[str] = set()
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind == "radio":
                self.radios.add(name)
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            elif kind not in {"file", "submit", "button"}:
                self.fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text.strip("\n")))
            self._textarea = None


def form_fields(page: str) -> list[tuple[str, str]]:
    parser = FormParser()
    parser.feed(page)
    return parser.fields


def csrf(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def alert(page: str) -> str:
    """The text of the page's first message to the visitor, if any."""
    match = re.search(r'role="alert">\s*(.*?)\s*<', page, re.S)
    return match.group(1) if match else ""


def outcome(page: str, what: str) -> str:
    message = alert(page)
    if "just taken" in message:
        return "taken"
    return f"{what}: {message or 'no message'}"


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (40, 120, 110)).save(buffer, format="JPEG")
    return buffer.getvalue()


# --- the steps -------------------------------------------------------------------


def environment(work: Path, database_url: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return env | {
        "PYTHONPATH": str(ROOT / "scripts"),
        "DJANGO_SETTINGS_MODULE": "cluster_smoke_settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_BEHIND_TLS_PROXY": "true",
        "DJANGO_LOG_FORMAT": "json",
        "SITE_URL": f"http://127.0.0.1:{LB}",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": PREFIX,
        "CELERY_REDBEAT_KEY_PREFIX": f"{PREFIX}:",
        "CELERY_BEAT_MAX_LOOP_INTERVAL": "2",
        "CELERY_REDBEAT_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
        "SMOKE_QUEUE": PREFIX,
        # Above the delivery kick's 60 s hard limit, below the smoke's patience.
        "NOTIFICATIONS_STALE_SENDING_SECONDS": "65",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(work / "mail"),
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{S3}",
        "AWS_S3_REGION_NAME": "eu-west-2",
        "AWS_S3_URL_PROTOCOL": "http:",
        "AWS_ACCESS_KEY_ID": "cluster-smoke",
        "AWS_SECRET_ACCESS_KEY": "cluster-smoke-secret",
        "AWS_DEFAULT_REGION": "eu-west-2",
        "WEB_CONCURRENCY": "2",
    }


def fresh_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_bucket() -> None:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{S3}",
        aws_access_key_id="cluster-smoke",
        aws_secret_access_key="cluster-smoke-secret",
        region_name="eu-west-2",
    )
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/*",
            }
        ],
    }
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))


def haproxy_config(work: Path) -> Path:
    config = work / "haproxy.cfg"
    config.write_text(
        f"""global
    maxconn 256

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    option forwardfor
    option httplog

frontend site
    bind 127.0.0.1:{LB}
    # The proxy's own request id, kept by the site in its logs.
    unique-id-format %{{+X}}o\\ %ci:%cp_%fi:%fp_%Ts_%rt:%pid
    http-request set-header X-Request-ID %[unique-id]
    default_backend web

backend web
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz/live ver HTTP/1.1 hdr Host 127.0.0.1
    http-response set-header X-Node %s
    server web-1 127.0.0.1:{WEB1} check inter 1s
    server web-2 127.0.0.1:{WEB2} check inter 1s
"""
    )
    return config


def settings_query(env: dict[str, str], code: str) -> object:
    """Run `code` (which prints JSON) in a Django shell with the cluster's settings."""
    output = run([str(VENV / "python"), "manage.py", "shell", "-c", code], env)
    return json.loads(output.strip().splitlines()[-1])


def demo_practitioner(env: dict[str, str]) -> dict:
    return settings_query(
        env,
        """
import json
from bookings.demo import DEMO_PRACTITIONER_EMAIL
from bookings.models import Service
from directory.models import Practitioner
p = Practitioner.objects.get(user__email=DEMO_PRACTITIONER_EMAIL)
s = Service.objects.filter(practitioner=p, is_active=True).order_by("pk").first()
print(json.dumps({"slug": p.slug, "service": s.pk, "pk": p.pk}))
""",
    )


def upload_photo(results: Results, practitioner: dict) -> None:
    node1 = requests.Session()
    login_page = node1.get(f"http://127.0.0.1:{WEB1}/accounts/login/", timeout=10)
    node1.post(
        f"http://127.0.0.1:{WEB1}/accounts/login/",
        data={
            "csrfmiddlewaretoken": csrf(login_page.text),
            "login": "practitioner@demo.example",
            "password": "demo-practitioner-pass",
        },
        timeout=10,
    )
    edit_url = f"http://127.0.0.1:{WEB1}/practitioner/profile/"
    page = node1.get(edit_url, timeout=10)
    if page.status_code != 200:
        results.check(
            False, "photo uploaded through web-1", f"edit page {page.status_code}"
        )
        return
    fields = [(k, v) for k, v in form_fields(page.text) if k != "photo-clear"]
    response = node1.post(
        edit_url,
        data=fields,
        files={"photo": ("portrait.jpg", jpeg(), "image/jpeg")},
        timeout=20,
    )
    results.check(
        response.status_code == 200 and response.url != edit_url,
        "photo uploaded through web-1",
        f"answered {response.status_code} at {urlparse(response.url).path}",
    )
    profile = requests.get(
        f"http://127.0.0.1:{WEB2}/practitioners/{practitioner['slug']}/", timeout=10
    )
    match = re.search(
        rf'<img src="(http://127\.0\.0\.1:{S3}/{BUCKET}/practitioners/[^"]+)"',
        profile.text,
    )
    photo = requests.get(match.group(1), timeout=10) if match else None
    results.check(
        bool(photo is not None and photo.ok and photo.content[:2] == b"\xff\xd8"),
        "web-2 shows that photo, read from S3",
        match.group(1).rsplit("/", 1)[-1] if match else "no S3 image on web-2's page",
    )


def free_slots(practitioner: dict, count: int) -> list[str]:
    answer = requests.get(
        f"http://127.0.0.1:{LB}/api/practitioners/{practitioner['slug']}/slots/",
        params={"service": practitioner["service"]},
        timeout=10,
    ).json()
    # One slot a day: booking one never blocks another through its buffers.
    starts, days = [], set()
    for slot in answer["slots"]:
        day = slot["start"][:10]
        if day not in days:
            days.add(day)
            starts.append(slot["start"])
        if len(starts) == count:
            break
    return starts


def book_as_guest(practitioner: dict, start: str, n: int, nodes: Counter) -> str:
    """The booking flow through the load balancer; returns "booked", "taken" or
    what went wrong."""
    from datetime import UTC, datetime

    start_value = (
        datetime.fromisoformat(start).astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    )
    base = (
        f"http://127.0.0.1:{LB}/book/{practitioner['slug']}/{practitioner['service']}"
    )
    browser = requests.Session()
    # A browser of its own behind the proxy: its address is the proxy's entry.
    page = browser.get(f"{base}/details/", params={"start": start_value}, timeout=30)
    nodes[page.headers.get("X-Node")] += 1
    if page.status_code != 200 or "csrfmiddlewaretoken" not in page.text:
        return outcome(page.text, f"details page {page.status_code}")
    details = browser.post(
        f"{base}/details/",
        data={
            "csrfmiddlewaretoken": csrf(page.text),
            "start": start_value,
            "name": f"Guest {n}",
            "email": f"guest{n}@smoke.example",
            "phone": "07700 900123",
        },
        timeout=30,
    )
    nodes[details.headers.get("X-Node")] += 1
    if not details.url.endswith("/health/"):
        return outcome(details.text, f"details answered {details.status_code}")
    questions = FormParser()
    questions.feed(details.text)
    answers = dict.fromkeys(questions.radios, "no")
    booked = browser.post(
        f"{base}/health/",
        data={
            **answers,
            "csrfmiddlewaretoken": csrf(details.text),
            "details": "",
            "consent": "on",
        },
        timeout=30,
    )
    nodes[booked.headers.get("X-Node")] += 1
    if "/book/done/" in booked.url:
        return "booked"
    return outcome(booked.text, f"health answered {booked.status_code}")


def booking_load(results: Results, cluster: Cluster, practitioner: dict) -> dict:
    starts = free_slots(practitioner, SLOTS)
    outcomes: list[str] = []
    nodes: Counter = Counter()
    lock = threading.Lock()

    def guest(n: int, start: str) -> None:
        try:
            outcome = book_as_guest(practitioner, start, n, nodes)
        except requests.RequestException as error:
            outcome = f"error {error}"
        with lock:
            outcomes.append(outcome)

    threads = [
        threading.Thread(target=guest, args=(n, starts[n % len(starts)]))
        for n in range(len(starts) * GUESTS_PER_SLOT)
    ]
    started = time.monotonic()
    for number, thread in enumerate(threads):
        thread.start()
        if number == len(threads) // 3:
            # A worker dies mid-run, its prefetched tasks unacknowledged.
            cluster.kill("worker-1")
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started
    counts = Counter(outcomes)
    results.check(
        counts["booked"] == len(starts)
        and counts["taken"] == len(starts) * (GUESTS_PER_SLOT - 1),
        "booking load through the load balancer",
        f"{len(threads)} guests for {len(starts)} slots in {elapsed:.1f} s: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
    )
    results.check(
        nodes["web-1"] > 0 and nodes["web-2"] > 0,
        "both web nodes served the booking flow",
        ", ".join(f"{k}: {v} requests" for k, v in sorted(nodes.items(), key=str)),
    )
    return {"starts": starts}


def check_bookings_and_emails(
    results: Results, env: dict, work: Path, practitioner: dict
) -> None:
    overlaps = settings_query(
        env,
        f"""
import json
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute('''
        SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
          ON a.practitioner_id = b.practitioner_id AND a.id < b.id
         AND tstzrange(a.blocked_starts_at, a.blocked_ends_at, '[)')
          && tstzrange(b.blocked_starts_at, b.blocked_ends_at, '[)')
         WHERE a.status IN ('pending', 'confirmed', 'completed', 'no_show')
           AND b.status IN ('pending', 'confirmed', 'completed', 'no_show')
           AND a.practitioner_id = {practitioner["pk"]}''')
    print(json.dumps(cursor.fetchone()[0]))
""",
    )
    results.check(
        overlaps == 0, "no two bookings overlap", f"{overlaps} overlapping pairs"
    )

    outbox_code = """
import json
from notifications.models import OutboundEmail
from notifications.outbox import _message_id
from django.utils import timezone
rows = OutboundEmail.objects.filter(send_after__lte=timezone.now())
print(json.dumps([
    {"id": r.pk, "status": r.status, "message_id": r.message_id or _message_id(r),
     "recovered": "interrupted" in r.last_error}
    for r in rows
]))
"""

    def all_sent():
        rows = settings_query(env, outbox_code)
        return rows if all(r["status"] == "sent" for r in rows) else None

    started = time.monotonic()
    rows = wait_until(all_sent, seconds=120, step=3)
    waited = time.monotonic() - started
    if rows is None:
        rows = settings_query(env, outbox_code)
        statuses = Counter(r["status"] for r in rows)
        results.check(
            False, "every due email sent", f"after {waited:.0f} s: {dict(statuses)}"
        )
        return
    results.check(
        True,
        "every due email sent",
        f"{len(rows)} emails, {waited:.0f} s after the load",
    )
    delivered = Counter()
    for path in (work / "mail").glob("*.log"):
        for message_id in re.findall(r"^Message-ID: (\S+)", path.read_text(), re.M):
            delivered[message_id] += 1
    missing = [r["id"] for r in rows if delivered[r["message_id"]] == 0]
    doubled = [
        r["id"] for r in rows if delivered[r["message_id"]] > 1 and not r["recovered"]
    ]
    recovered = [r["id"] for r in rows if r["recovered"]]
    results.check(
        not missing and not doubled,
        "each email delivered exactly once",
        f"{sum(delivered.values())} messages written for {len(rows)} rows"
        + (f"; missing {missing}" if missing else "")
        + (f"; doubled {doubled}" if doubled else "")
        + (
            f"; {len(recovered)} resent after the killed worker (by design)"
            if recovered
            else ""
        ),
    )


def heartbeat(client: redis.Redis) -> dict | None:
    raw = client.get(f"{PREFIX}::heartbeat")
    return json.loads(raw) if raw else None


def sweep_times(cluster: Cluster) -> list[tuple[float, str]]:
    """When each beat queued the email sweep, from their JSON logs."""
    sent = []
    for name in ("beat-a", "beat-b"):
        for line in cluster.log(name).splitlines():
            if "Sending due task deliver-due-emails" not in line:
                continue
            try:
                record = json.loads(line)
                at = time.mktime(
                    time.strptime(record["time"][:19], "%Y-%m-%d %H:%M:%S")
                )
                at += int(record["time"][20:23]) / 1000
            except (ValueError, KeyError):
                continue
            sent.append((at, name))
    return sorted(sent)


def beat_failover(results: Results, cluster: Cluster, broker: redis.Redis) -> None:
    active = heartbeat(broker)
    pids = {cluster.processes[n].pid: n for n in ("beat-a", "beat-b")}
    first = pids.get(active["pid"]) if active else None
    results.check(first is not None, "one beat active, one waiting", f"active: {first}")
    if first is None:
        return
    other = "beat-b" if first == "beat-a" else "beat-a"
    time.sleep(SWEEP_SECONDS * 2)
    killed_at = time.time()
    cluster.kill(first)
    took_over = wait_until(
        lambda: (beat := heartbeat(broker)) and pids.get(beat["pid"]) == other,
        seconds=LOCK_TIMEOUT + 20,
    )
    results.check(
        bool(took_over),
        f"{first} killed: {other} takes over",
        f"after {time.time() - killed_at:.1f} s (lock timeout {LOCK_TIMEOUT} s)",
    )
    time.sleep(SWEEP_SECONDS * 3)
    sweeps = sweep_times(cluster)
    after = [at for at, name in sweeps if name == other and at > killed_at]
    gaps = [b[0] - a[0] for a, b in zip(sweeps, sweeps[1:], strict=False)]
    longest = max(gaps) if gaps else None
    results.check(
        bool(after)
        and longest is not None
        and longest <= SWEEP_SECONDS + LOCK_TIMEOUT + 4
        and min(gaps) >= SWEEP_SECONDS * 0.5,
        "the email sweep never missed or doubled a run across the failover",
        f"{len(sweeps)} sweeps, {len(after)} by {other}; gaps "
        f"{min(gaps):.1f}-{longest:.1f} s"
        if gaps
        else "no sweeps logged",
    )


def forget_smoke_keys(redis_url: str) -> None:
    """Deletes the smoke's keys from the cache, broker and rate-limit databases
    (REDIS_URL's database and the next two, as config/settings/base.py lays out)."""
    base, number = redis_url.rsplit("/", 1)
    for offset in range(3):
        client = redis.Redis.from_url(f"{base}/{int(number or 0) + offset}")
        for key in client.scan_iter(match=f"{PREFIX}*"):
            client.delete(key)
        client.delete(PREFIX, f"_kombu.binding.{PREFIX}")
        client.close()


def main() -> int:
    results = Results()
    database_url = (
        os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        + "/"
        + (urlparse(os.environ["DATABASE_URL"]).path.lstrip("/") + "_cluster")
    )
    redis_url = os.environ["REDIS_URL"]
    work = ROOT / ".local" / "cluster-smoke" / time.strftime("%Y%m%dT%H%M%S")
    (work / "mail").mkdir(parents=True)
    env = environment(work, database_url, redis_url)
    cluster = Cluster(work, env)
    broker_url = (
        redis_url.rsplit("/", 1)[0] + f"/{int(redis_url.rsplit('/', 1)[1] or 0) + 1}"
    )
    broker = redis.Redis.from_url(broker_url)
    # A run before this one, within the hour, left rate-limit counts in the cache
    # and rate-limit databases; its eighteen guests' addresses are this run's too.
    forget_smoke_keys(redis_url)
    started = time.monotonic()
    say(f"Cluster smoke: logs in {work.relative_to(ROOT)}")
    try:
        say("Setting up: local S3, a fresh database, the demo data ...")
        cluster.start(
            "s3", [str(VENV / "moto_server"), "-H", "127.0.0.1", "-p", str(S3)]
        )
        if not wait_until(
            lambda: requests.get(f"http://127.0.0.1:{S3}/", timeout=1), 20
        ):
            results.check(False, "local S3 started")
            return results.summary()
        make_bucket()
        fresh_database(database_url)
        # As the image does at build time: hashed, compressed static files.
        run([str(VENV / "python"), "manage.py", "collectstatic", "--noinput"], env)
        run(
            [str(VENV / "python"), "manage.py", "migrate", "--noinput"],
            env,
            timeout=600,
        )
        run(
            [str(VENV / "python"), "manage.py", "seed_demo"],
            env | {"DJANGO_ALLOW_DEMO_DATA": "1"},
        )
        practitioner = demo_practitioner(env)
        results.check(
            True,
            "fresh database migrated, demo data loaded",
            f"{time.monotonic() - started:.0f} s",
        )

        say("Starting two web nodes, HAProxy, two workers, two beats ...")
        gunicorn = [
            str(VENV / "gunicorn"),
            "config.wsgi:application",
            "-c",
            "gunicorn.conf.py",
        ]
        cluster.start("web-1", gunicorn, GUNICORN_BIND=f"127.0.0.1:{WEB1}")
        cluster.start("web-2", gunicorn, GUNICORN_BIND=f"127.0.0.1:{WEB2}")
        celery = [str(VENV / "celery"), "-A", "config"]
        for n in (1, 2):
            cluster.start(
                f"worker-{n}",
                [
                    *celery,
                    "worker",
                    "-n",
                    f"smoke-{n}@%h",
                    "-Q",
                    PREFIX,
                    "--concurrency=2",
                    "--without-gossip",
                    "-l",
                    "INFO",
                ],
            )
        cluster.start("beat-a", [*celery, "beat", "-l", "INFO"])
        time.sleep(1)
        cluster.start("beat-b", [*celery, "beat", "-l", "INFO"])
        cluster.start("haproxy", ["haproxy", "-db", "-f", str(haproxy_config(work))])

        def ready():
            answer = requests.get(f"http://127.0.0.1:{LB}/healthz/ready", timeout=5)
            return answer if answer.status_code == 200 else None

        answer = wait_until(ready, seconds=60, step=1)
        results.check(
            answer is not None,
            "ready through the load balancer (database, Redis, outbox, beat)",
            json.dumps(answer.json()["checks"]) if answer else "never ready",
        )
        if answer is None:
            return results.summary()

        upload_photo(results, practitioner)
        booking_load(results, cluster, practitioner)
        check_bookings_and_emails(results, env, work, practitioner)
        beat_failover(results, cluster, broker)
        alive = [
            n
            for n in ("web-1", "web-2", "worker-2")
            if cluster.processes[n].poll() is None
        ]
        results.check(
            len(alive) == 3, "web-1, web-2 and worker-2 still running", ", ".join(alive)
        )
    except Exception as error:  # a step that could not run is a failure, with why
        results.check(
            False, "the smoke test ran to the end", f"{type(error).__name__}: {error}"
        )
    finally:
        cluster.stop_all()
        forget_smoke_keys(redis_url)
        drop_database(database_url)
        took = time.monotonic() - started
        say(f"\nTook {took:.0f} s; logs in {work.relative_to(ROOT)}")
    return results.summary()


if __name__ == "__main__":
    sys.exit(main())
