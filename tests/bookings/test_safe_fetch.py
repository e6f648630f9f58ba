"""The calendar fetcher refuses to be turned against our own network (SSRF), and
keeps to its limits. The local server is reachable only at its exact address and
port (BOOKINGS_CALENDAR_FETCH_TEST_ADDRESSES); everything else local is refused."""

import gzip
import ipaddress
import socket

import pytest

from bookings import safe_fetch
from bookings.safe_fetch import FetchError, fetch, is_forbidden, normalise_url
from tests.bookings.calendar_server import sample

CALENDAR = sample("google_clinic.ics")
PRIVATE = "leads to a private or local network"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/calendar.ics",
        "http://127.0.0.1:6379/",
        "http://10.0.0.1/calendar.ics",
        "http://192.168.1.20/calendar.ics",
        "http://172.16.0.5/calendar.ics",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://[::1]/calendar.ics",
        "http://[::ffff:127.0.0.1]/calendar.ics",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[fe80::1]/calendar.ics",
        "http://[2002:7f00:1::1]/calendar.ics",  # 6to4 around 127.0.0.1
        "http://[64:ff9b::a00:1]/calendar.ics",  # NAT64 around 10.0.0.1
        "http://224.0.0.1/calendar.ics",
        "http://[ff02::1]/calendar.ics",
        "http://0.0.0.0/calendar.ics",
        "https://localhost/calendar.ics",  # a name resolving to 127.0.0.1
        "webcal://localhost/calendar.ics",
    ],
)
def test_private_loopback_link_local_multicast_and_metadata_addresses_are_refused(
    url, calendar_server
):
    with pytest.raises(FetchError, match=PRIVATE):
        fetch(url)
    assert calendar_server.requests == []


def test_a_name_that_resolves_to_a_private_address_is_refused(monkeypatch):
    def resolver(host, port, *args, **kwargs):
        assert host == "calendar.example.com"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(safe_fetch.socket, "getaddrinfo", resolver)
    with pytest.raises(FetchError, match=PRIVATE):
        fetch("https://calendar.example.com/private/basic.ics")


def test_a_name_with_one_private_address_among_public_ones_is_refused(monkeypatch):
    answers = [("203.0.113.9", 443), ("10.0.0.7", 443)]

    def resolver(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", a) for a in answers]

    monkeypatch.setattr(safe_fetch.socket, "getaddrinfo", resolver)
    with pytest.raises(FetchError, match=PRIVATE):
        fetch("https://calendar.example.com/basic.ics")


def test_a_redirect_to_a_local_address_is_refused(calendar_server):
    calendar_server.redirect("/calendar.ics", "http://127.0.0.1:6379/")
    with pytest.raises(FetchError, match=PRIVATE):
        fetch(calendar_server.url("/calendar.ics"))
    assert [r.path for r in calendar_server.requests] == ["/calendar.ics"]


def test_a_redirect_to_a_name_resolving_locally_is_refused(calendar_server):
    calendar_server.redirect("/calendar.ics", "http://localhost:6379/")
    with pytest.raises(FetchError, match=PRIVATE):
        fetch(calendar_server.url("/calendar.ics"))


def test_the_test_server_itself_is_refused_without_the_test_setting(
    calendar_server, settings
):
    calendar_server.publish("/calendar.ics", CALENDAR)
    settings.BOOKINGS_CALENDAR_FETCH_TEST_ADDRESSES = []
    with pytest.raises(FetchError, match=PRIVATE):
        fetch(calendar_server.url("/calendar.ics"))
    assert calendar_server.requests == []


def test_the_connection_goes_to_the_address_that_was_checked(
    calendar_server, monkeypatch
):
    """DNS rebinding: a second answer (here 10.0.0.1) is never asked for; the
    request goes to the checked address with the name in its Host header."""
    calendar_server.publish("/calendar.ics", CALENDAR)
    asked = []
    real = socket.getaddrinfo

    def resolver(host, port, *args, **kwargs):
        if host == "calendar.example.com":
            asked.append(host)
            address = "127.0.0.1" if len(asked) == 1 else "10.0.0.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    url = f"http://calendar.example.com:{calendar_server.port}/calendar.ics"

    fetched = fetch(url)

    assert fetched.changed and fetched.body == CALENDAR
    assert asked == ["calendar.example.com"]
    [request] = calendar_server.requests
    assert request.headers["Host"] == f"calendar.example.com:{calendar_server.port}"


def test_redirects_are_followed_up_to_three_times(calendar_server):
    calendar_server.publish("/final.ics", CALENDAR)
    calendar_server.redirect("/3", "/final.ics", status=301)
    calendar_server.redirect("/2", calendar_server.url("/3"), status=307)
    calendar_server.redirect("/1", "/2", status=302)
    assert fetch(calendar_server.url("/1")).body == CALENDAR

    calendar_server.redirect("/0", "/1", status=308)
    with pytest.raises(FetchError, match="more than 3 times"):
        fetch(calendar_server.url("/0"))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "starts with https://"),
        ("ftp://calendar.example.com/a.ics", "starts with https://"),
        ("gopher://127.0.0.1:6379/_INFO", "starts with https://"),
        ("javascript:alert(1)", "starts with https://"),
        ("calendar.example.com/basic.ics", "starts with https://"),
        ("https://user:secret@calendar.example.com/a.ics", "without a user name"),
        ("https://calendar.example.com:99999/a.ics", "port number"),
        ("https:///basic.ics", "no host name"),
    ],
)
def test_only_plain_http_addresses_are_accepted(url, message):
    with pytest.raises(FetchError, match=message):
        normalise_url(url)


