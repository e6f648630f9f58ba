"""GET /api/practitioners/<slug>/slots/: bookable times of one service, as JSON."""

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from .availability import compute_slots
from .forms import SlotsQueryForm
from .views import bookable_services


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_GET
def slots(request: HttpRequest, slug: str) -> JsonResponse:
    form = SlotsQueryForm(request.GET, today=timezone.localdate())
    if not form.is_valid():
        return _error(form.error_message(), 400)
    query = form.cleaned_data
    service = bookable_services().filter(pk=query["service"], practitioner__slug=slug)
    service = service.first()
    if service is None:
        return _error("No such practitioner, or no such bookable service.", 404)
    zone = service.practitioner.zone
    found = compute_slots(
        service=service, first_day=query["from_"], last_day=query["to"]
    )
    response = JsonResponse(
        {
            "practitioner": slug,
            "time_zone": service.practitioner.time_zone,
            "service": {
                "id": service.pk,
                "name": service.name,
                "duration_minutes": service.duration_minutes,
                "price": str(service.price),
            },
            "from": query["from_"].isoformat(),
            "to": query["to"].isoformat(),
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
