"""Site-wide request guards."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse


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
