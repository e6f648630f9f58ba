"""Fetching a calendar from an address someone typed, without being turned against
our own network (server-side request forgery).

The address comes from a practitioner, so it may point anywhere: at the cloud's
metadata service (169.254.169.254), at Redis on localhost, at a database on the
private network. So, for the first request and every redirect:

* only http and https (webcal:// and webcals:// are read as https://), with no user
  name or password in the address;
* the host name is resolved here, once, and refused if any of its addresses is not
  a public one: private, loopback, link-local, multicast, reserved, shared (CGNAT),
  the metadata addresses, in IPv4 or IPv6, including IPv4 wrapped in IPv6
  (::ffff:127.0.0.1, 6to4, Teredo, NAT64);
* the connection goes to the address that was checked, not to whatever a second
  DNS answer would say (the Host header and the TLS name still carry the host
  name, and the certificate is checked against it);
* redirects are followed by hand, at most MAX_REDIRECTS, each one checked again;
* the answer must arrive within a time limit and a size limit (counted after
  decompression), and be a calendar by its content type.

Written by hand over urllib3 (which the project already has through `requests`
and `stripe`): the Python libraries made for this (advocate and friends) are
unmaintained and wrap `requests` in ways that break with its current versions,
and none connects to the checked address for https without patching internals.
`settings.BOOKINGS_CALENDAR_FETCH_TEST_ADDRESSES` lets tests reach a local
server at one exact address and port; it is empty everywhere else and cannot be
set from the environment.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from time import monotonic
from urllib.parse import urljoin, urlsplit, urlunsplit

import urllib3
from django.conf import settings
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)

MAX_REDIRECTS = 3
REDIRECTS = {301, 302, 303, 307, 308}
CALENDAR_TYPES = {
    "text/calendar",
    "application/ics",
    "text/x-vcalendar",
    # Some servers label every download so; the body must still be a calendar.
    "text/plain",
    "application/octet-stream",
}
# Cloud metadata services. All are outside the public internet anyway; named so
# that a change to the general rule cannot let them through.
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, Azure, GCP, OpenStack, ...
    ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("192.0.0.192"),  # Oracle Cloud
}
NAT64 = ipaddress.ip_network("64:ff9b::/96")
CHUNK = 64 * 1024


class FetchError(Exception):
    """The calendar could not be fetched; the message tells its owner why."""


@dataclass(frozen=True)
class Fetched:
    changed: bool  # False: 304 Not Modified, keep what we have
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def normalise_url(url: str) -> str:
    """The address to fetch: webcal(s):// read as https://. Raises FetchError for
    anything that is not a plain http(s) address."""
    url = (url or "").strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"webcal", "webcals"}:
        scheme = "https"
    if scheme not in {"http", "https"}:
        raise FetchError(
            "Use the calendar's web address: it starts with https://, http:// or "
            "webcal://."
        )
    if parts.username is not None or parts.password is not None:
        raise FetchError(
            "Use the calendar's private sharing address, without a user name or "
            "password in it."
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as error:
        raise FetchError("The port number in that address is not valid.") from error
    if not parts.hostname:
        raise FetchError("That address has no host name.")
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


def is_forbidden(address: IPAddress) -> bool:
    """True for any address that is not a public unicast one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour]
        if address.teredo:
            embedded.append(address.teredo[1])
        if address in NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if any(inner is not None and is_forbidden(inner) for inner in embedded):
            return True
    return (
        address in METADATA_ADDRESSES
        or address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _allowed_for_tests(address: IPAddress, port: int) -> bool:
    allowed = getattr(settings, "BOOKINGS_CALENDAR_FETCH_TEST_ADDRESSES", ())
    shown = f"[{address}]" if address.version == 6 else str(address)
    return f"{shown}:{port}" in allowed


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host name resolves to (an address given as such: itself)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(f"We could not find the server {host}.") from error
    addresses: list[IPAddress] = []
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchError(f"We could not find the server {host}.")
    return addresses


def checked_address(host: str, port: int) -> IPAddress:
    """The address to connect to: refused if any address of the host is private."""
    addresses = resolve(host, port)
    for address in addresses:
        if is_forbidden(address) and not _allowed_for_tests(address, port):
            raise FetchError(
                "That address leads to a private or local network. We only read "
                "calendars published on the internet."
            )
    return addresses[0]


def _pool(scheme: str, host: str, address: IPAddress, port: int, timeout: float):
    options = {
        "port": port,
        "timeout": urllib3.Timeout(connect=min(timeout, 5.0), read=timeout),
        "retries": False,
        "maxsize": 1,
        "block": False,
    }
    if scheme == "https":
        # TCP to the checked address; TLS names and verifies the host.
        return urllib3.HTTPSConnectionPool(
            str(address),
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            **options,
        )
    return urllib3.HTTPConnectionPool(str(address), **options)


def _host_header(host: str, scheme: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return shown if port == default else f"{shown}:{port}"


def _read(response, *, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(_too_big(max_bytes))
    body = bytearray()
    # read1: whatever has arrived (decompressed), so a server trickling bytes
    # meets the deadline between reads, not after a whole chunk.
    while chunk := response.read1(CHUNK, decode_content=True):
        body.extend(chunk)
        if len(body) > max_bytes:
            raise FetchError(_too_big(max_bytes))
        if monotonic() > deadline:
            raise FetchError(_too_slow())
    return bytes(body)


def _too_big(max_bytes: int) -> str:
    return (
        f"The calendar is larger than {max_bytes // (1024 * 1024)} MB. Share a "
        "calendar with fewer past events, or ask us for help."
    )


def _too_slow() -> str:
    return "The calendar's server took too long to answer. We will try again."


def _status_error(status: int) -> FetchError:
    if status in {401, 403}:
        return FetchError(
            f"The calendar's server refused to share it (HTTP {status}). The "
            "address may have been reset, or the calendar is no longer shared."
        )
    if status in {404, 410}:
        return FetchError(
            f"The calendar's server has no calendar at this address (HTTP "
            f"{status}). It may have been reset or deleted."
        )
    return FetchError(
        f"The calendar's server answered with an error (HTTP {status}). We will "
        "try again."
    )


def _content_type(response) -> str:
    return response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    max_bytes: int | None = None,
    timeout: float | None = None,
) -> Fetched:
    """GET a calendar safely, conditionally when validators are given."""
    max_bytes = max_bytes or settings.BOOKINGS_CALENDAR_MAX_BYTES
    timeout = timeout or settings.BOOKINGS_CALENDAR_FETCH_TIMEOUT_SECONDS
    deadline = monotonic() + timeout
    current = normalise_url(url)
    for _hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(current)
        scheme, host = parts.scheme, parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        address = checked_address(host, port)
        headers = {
            "Host": _host_header(host, scheme, port),
            "User-Agent": f"{settings.SITE_NAME} calendar reader",
            "Accept": "text/calendar, */*;q=0.5",
            "Accept-Encoding": "gzip, deflate",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        remaining = max(deadline - monotonic(), 0.5)
        pool = _pool(scheme, host, address, port, remaining)
        try:
            response = pool.urlopen(
                "GET",
                target,
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            try:
                if response.status in REDIRECTS:
                    location = response.headers.get("Location", "")
                    if not location:
                        raise FetchError(
                            "The calendar's server sent us on without saying where."
                        )
                    current = normalise_url(urljoin(current, location))
                    continue
                if response.status == 304:
                    return Fetched(
                        changed=False, etag=etag, last_modified=last_modified
                    )
                if response.status != 200:
                    raise _status_error(response.status)
                kind = _content_type(response)
                if kind and kind not in CALENDAR_TYPES:
                    raise FetchError(
                        "That address gives a web page, not a calendar. Use the "
                        "calendar's iCal (.ics) address."
                    )
                body = _read(response, max_bytes=max_bytes, deadline=deadline)
                if (
                    not body.lstrip(b"\xef\xbb\xbf \t\r\n")
                    .upper()
                    .startswith(b"BEGIN:VCALENDAR")
                ):
                    raise FetchError(
                        "That address does not give a calendar. Use the calendar's "
                        "iCal (.ics) address."
                    )
                return Fetched(
                    changed=True,
                    body=body,
                    etag=response.headers.get("ETag", "")[:255],
                    last_modified=response.headers.get("Last-Modified", "")[:64],
                )
            finally:
                response.release_conn()
        except ReadTimeoutError as error:
            raise FetchError(_too_slow()) from error
        except (ConnectTimeoutError, NewConnectionError) as error:
            raise FetchError(
                f"We could not connect to {host}. We will try again."
            ) from error
        except SSLError as error:
            raise FetchError(
                f"The secure connection to {host} failed (its certificate could "
                "not be verified)."
            ) from error
        except HTTPError as error:
            raise FetchError(
                f"The connection to {host} failed. We will try again."
            ) from error
        finally:
            pool.close()
    raise FetchError(
        f"The calendar's address sent us on more than {MAX_REDIRECTS} times."
    )
