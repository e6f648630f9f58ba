"""A small local HTTP server that publishes iCalendar files the way Google, Outlook
and Apple do: ETag and Last-Modified, 304 to a conditional request that matches,
redirects, errors, slow or oversized answers on demand.

Tests allow exactly its address and port through
`settings.BOOKINGS_CALENDAR_FETCH_TEST_ADDRESSES`; every other local address stays
refused, so a redirect from it to 127.0.0.1 on another port is still refused.
"""

import gzip
import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SAMPLES = Path(__file__).parent / "calendars"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def busy_calendar(*spans: tuple[datetime, datetime]) -> bytes:
    """A calendar with one busy event for each (start, end), written in UTC."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Tests//Busy//EN"]
    for number, (start, end) in enumerate(spans):
        lines += [
            "BEGIN:VEVENT",
            f"UID:busy-{number}@tests.example",
            "DTSTAMP:20270101T000000Z",
            f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            f"DTEND:{end.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


@dataclass
class Page:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/calendar; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before each piece of the body
    gzip: bool = False
    last_modified: str = "Mon, 01 Mar 2027 09:00:00 GMT"


@dataclass
class Request:
    path: str
    headers: dict[str, str]


class CalendarServer:
    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[Request] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.address = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://{self.address}{path}"

    def publish(self, path: str, body: bytes | str = b"", **options) -> Page:
        if isinstance(body, str):
            body = body.encode()
        page = Page(body=body, **options)
        self.pages[path] = page
        return page

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.pages[path] = Page(status=status, headers={"Location": location})

    def start(self) -> "CalendarServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                server.requests.append(Request(self.path, dict(self.headers.items())))
                page = server.pages.get(self.path)
                if page is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
                # As HTTP says: the ETag decides when the client sends one.
                match = self.headers.get("If-None-Match")
                if match is None:
                    fresh = self.headers.get("If-Modified-Since") == page.last_modified
                else:
                    fresh = match == etag
                if page.status == 200 and fresh:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                body = gzip.compress(page.body) if page.gzip else page.body
                self.send_response(page.status)
                if page.status == 200:
                    self.send_header("Content-Type", page.content_type)
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", page.last_modified)
                if page.gzip:
                    self.send_header("Content-Encoding", "gzip")
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not page.delay:
                    self.wfile.write(body)
                    return
                for start in range(0, len(body), 64):
                    time.sleep(page.delay)
                    try:
                        self.wfile.write(body[start : start + 64])
                        self.wfile.flush()
                    except OSError:
                        return

        return Handler
