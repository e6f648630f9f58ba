"""YouTube links: recognise the forms editors paste and build the embed addresses.

Videos play from youtube-nocookie.com, the only frame host the CSP allows.
"""

import re
from urllib.parse import parse_qs, urlsplit

EMBED_HOST = "https://www.youtube-nocookie.com"
WATCH_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com"}
EMBED_HOSTS = WATCH_HOSTS | {"youtube-nocookie.com", "www.youtube-nocookie.com"}
SHORT_HOSTS = {"youtu.be"}
VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
START = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?")


def video_id(url: str) -> str | None:
    """The 11-character video id of a YouTube address, or None if it is not one."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"}:
        return None
    host = (parts.hostname or "").lower()
    path = [piece for piece in parts.path.split("/") if piece]
    candidate = None
    if host in SHORT_HOSTS and len(path) == 1:
        candidate = path[0]
    elif host in WATCH_HOSTS and path == ["watch"]:
        candidate = (parse_qs(parts.query).get("v") or [""])[0]
    elif len(path) == 2 and (
        (host in WATCH_HOSTS and path[0] in {"shorts", "live"})
        or (host in EMBED_HOSTS and path[0] == "embed")
    ):
        candidate = path[1]
    if candidate and VIDEO_ID.fullmatch(candidate):
        return candidate
    return None


def start_seconds(url: str) -> int:
    """Where the link asks playback to start (`t=90`, `t=1m30s`, `start=90`), else 0."""
    query = parse_qs(urlsplit(url or "").query)
    value = (query.get("t") or query.get("start") or [""])[0]
    match = START.fullmatch(value)
    if not value or not match:
        return 0
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def embed_url(video: str, *, start: int = 0, autoplay: bool = True) -> str:
    """The privacy-enhanced player. It autoplays by default: it is only ever loaded
    when the visitor has clicked play."""
    url = f"{EMBED_HOST}/embed/{video}?" + ("autoplay=1&" if autoplay else "") + "rel=0"
    return f"{url}&start={start}" if start else url


def watch_url(video: str, *, start: int = 0) -> str:
    url = f"https://www.youtube.com/watch?v={video}"
    return f"{url}&t={start}s" if start else url
