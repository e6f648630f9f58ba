from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Practitioner


def search(request: HttpRequest) -> HttpResponse:
    practitioners = (
        Practitioner.objects.listed()
        .prefetch_related("techniques", "locations")
        .order_by("display_name")
    )
    return render(
        request, "directory/search.html", {"practitioners": practitioners[:20]}
    )


def profile(request: HttpRequest, slug: str) -> HttpResponse:
    practitioner = get_object_or_404(
        Practitioner.objects.listed().prefetch_related(
            "techniques", "locations", "qualifications__technique"
        ),
        slug=slug,
    )
    return render(
        request, "directory/practitioner_detail.html", {"practitioner": practitioner}
    )
