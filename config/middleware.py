"""Site-wide request guards."""

from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import redirect
from django.urls import reverse


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
        return super().process_response(request, response)


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


class StaffNeedTwoFactor:
    """A signed-in member of staff without two-factor authentication is sent to
    set it up before any other page (the admin included). Setting it up, signing
    out and the static files stay reachable."""

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