def test_webcal_addresses_are_read_over_https():
    assert (
        normalise_url("webcal://p01-caldav.icloud.com/published/2/abc")
        == "https://p01-caldav.icloud.com/published/2/abc"
    )
    assert normalise_url(" WEBCALS://example.com ") == "https://example.com/"


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "1.1.1.1", "2a00:1450:4009:81f::200e", "151.101.0.223"],
)
def test_public_addresses_are_allowed(address):
    assert not is_forbidden(ipaddress.ip_address(address))


def test_an_oversized_calendar_is_refused(calendar_server):
    calendar_server.publish("/big.ics", CALENDAR + b" " * 5000)
    with pytest.raises(FetchError, match="larger than"):
        fetch(calendar_server.url("/big.ics"), max_bytes=4000)


def test_a_compressed_calendar_is_measured_after_decompression(calendar_server):
    bomb = b"BEGIN:VCALENDAR\r\n" + b"X" * 2_000_000
    calendar_server.publish("/bomb.ics", bomb, gzip=True)
    assert len(gzip.compress(bomb)) < 10_000
    with pytest.raises(FetchError, match="larger than"):
        fetch(calendar_server.url("/bomb.ics"), max_bytes=1_000_000)


def test_a_compressed_calendar_within_the_limit_is_read(calendar_server):
    calendar_server.publish("/small.ics", CALENDAR, gzip=True)
    assert fetch(calendar_server.url("/small.ics")).body == CALENDAR


def test_a_slow_server_is_given_up_on(calendar_server):
    calendar_server.publish("/slow.ics", CALENDAR, delay=0.3)
    with pytest.raises(FetchError, match="too long"):
        fetch(calendar_server.url("/slow.ics"), timeout=1)


def test_a_web_page_is_refused_by_its_content_type(calendar_server):
    calendar_server.publish(
        "/login", b"<html>Sign in</html>", content_type="text/html; charset=utf-8"
    )
    with pytest.raises(FetchError, match="web page, not a calendar"):
        fetch(calendar_server.url("/login"))


def test_a_body_that_is_not_a_calendar_is_refused(calendar_server):
    calendar_server.publish("/x", b"hello", content_type="application/octet-stream")
    with pytest.raises(FetchError, match="does not give a calendar"):
        fetch(calendar_server.url("/x"))


@pytest.mark.parametrize(
    ("status", "message"),
    [(404, "no calendar at this address"), (403, "refused"), (500, "an error")],
)
def test_errors_are_explained(calendar_server, status, message):
    calendar_server.publish("/c.ics", b"", status=status)
    with pytest.raises(FetchError, match=message):
        fetch(calendar_server.url("/c.ics"))


def test_a_conditional_request_that_matches_gets_not_modified(calendar_server):
    calendar_server.publish("/c.ics", CALENDAR)
    first = fetch(calendar_server.url("/c.ics"))
    assert first.etag and first.last_modified

    again = fetch(
        calendar_server.url("/c.ics"),
        etag=first.etag,
        last_modified=first.last_modified,
    )

    assert not again.changed and again.body == b""
    assert calendar_server.requests[-1].headers["If-None-Match"] == first.etag


def test_a_server_that_cannot_be_reached_is_explained(settings):
    # A port nobody listens on, allowed as if it were the test server.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.BOOKINGS_CALENDAR_FETCH_TEST_ADDRESSES = [f"127.0.0.1:{port}"]
    with pytest.raises(FetchError, match="could not connect"):
        fetch(f"http://127.0.0.1:{port}/c.ics")
