from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from core import images
from core.jsonld import json_ld
from core.links import absolute_url
from core.pagecache import cache_public_page

from . import fragments, geo, names, services
from . import search as directory_search
from .forms import (
    RADIUS_CHOICES,
    ApplicationDocumentsForm,
    LocationForm,
    PractitionerForm,
    SearchForm,
)
from .models import Location, Place, Practitioner, Technique

PAGE_SIZE = 12
# A technique page shows this many practitioners (nearest first once a place is
# given, within TECHNIQUE_RADIUS miles) and links to the search for the rest.
TECHNIQUE_PRACTITIONERS = 6
TECHNIQUE_RADIUS = 25


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    techniques = directory_search.all_techniques()
    form = SearchForm(request.GET or None, techniques=techniques)
    criteria = form.criteria()
    context = {
        "form": form,
        "techniques": techniques,
        # The boxes ticked, read once (not once per technique by the template).
        "ticked_techniques": set(form["technique"].value() or []),
        "searched": form.is_bound,
        "criteria": criteria,
    }
    if form.unknown_place:
        where = form.unknown_place
        context["unknown_place"] = where
        context["suggestions"] = geo.suggestions(where)
        if not context["suggestions"]:
            context["example_towns"] = directory_search.towns_with_practitioners()
        context["place_links"] = [
            (name, _query_with_where(request, name))
            for name in context["suggestions"] or context.get("example_towns", [])
        ]
        page = Paginator([], PAGE_SIZE).get_page(1)
    else:
        if criteria.nearest and criteria.where is not None:
            # "Show the nearest": as far as it takes to find someone.
            reach = directory_search.nearest_beyond(criteria)
            if reach is not None:
                criteria.radius = reach.radius
                context["widened"] = True
        if criteria.where is not None and criteria.where.alternatives:
            context["other_places"] = [
                (shown, _query_with_where(request, typed))
                for shown, typed in criteria.where.alternatives
            ]
        paginator = Paginator(directory_search.practitioners(criteria), PAGE_SIZE)
        if criteria.where is not None and not paginator.count:
            context.update(_no_one_within(request, criteria))
        requested = request.GET.get("page", "1")
        page = paginator.get_page(requested)
        if requested != str(page.number) and paginator.count:
            context["page_notice"] = (
                f"There is no page “{requested[:10]}”; showing page {page.number}."
            )
        fragments.add_cards(page, techniques)
    context["page"] = page
    template = "directory/search.html"
    # A history restore (back to an address htmx pushed, not in htmx's cache) swaps
    # the whole body, so it needs the whole page.
    if (
        request.htmx
        and not request.htmx.boosted
        and not request.htmx.history_restore_request
    ):
        template += "#results"
        context["results_only"] = True
    else:
        context["form_html"] = fragments.search_form_html(
            form, criteria, context["ticked_techniques"], form.unknown_place
        )
    response = render(request, template, context)
    # One address, two bodies: without this the browser's cache may answer a
    # back-button visit with the fragment.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _query_with_where(request: HttpRequest, where: str) -> str:
    """This search at another place, from its first page."""
    return _query_with(request, where=where)


def _query_with(request: HttpRequest, **changes: str) -> str:
    """This search with some parameters changed, from its first page."""
    query = request.GET.copy()
    query.pop("page", None)
    for name, value in changes.items():
        query[name] = value
    return query.urlencode()


def _no_one_within(request: HttpRequest, criteria) -> dict:
    """No dead end: how far the nearest match is, a link that shows the nearest,
    and one that widens the radius just enough, when the form offers it."""
    nearest = directory_search.nearest_beyond(criteria)
    if nearest is None:
        return {}
    context = {
        "nearest": nearest,
        "show_nearest_query": _query_with(request, nearest="on"),
    }
    wider = next((r for r, _ in RADIUS_CHOICES if r >= nearest.miles), None)
    if wider is not None and wider > criteria.radius:
        context["wider_radius"] = wider
        context["wider_query"] = _query_with(request, radius=str(wider))
    return context


