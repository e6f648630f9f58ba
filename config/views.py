import json
import logging
import time

import redis
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db import connection
from django.db.models import F, OuterRef, Subquery
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from django.views.static import serve

from blog.models import Post
from core import images, ratelimit
from core.pagecache import cache_public_page
from courses.models import CourseDate
from directory.models import Location, Practitioner

logger = logging.getLogger(__name__)


HOME_COURSE_DATES = 3
HOME_PRACTITIONERS = 4
HOME_POSTS = 3


@require_safe
@cache_public_page
def home(request: HttpRequest) -> HttpResponse:
    """The next course dates, the practitioners approved most recently and the
    latest articles: three queries whatever the size of the site."""
    return render(
        request,
        "home.html",
        {
            "course_dates": list(
                CourseDate.objects.listed().select_related("course")[:HOME_COURSE_DATES]
            ),
            "practitioners": list(
                Practitioner.objects.listed()
                .annotate(
                    town=Subquery(
                        Location.objects.filter(practitioner=OuterRef("pk"))
                        .order_by("pk")
                        .values("town")[:1]
                    )
                )
                .only(
                    "slug",
                    "display_name",
                    "headline",
                    "photo",
                    "photo_width",
                    "photo_height",
                )  # fmt: skip
                .order_by(F("status_changed_at").desc(nulls_last=True), "-pk")[
                    :HOME_PRACTITIONERS
                ]
            ),
            "posts": list(
                Post.objects.live()
                .defer("body_html")
                .order_by("-publish_at", "-pk")[:HOME_POSTS]
            ),
        },
    )


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap_url = request.build_absolute_uri(reverse("sitemap"))
    # Without the request: a text file needs none of the pages' context processors
    # (which would also load the session and the user for nothing).
    return HttpResponse(
        render_to_string("robots.txt", {"sitemap_url": sitemap_url}),
        content_type="text/plain; charset=utf-8",
    )


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    # Browsers and crawlers ask for /favicon.ico whatever the page's <link> says.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("Health check: the database did not answer")
        return False


def redis_urls() -> dict[str, str]:
    """Each Redis role and its URL (one server may hold several)."""
    return {
        "cache": settings.REDIS_CACHE_URL,
        "broker": settings.CELERY_BROKER_URL,
        "ratelimit": settings.REDIS_RATELIMIT_URL,
    }


def _redis_answers() -> bool:
    for role, url in redis_urls().items():
        try:
            client = redis.Redis.from_url(
                url, socket_connect_timeout=1, socket_timeout=1
            )
            client.ping()
        except Exception:
            logger.exception("Health check: Redis (%s) did not answer", role)
            return False
    return True


def _outbox_flows() -> bool:
    from notifications.outbox import overdue_count

    try:
        overdue = overdue_count()
    except Exception:
        logger.exception("Health check: could not count overdue emails")
        return False
    if overdue:
        logger.warning("Health check: %d emails overdue by 10+ minutes", overdue)
    return not overdue


def _beat_is_alive() -> bool:
    from config.beat import read_heartbeat
    from config.celery import app

    try:
        beat = read_heartbeat(app)
    except Exception:
        logger.exception("Health check: could not read beat's heartbeat")
        return False
    age = time.time() - beat["at"] if beat else None
    if age is None or age > settings.BEAT_HEARTBEAT_MAX_AGE_SECONDS:
        logger.warning("Health check: beat's last heartbeat is %s s old", age)
        return False
    return True


def _health(checks: dict[str, bool], failure: dict[str, str]) -> JsonResponse:
    failing = [name for name, ok in checks.items() if not ok]
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": {
            name: "ok" if ok else failure.get(name, "unreachable")
            for name, ok in checks.items()
        },
    }
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The database and Redis answer (kept for existing monitors)."""
    return _health({"database": _database_answers(), "redis": _redis_answers()}, {})


@never_cache
@require_safe
def healthz_live(request: HttpRequest) -> JsonResponse:
    """The process answers: touches nothing else, so a database outage does not
    get every web process restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def healthz_ready(request: HttpRequest) -> JsonResponse:
    """The site works end to end: the database and every Redis role answer, no
    email is stuck (due more than NOTIFICATIONS_STALE_AFTER_MINUTES ago), and beat
    is alive (its heartbeat is recent)."""
    database = _database_answers()
    checks = {
        "database": database,
        "redis": _redis_answers(),
        "outbox": database and _outbox_flows(),
        "beat": _beat_is_alive(),
    }
    return _health(checks, {"outbox": "stale", "beat": "late"})


# A report is a few hundred bytes; a browser batches at most a handful.
MAX_CSP_REPORT_BYTES = 64 * 1024


@csrf_exempt  # browsers send reports without a token, from any page
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Where browsers report what the Content-Security-Policy blocked. It only
    logs (one line per violation); it stores nothing and answers 204."""
    if not ratelimit.allow(request, action="csp_report"):
        return HttpResponse(status=429)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_CSP_REPORT_BYTES:
        return HttpResponse(status=413)
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return HttpResponse(status=400)
    # report-uri sends {"csp-report": {...}}; report-to a list of reports.
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        reports = [data["csp-report"]]
    elif isinstance(data, list):
        reports = [
            item["body"]
            for item in data[:20]
            if isinstance(item, dict) and isinstance(item.get("body"), dict)
        ]
    else:
        return HttpResponse(status=400)
    for report in reports:
        logger.warning(
            "CSP violation: %s blocked %s on %s",
            _field(report, "effective-directive", "effectiveDirective"),
            _field(report, "blocked-uri", "blockedURL"),
            _field(report, "document-uri", "documentURL"),
        )
    return HttpResponse(status=204)


def _field(report: dict, *names: str) -> str:
    for name in names:
        if value := report.get(name):
            # One short line: no control characters, nothing long.
            return " ".join(str(value).split())[:300]
    return "-"


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    # Keep the 500 page free of anything that could fail again (no DB, no user).
    return render(request, "500.html", status=500, context={})


@require_safe
def media_file(request: HttpRequest, path: str, document_root: str) -> HttpResponse:
    """An uploaded file from MEDIA_ROOT (DJANGO_SERVE_MEDIA), cached for a year
    when its name carries its content's hash, for a day otherwise."""
    try:
        response = serve(request, path, document_root=document_root)
    except SuspiciousFileOperation as error:  # "../" out of MEDIA_ROOT
        raise Http404("No such file.") from error
    response["Cache-Control"] = images.cache_control(path)
    return response
