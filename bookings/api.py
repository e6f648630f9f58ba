"""GET /api/practitioners/<slug>/slots/: bookable times of one service, as JSON."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from core import ratelimit

from .availability import (
    bookable_days,
    bookable_service,
    compute_slots,
    local_today,
)
from .forms import SlotsQueryForm


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_GET
def slots(request: HttpRequest, slug: str) -> JsonResponse:
    if not ratelimit.allow(request, action="slots"):
        response = _error("Too many requests: wait a minute and try again.", 429)
        response["Retry-After"] = "60"
        return response
    form = SlotsQueryForm(request.GET)
    if not form.is_valid():
        return _error(form.error_message(), 400)
    query = form.cleaned_data
    service = bookable_service(query["service"], slug)
    if service is None:
        return _error("No such practitioner, or no such bookable service.", 404)
    practitioner = service.practitioner
    zone = practitioner.zone
    now = timezone.now()
    first, last = query["from_"], query["to"]
    if first is None:
        try:
            first, last = form.day_range(local_today(practitioner, now))
        except ValidationError as error:
            return _error(" ".join(error.messages), 400)
    # Report the days actually searched: none before today or past the window.
    first, last = bookable_days(service, first, last, now)
    searched = first <= last
    found = compute_slots(service=service, first_day=first, last_day=last, now=now)
    response = JsonResponse(
        {
            "practitioner": slug,
            "time_zone": practitioner.time_zone,
            "service": {
                "id": service.pk,
                "name": service.name,
                "duration_minutes": service.duration_minutes,
                "price": str(service.price),
            },
            "from": first.isoformat() if searched else None,
            "to": last.isoformat() if searched else None,
            "slots": [
                {
                    "start": slot.starts_at.astimezone(zone).isoformat(),
                    "end": slot.ends_at.astimezone(zone).isoformat(),
                }
                for slot in found
            ],
        }
    )
    add_never_cache_headers(response)
    return response