@require_safe
@cache_public_page
def profile(request: HttpRequest, slug: str) -> HttpResponse:
    practitioner = get_object_or_404(
        Practitioner.objects.listed().prefetch_related(
            "techniques", "locations", "qualifications__technique"
        ),
        slug=slug,
    )
    verified = {q.technique_id: q for q in practitioner.qualifications.all()}
    techniques = sorted(
        {t.pk: t for t in practitioner.techniques.all()}.values(),
        key=lambda t: (t.pk not in verified, t.name),
    )
    _add_town_pages(practitioner.locations.all())
    canonical = request.build_absolute_uri(practitioner.get_absolute_url())
    # Absolute either way: a local /media/ path or the object storage's own URL.
    photo_url = _photo_url(request, practitioner)
    return render(
        request,
        "directory/practitioner_detail.html",
        {
            "practitioner": practitioner,
            "photo_url": photo_url,
            "techniques": techniques,
            "verified": verified,
            "canonical_url": canonical,
            "json_ld": _json_ld(request, practitioner, canonical),
        },
    )


TOWN_RADIUS = 10


@require_safe
@cache_public_page
def town(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Massage therapists in Brighton": the practitioners nearest the town, the
    techniques they offer, our course dates near it (a courses panel)."""
    place = get_object_or_404(Place, kind=Place.Kind.TOWN, slug=slug)
    where = geo.Found(place.name, place.latitude, place.longitude, slug=place.slug)
    criteria = directory_search.Criteria(where=where, radius=TOWN_RADIUS)
    nearest = directory_search.practitioners(criteria)
    paginator = Paginator(nearest, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    techniques = directory_search.all_techniques()
    fragments.add_cards(page, techniques)
    context = {
        "place": place,
        "page": page,
        "criteria": criteria,
        "techniques_here": directory_search.techniques_offered(
            nearest.practitioner_ids(), techniques
        )
        if paginator.count
        else [],
        "canonical_url": request.build_absolute_uri(place.get_absolute_url()),
        "search_query": _query_with(request, where=place.described),
    }
    if not paginator.count:
        context["nearest"] = directory_search.nearest_beyond(criteria)
    else:
        context["json_ld"] = _town_json_ld(request, place, page)
    return render(request, "directory/town.html", context)


def _town_json_ld(request: HttpRequest, place: Place, page) -> SafeString:
    """schema.org ItemList of the practitioners on this page, nearest first."""
    start = page.start_index()
    return json_ld(
        {
            "@context": "https://schema.org",
            "@type": "ItemList",
            "name": f"Massage therapists in {place.name}",
            "numberOfItems": page.paginator.count,
            "itemListOrder": "https://schema.org/ItemListOrderAscending",
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": start + n,
                    "url": request.build_absolute_uri(p.get_absolute_url()),
                    "name": p.display_name,
                }
                for n, p in enumerate(page)
            ],
        }
    )


def _add_town_pages(locations) -> None:
    """Link each place of work to the page of its town: of the places with the
    name typed, the nearest to it (one query)."""
    keys = {names.place_key(location.town) for location in locations}
    places = list(
        Place.objects.filter(kind=Place.Kind.TOWN, key__in=keys)
        .exclude(slug="")
        .only("key", "slug", "latitude", "longitude")
    )
    for location in locations:
        key = names.place_key(location.town)
        nearest = min(
            (place for place in places if place.key == key),
            key=lambda place: geo.haversine_miles(
                location.latitude, location.longitude, place.latitude, place.longitude
            ),
            default=None,
        )
        location.town_page = nearest.get_absolute_url() if nearest else ""


def _photo_url(request: HttpRequest, practitioner: Practitioner) -> str:
    """The photo for OpenGraph and JSON-LD: its 1200 × 630 rendition, or the file
    itself for a photo stored before renditions existed."""
    if not practitioner.photo:
        return ""
    url = practitioner.photo.url
    if practitioner.photo_width:
        url = practitioner.photo.storage.url(images.og_name(practitioner.photo.name))
    return request.build_absolute_uri(url)


def _json_ld(request: HttpRequest, practitioner: Practitioner, url: str) -> SafeString:
    data = {
        "@context": "https://schema.org",
        "@type": "HealthAndBeautyBusiness",
        # The reviews' own block (the reviews app's panel) names this business.
        "@id": absolute_url(practitioner.get_absolute_url()) + "#business",
        "name": practitioner.display_name,
        "description": practitioner.headline,
        "url": url,
        "knowsAbout": [t.name for t in practitioner.techniques.all()],
        "employee": {"@type": "Person", "name": practitioner.display_name},
        "address": [
            {
                "@type": "PostalAddress",
                "streetAddress": location.address,
                "addressLocality": location.town,
                "postalCode": location.postcode,
                "addressCountry": "GB",
            }
            for location in practitioner.locations.all()
        ],
    }
    if practitioner.price_from is not None:
        low = practitioner.price_from
        high = practitioner.price_to or low
        data["priceRange"] = f"£{low:.0f}–£{high:.0f}"
    if practitioner.photo:
        data["image"] = _photo_url(request, practitioner)
    if practitioner.rating_count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": f"{practitioner.rating_average:.1f}",
            "reviewCount": practitioner.rating_count,
            "bestRating": 5,
            "worstRating": 1,
        }
    return json_ld(data)


# --- technique pages -------------------------------------------------------------


@require_safe
@cache_public_page
def technique_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "directory/technique_list.html",
        {"techniques": directory_search.all_techniques()},
    )


@require_safe
@cache_public_page
def technique(request: HttpRequest, slug: str) -> HttpResponse:
    """What a technique is and who it helps (written by staff), the practitioners
    offering it (nearest first once a place is given), and what other apps show
    for it through the "technique_page" panels: courses, articles and videos.
    A fixed number of queries, whatever the number of each."""
    chosen = get_object_or_404(Technique, slug=slug)
    where = " ".join(request.GET.get("where", "").split())[:60]
    place = geo.resolve(where) if where else None
    criteria = directory_search.Criteria(
        techniques=[chosen], where=place, radius=TECHNIQUE_RADIUS
    )
    found = directory_search.practitioners(criteria)
    practitioners = list(found[:TECHNIQUE_PRACTITIONERS])
    for practitioner in practitioners:
        practitioner.is_verified = chosen.pk in (practitioner.verified_ids or [])
    search_query = {"technique": chosen.slug}
    if place is not None:
        search_query.update(where=where, radius=TECHNIQUE_RADIUS)
    canonical = request.build_absolute_uri(chosen.get_absolute_url())
    return render(
        request,
        "directory/technique_detail.html",
        {
            "technique": chosen,
            "where": where,
            "place": place,
            "unknown_place": bool(where) and place is None,
            "radius": TECHNIQUE_RADIUS,
            "practitioners": practitioners,
            "practitioner_count": found.count(),
            "search_url": f"{reverse('directory:search')}?{urlencode(search_query)}",
            "canonical_url": canonical,
            "json_ld": _technique_json_ld(request, chosen, canonical, practitioners),
        },
    )


def _technique_json_ld(
    request: HttpRequest,
    technique: Technique,
    url: str,
    practitioners: list[Practitioner],
) -> SafeString:
    return json_ld(
        {
            "@context": "https://schema.org",
            "@type": "WebPage",
            "name": f"{technique.name}: what it is, who it helps, where to find it",
            "url": url,
            "description": technique.description,
            "about": {
                "@type": "Thing",
                "name": technique.name,
                "description": technique.description,
            },
            "breadcrumb": {
                "@type": "BreadcrumbList",
                "itemListElement": [
                    {
                        "@type": "ListItem",
                        "position": 1,
                        "name": "Techniques",
                        "item": request.build_absolute_uri(
                            reverse("directory:techniques")
                        ),
                    },
                    {
                        "@type": "ListItem",
                        "position": 2,
                        "name": technique.name,
                        "item": url,
                    },
                ],
            },
            "mainEntity": {
                "@type": "ItemList",
                "name": f"Practitioners offering {technique.name}",
                "itemListElement": [
                    {
                        "@type": "ListItem",
                        "position": position,
                        "url": request.build_absolute_uri(
                            practitioner.get_absolute_url()
                        ),
                        "name": practitioner.display_name,
                    }
                    for position, practitioner in enumerate(practitioners, start=1)
                ],
            },
        }
    )


# --- the practitioner's own area ------------------------------------------------


def _own_practitioner(request: HttpRequest) -> Practitioner:
    try:
        return Practitioner.objects.get(user=request.user)
    except Practitioner.DoesNotExist:
        raise Http404("You do not have a practitioner profile.") from None


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    practitioner = (
        Practitioner.objects.filter(user=request.user)
        .prefetch_related("locations", "techniques", "qualifications__technique")
        .first()
    )
    if practitioner is None:
        return redirect("directory:apply")
    return render(request, "directory/dashboard.html", {"practitioner": practitioner})


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def apply(request: HttpRequest) -> HttpResponse:
    """Join the directory: the profile, the first place of work and the documents
    staff check. A refused applicant comes back here to apply again."""
    practitioner = Practitioner.objects.filter(user=request.user).first()
    if practitioner is not None and practitioner.status != Practitioner.Status.REFUSED:
        messages.info(request, "You already have a practitioner profile.")
        return redirect("directory:dashboard")
    again = practitioner is not None
    if again:
        form = PractitionerForm(
            request.POST or None, request.FILES or None, instance=practitioner
        )
        location_form = None
    else:
        form = PractitionerForm(
            request.POST or None,
            request.FILES or None,
            initial={"display_name": request.user.full_name, "languages": ["English"]},
        )
        location_form = LocationForm(request.POST or None, prefix="location")
    documents_form = ApplicationDocumentsForm(
        request.POST or None, request.FILES or None, prefix="documents"
    )
    if request.method == "POST":
        valid = [form.is_valid(), documents_form.is_valid()]
        if location_form is not None:
            valid.append(location_form.is_valid())
        if all(valid):
            try:
                if again:
                    services.apply_again(
                        practitioner=practitioner,
                        profile=form.cleaned_data,
                        documents=documents_form.documents(),
                    )
                else:
                    services.apply_as_practitioner(
                        user=request.user,
                        profile=form.cleaned_data,
                        location=location_form.cleaned_data,
                        coordinates=(
                            location_form.instance.latitude,
                            location_form.instance.longitude,
                        ),
                        documents=documents_form.documents(),
                    )
            except services.DirectoryError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    "Thank you. Your application is with our staff; we will email "
                    "you when they have looked at it.",
                )
                return redirect("directory:dashboard")
    return render(
        request,
        "directory/practitioner_form.html",
        {
            "form": form,
            "location_form": location_form,
            "documents_form": documents_form,
            "applying": True,
            "refused": practitioner if again else None,
            "refused_days": settings.APPLICATION_DOCUMENTS_REFUSED_DAYS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_profile(request: HttpRequest) -> HttpResponse:
    practitioner = _own_practitioner(request)
    form = PractitionerForm(
        request.POST or None, request.FILES or None, instance=practitioner
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(
                practitioner=practitioner, profile=form.cleaned_data
            )
        except services.DirectoryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("directory:dashboard")
    return render(
        request,
        "directory/practitioner_form.html",
        {"form": form, "practitioner": practitioner, "applying": False},
    )


@login_required
@require_GET
def locations(request: HttpRequest) -> HttpResponse:
    practitioner = _own_practitioner(request)
    return render(
        request,
        "directory/locations.html",
        {
            "practitioner": practitioner,
            "locations": list(practitioner.locations.order_by("name")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def location_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    practitioner = _own_practitioner(request)
    location = None
    if pk is not None:
        # Another practitioner's location is simply not found.
        location = get_object_or_404(Location, pk=pk, practitioner=practitioner)
    form = LocationForm(request.POST or None, instance=location)
    if request.method == "POST" and form.is_valid():
        services.save_location(practitioner=practitioner, form_instance=form.instance)
        messages.success(request, "Your place of work is saved.")
        return redirect("directory:locations")
    return render(
        request,
        "directory/location_form.html",
        {"form": form, "location": location, "practitioner": practitioner},
    )


@login_required
@require_http_methods(["GET", "POST"])
def location_delete(request: HttpRequest, pk: int) -> HttpResponse:
    practitioner = _own_practitioner(request)
    location = get_object_or_404(Location, pk=pk, practitioner=practitioner)
    error = None
    if request.method == "POST":
        try:
            services.delete_location(location=location)
        except services.DirectoryError as exc:
            error = str(exc)
        else:
            messages.success(request, "The place of work is removed.")
            return redirect("directory:locations")
    return render(
        request,
        "directory/location_confirm_delete.html",
        {"location": location, "error": error},
    )
