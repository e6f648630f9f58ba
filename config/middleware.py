"""Site-wide request guards."""

import gzip
import secrets
from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware, get_nonce
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.csp import CSP, build_policy
from django.utils.functional import SimpleLazyObject, empty

from users import backends


class RefuseNulBytes:
    """A NUL byte in the address is refused before any view runs.

    PostgreSQL cannot store or compare text holding NUL (psycopg raises), so one
    that reached a query anywhere (an admin search, a filter, a lookup by a
    parameter) would answer 500. Nobody types one: in the path it answers the
    styled 404, in the query string the styled 400. Form fields need no guard here:
    Django's CharField refuses NUL with a message of its own.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            raise Http404("No such page.")
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            raise BadRequest("A NUL byte in the query string.")
        return self.get_response(request)


class CompressText(GZipMiddleware):
    """Django's GZipMiddleware (with its BREACH mitigation) for text only.

    Pages, JSON, feeds and calendar files are compressed; a photo or PDF (media
    served by the app in development and the demo, certificates, receipts) is
    already compressed and passes through as it is, with its Content-Length.
    Static files never get here: whitenoise answers them above this middleware.

    A response may bring its body compressed already: `precompressed`, a pair of
    the body and its gzip (level 6, no time, no file name), which the page cache
    (core/pagecache.py) keeps for a stored page that carries nothing of its
    visitor. It is used as Django would use its own compression, the same
    checks and the same BREACH padding (a file name of random length in the gzip
    header, drawn for each response); only the compressing is not done again.
    """

    TEXT_TYPES = (
        "text/",
        "application/json",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/javascript",
        "image/svg+xml",
    )

    def process_response(self, request: HttpRequest, response: HttpResponse):
        content_type = response.get("Content-Type", "")
        if not content_type.startswith(self.TEXT_TYPES):
            return response
        compressed = self._compressed_already(response)
        if compressed is None:
            return super().process_response(request, response)
        # GZipMiddleware.process_response, with the compression done before.
        patch_vary_headers(response, ("Accept-Encoding",))
        if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        if len(compressed) >= len(response.content):
            return response
        response.content = self._padded(compressed)
        response.headers["Content-Length"] = str(len(response.content))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response

    @staticmethod
    def _compressed_already(response: HttpResponse) -> bytes | None:
        """The gzip of the body the response brought, if it still is its body
        and Django would compress it (long enough, not encoded yet)."""
        precompressed = getattr(response, "precompressed", None)
        if precompressed is None or response.streaming:
            return None
        body, compressed = precompressed
        if (
            response.content != body
            or len(body) < 200
            or response.has_header("Content-Encoding")
        ):
            return None
        return compressed

    def _padded(self, compressed: bytes) -> bytes:
        """Django's BREACH padding (django.utils.text.compress_string): a file
        name of a random length, 0 to max_random_bytes - 1, in the gzip header."""
        header = bytearray(compressed[:10])
        header[3] = gzip.FNAME
        filename = b"a" * secrets.randbelow(self.max_random_bytes) + b"\x00"
        return bytes(header) + filename + compressed[10:]


class ReportingEndpoints:
    """The Reporting-Endpoints header: where browsers send what the CSP blocked
    (its `report-to` names a group here). Absolute URLs on SITE_URL, as the
    Reporting API needs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        base = settings.SITE_URL.rstrip("/")
        self.header = ", ".join(
            f'{group}="{base}{path}"'
            for group, path in settings.REPORTING_ENDPOINTS.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Reporting-Endpoints", self.header)
        return response


def needs_two_factor(user) -> bool:
    """Staff see bookings, health answers' surroundings and the admin: their
    accounts must have a second factor."""
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


class Authentication(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware, using the user read with the session.

    The session engine (config/sessions.py) reads a signed-in session with its
    user and their profile in one query. `request.user` is still Django's
    `auth.get_user`, with every check it makes (the session's backend, the
    user's `is_active`, the session auth hash); the backend answers it from
    that row when the session's data names the same user id, instead of asking
    the database again (`users.backends.offering`).
    """

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user(request))


def _user(request: HttpRequest):
    if not hasattr(request, "_cached_user"):
        session = request.session
        read = None
        take = getattr(session, "take_read_user", None)
        # Asking for the key loads the session, and with it the user it names.
        if take is not None and SESSION_KEY in session:
            read = take()
        if read is None:
            request._cached_user = auth.get_user(request)
        else:
            with backends.offering(*read):
                request._cached_user = auth.get_user(request)
    return request._cached_user


class LazyMessages(MessageMiddleware):
    """Django's MessageMiddleware with the message storage made on first use.

    Making it (a cookie signer and a session store) cost about 20 µs a request,
    paid by every response, robots.txt and JSON included, although only pages
    (base.html shows the messages) and the views that add one use it. A storage
    nobody touched has nothing to write: Django's `update` only stores messages
    that were read or added, so skipping it changes no response.
    """

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request: HttpRequest, response: HttpResponse):
        stored = getattr(request, "_messages", None)
        if isinstance(stored, SimpleLazyObject) and stored._wrapped is empty:
            return response
        return super().process_response(request, response)


class ContentSecurityPolicy(ContentSecurityPolicyMiddleware):
    """Django's ContentSecurityPolicyMiddleware, building each policy once.

    Django builds the header's text from the settings for every response (about
    20 µs). A response whose page used no nonce (robots.txt, JSON, a redirect, a
    page without inline script) gets the same text every time: it is kept, per
    policy, and built again only when the settings' policy is another object
    (override_settings in tests). A page that used its nonce gets a fresh policy
    with that nonce, as before; a view's own policy (`_csp_config`) too.
    """

    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        self._built: dict[str, tuple[dict, str]] = {}

    def _policy(self, header: str, config: dict) -> str:
        kept = self._built.get(header)
        if kept is not None and kept[0] is config:
            return kept[1]
        policy = build_policy(config)
        self._built[header] = (config, policy)
        return policy

    def process_response(self, request: HttpRequest, response: HttpResponse):
        if (
            get_nonce(request)
            or hasattr(response, "_csp_config")
            or hasattr(response, "_csp_ro_config")
        ):
            return super().process_response(request, response)
        for header, config in (
            (CSP.HEADER_ENFORCE, settings.SECURE_CSP),
            (CSP.HEADER_REPORT_ONLY, settings.SECURE_CSP_REPORT_ONLY),
        ):
            if config and header not in response:
                response.headers[str(header)] = self._policy(str(header), config)
        return response


class StaffNeedTwoFactor:
    """A signed-in member of staff without two-factor authentication is sent to
    set it up before any other page (the admin included). Setting it up, signing
    out and the static files stay reachable.

    A request without a session (no session cookie) has nobody signed in: it is
    let through without loading the user, so that a response which does not
    otherwise read the session (robots.txt, a feed) is not marked `Vary: Cookie`
    and pays for no session or user lookup.
    """

    OPEN_PREFIXES = (
        "/accounts/2fa/",
        "/accounts/logout/",
        "/accounts/reauthenticate/",
        "/static/",
        "/csp-report/",
        "/healthz",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key is None:
            return self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and needs_two_factor(user)
            and not request.path.startswith(self.OPEN_PREFIXES)
            and not is_mfa_enabled(user)
        ):
            messages.info(
                request,
                "Staff accounts need two-factor authentication. Set up an "
                "authenticator app to continue.",
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
