"""The booking flow (/book/) and the client's appointments (/appointments/)."""

from collections import defaultdict
from datetime import date, timedelta
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import ratelimit
from directory.models import Location, Practitioner
from payments import services as payments

from . import billing, services, waitlist
from .availability import bookable_days, compute_slots, local_today, policy_for
from .calendar_links import calendar_links
from .forms import (
    CancelForm,
    DetailsForm,
    HealthForm,
    StartForm,
    WaitlistForm,
    format_start,
    parse_date,
    parse_start,
)
from .ics import booking_ics
from .models import Booking, Service, WaitlistRequest
from .slots import Slot

DRAFT_KEY = "bookings_draft"
WEEK = 7


def _service_or_404(slug: str, service_id: int) -> Service:
    return get_object_or_404(
        Service.objects.bookable(), pk=service_id, practitioner__slug=slug
    )


def _choose_time_url(service: Service, day: date | None = None) -> str:
    url = reverse(
        "bookings:choose-time",
        kwargs={"slug": service.practitioner.slug, "service_id": service.pk},
    )
    if day is not None:
        url += "?" + urlencode({"date": day.isoformat()})
    return url


def picker_context(
    request: HttpRequest,
    service: Service,
    *,
    exclude_booking_id: int | None = None,
) -> dict:
    """A week of days with their free slots, and the times of the chosen day.

    Works without JavaScript: every day and every time is a plain link or button;
    htmx only swaps the picker in place.
    """
    practitioner = service.practitioner
    zone = practitioner.zone
    now = timezone.now()
    today = local_today(practitioner, now)
    _, horizon = bookable_days(service, today, today + timedelta(days=3650), now)
    chosen = parse_date(request.GET.get("date"))
    week_start = parse_date(request.GET.get("week"))
    if week_start is None:
        week_start = chosen if chosen is not None else today
    week_start = min(max(week_start, today), horizon)
    days = [week_start + timedelta(days=i) for i in range(WEEK)]
    slots = compute_slots(
        service=service,
        first_day=days[0],
        last_day=days[-1],
        now=now,
        exclude_booking_id=exclude_booking_id,
    )
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for slot in slots:
        by_day[slot.starts_at.astimezone(zone).date()].append(slot)
    if chosen not in days:
        chosen = next((day for day in days if by_day[day]), days[0])
    times = [
        {
            "label": slot.starts_at.astimezone(zone).strftime("%H:%M"),
            "value": format_start(slot.starts_at),
            "starts_at": slot.starts_at,
        }
        for slot in by_day[chosen]
    ]
    previous_week = week_start - timedelta(days=WEEK)
    next_week = week_start + timedelta(days=WEEK)
    return {
        "service": service,
        "practitioner": practitioner,
        "days": [
            {"date": day, "count": len(by_day[day]), "selected": day == chosen}
            for day in days
        ],
        "week_start": week_start,
        "chosen": chosen,
        "times": times,
        "previous_week": previous_week if week_start > today else None,
        "next_week": next_week if next_week <= horizon else None,
        "week_end": days[-1],
        "picker_url": request.path,
    }


# --- the booking flow -------------------------------------------------------------


@require_GET
def choose_service(request: HttpRequest, slug: str) -> HttpResponse:
    practitioner = get_object_or_404(Practitioner.objects.listed(), slug=slug)
    services_offered = list(practitioner.services.filter(is_active=True))
    return render(
        request,
        "bookings/choose_service.html",
        {"practitioner": practitioner, "services": services_offered},
    )


def _choose_time_page(
    request: HttpRequest, service: Service, *, waitlist_form: WaitlistForm | None = None
) -> HttpResponse:
    context = picker_context(request, service)
    context["next_url"] = reverse(
        "bookings:details",
        kwargs={"slug": service.practitioner.slug, "service_id": service.pk},
    )
    template = "bookings/choose_time.html"
    if request.htmx and request.method == "GET":
        template += "#picker"
    else:
        context["waitlist_form"] = waitlist_form or _waitlist_form(request, service)
        context["location"] = _where(service, None)
    # A refused waiting-list request shows the page again, with its errors.
    status = 400 if waitlist_form is not None else 200
    return render(request, template, context, status=status)


@require_GET
def choose_time(request: HttpRequest, slug: str, service_id: int) -> HttpResponse:
    if not ratelimit.allow(request, action="slots"):
        return ratelimit.too_many_requests(request)
    return _choose_time_page(request, _service_or_404(slug, service_id))


def _waitlist_form(request: HttpRequest, service: Service) -> WaitlistForm:
    """The waiting-list form, filled in for a signed-in client, with the next two
    weeks (within the booking window) as its days."""
    now = timezone.now()
    today = local_today(service.practitioner, now)
    _, horizon = bookable_days(service, today, today + timedelta(days=13), now)
    user = request.user
    return WaitlistForm(
        initial={
            "name": user.full_name if user.is_authenticated else "",
            "email": user.email if user.is_authenticated else "",
            "first_day": today,
            "last_day": max(horizon, today),
        }
    )


@require_POST
def waitlist_join(request: HttpRequest, slug: str, service_id: int) -> HttpResponse:
    service = _service_or_404(slug, service_id)
    form = WaitlistForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        # Joining emails the address typed: limited per IP and per address.
        if not ratelimit.allow(
            request, action="appointment_waitlist", key=data["email"]
        ):
            return ratelimit.too_many_requests(request)
        try:
            joined = waitlist.join_waitlist(
                service=service,
                name=data["name"],
                email=data["email"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                user=request.user if request.user.is_authenticated else None,
            )
        except waitlist.WaitlistError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"You are on the waiting list. We will email {joined.email} when a "
                f"time opens between {joined.first_day:%-d %B} and "
                f"{joined.last_day:%-d %B}.",
            )
            return redirect(_choose_time_url(service) + "#waitlist")
    return _choose_time_page(request, service, waitlist_form=form)


@never_cache
@require_http_methods(["GET", "POST"])
def waitlist_stop(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every waiting-list email. A GET only asks (mail scanners open
    links); the button stops the request."""
    wait = (
        WaitlistRequest.objects.select_related("service", "practitioner")
        .filter(token=token)
        .first()
    )
    if wait is None:
        return render(
            request, "bookings/waitlist_stop.html", {"wait": None}, status=404
        )
    stopped = False
    if request.method == "POST":
        waitlist.leave_waitlist(request=wait)
        stopped = True
        wait.refresh_from_db()
    return render(
        request,
        "bookings/waitlist_stop.html",
        {"wait": wait, "stopped": stopped, "today": local_today(wait.practitioner)},
    )


def _refuse(request: HttpRequest, service: Service, error: Exception, day=None):
    messages.error(request, str(error))
    return redirect(_choose_time_url(service, day))


def _where(service: Service, location_id: int | None) -> Location | None:
    """The place of the appointment for the summary: the one its hours name, or
    the only place the service is offered at."""
    places = service.locations.all() or service.practitioner.locations.all()
    if location_id is not None:
        return Location.objects.filter(
            pk=location_id, practitioner_id=service.practitioner_id
        ).first()
    places = list(places[:2])
    return places[0] if len(places) == 1 else None


def _last_phone(user) -> str:
    """A signed-in client's phone, as they gave it for their last booking."""
    if not user.is_authenticated:
        return ""
    return (
        Booking.objects.for_client(user)
        .order_by("-created_at")
        .values_list("client_phone", flat=True)
        .first()
        or ""
    )


@require_http_methods(["GET", "POST"])
def details(request: HttpRequest, slug: str, service_id: int) -> HttpResponse:
    service = _service_or_404(slug, service_id)
    start = parse_start(request.POST.get("start") or request.GET.get("start"))
    if start is None:
        return _refuse(request, service, "Please choose a time first.")
    local_day = start.astimezone(service.practitioner.zone).date()
    try:
        slot = services.check_start_time(service=service, starts_at=start)
    except services.SlotTaken as error:
        return _refuse(
            request, service, f"{error} Here are the times still free.", local_day
        )
    except services.BookingError as error:
        return _refuse(request, service, error, local_day)

    draft = request.session.get(DRAFT_KEY) or {}
    user = request.user
    initial = {
        "name": draft.get("name") or (user.full_name if user.is_authenticated else ""),
        "email": draft.get("email") or (user.email if user.is_authenticated else ""),
        "phone": draft.get("phone") or _last_phone(user),
    }
    form = DetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        request.session[DRAFT_KEY] = {
            "service": service.pk,
            "start": format_start(start),
            "location": slot.location_id,
            **form.cleaned_data,
        }
        return redirect("bookings:health", slug=slug, service_id=service.pk)
    return render(
        request,
        "bookings/details.html",
        {
            "service": service,
            "practitioner": service.practitioner,
            "starts_at": start,
            "start_value": format_start(start),
            "form": form,
            "location": _where(service, slot.location_id),
        },
    )


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def health(request: HttpRequest, slug: str, service_id: int) -> HttpResponse:
    service = _service_or_404(slug, service_id)
    draft = request.session.get(DRAFT_KEY) or {}
    start = parse_start(draft.get("start"))
    if draft.get("service") != service.pk or start is None:
        return _refuse(request, service, "Please choose a time first.")
    form = HealthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Booking emails the address typed two steps back: limited per IP and
        # per address, so nobody can make the site email someone else at will.
        if not ratelimit.allow(request, action="booking", key=draft["email"]):
            return ratelimit.too_many_requests(request)
        local_day = start.astimezone(service.practitioner.zone).date()
        try:
            booking = services.book_appointment(
                service=service,
                starts_at=start,
                name=draft["name"],
                email=draft["email"],
                phone=draft["phone"],
                intake=form.answers(),
                consent=form.cleaned_data["consent"],
                user=request.user if request.user.is_authenticated else None,
            )
        except services.SlotTaken as error:
            return _refuse(
                request, service, f"{error} Here are the times still free.", local_day
            )
        except services.BookingError as error:
            return _refuse(request, service, error, local_day)
        del request.session[DRAFT_KEY]
        if booking.status == Booking.Status.AWAITING_PAYMENT:
            return _go_pay(request, booking)
        return redirect("bookings:confirmation", token=booking.manage_token)
    return render(
        request,
        "bookings/health.html",
        {
            "service": service,
            "practitioner": service.practitioner,
            "starts_at": start,
            "draft": draft,
            "form": form,
            "location": _where(service, draft.get("location")),
            "terms": billing.terms(service),
            "payment_policy": billing.policy_text(service),
        },
    )


def _go_pay(request: HttpRequest, booking: Booking) -> HttpResponse:
    """On to the payment page; if it cannot be opened, the confirmation page says
    so and offers to try again while the time is held."""
    try:
        return redirect(services.start_payment(booking=booking))
    except services.BookingError as error:
        messages.error(request, str(error))
        return redirect("bookings:confirmation", token=booking.manage_token)


def _booking_queryset():
    return Booking.objects.select_related(
        "service", "practitioner__booking_policy", "location", "intake"
    )


@never_cache
@require_GET
def confirmation(request: HttpRequest, token: str) -> HttpResponse:
    booking = get_object_or_404(_booking_queryset(), manage_token=token)
    if services.manage_link_expired(booking):
        return _link_expired(request, booking)
    return render(
        request,
        "bookings/confirmation.html",
        {
            "booking": booking,
            "statement": payments.statement(billing.reference(booking)),
            "pay_url": billing.pay_url(booking),
            "calendar_links": calendar_links(booking),
            **_client_urls(booking, by_token=True),
        },
    )


# --- the client's appointments ---------------------------------------------------


def _client_urls(booking: Booking, *, by_token: bool) -> dict:
    if by_token:
        kwargs, prefix = {"token": booking.manage_token}, "bookings:manage"
        page = reverse("bookings:manage", kwargs=kwargs)
    else:
        kwargs, prefix = {"pk": booking.pk}, "bookings:appointment"
        page = reverse("bookings:appointment", kwargs=kwargs)
    return {
        "page_url": page,
        "cancel_url": reverse(f"{prefix}-cancel", kwargs=kwargs),
        "reschedule_url": reverse(f"{prefix}-reschedule", kwargs=kwargs),
        "ics_url": reverse(f"{prefix}-ics", kwargs=kwargs),
        "manage_url": reverse(
            "bookings:manage", kwargs={"token": booking.manage_token}
        ),
        "by_token": by_token,
    }


def _client_context(booking: Booking, *, by_token: bool) -> dict:
    return {
        "booking": booking,
        "can_change": services.client_can_change(booking),
        "can_cancel": services.client_can_cancel(booking),
        "change_deadline": services.client_change_deadline(booking),
        "policy": policy_for(booking.practitioner),
        "statement": payments.statement(billing.reference(booking)),
        "refund_if_cancelled": billing.refund_on_cancel(
            booking, cancelled_by=Booking.CancelledBy.CLIENT
        ),
        "pay_url": billing.pay_url(booking),
        # On the private link only until the appointment is over.
        "show_health": not by_token or services.manage_link_shows_health(booking),
        "calendar_links": calendar_links(booking) if booking.is_upcoming else [],
        **_client_urls(booking, by_token=by_token),
    }


def _own_booking(request: HttpRequest, pk: int) -> Booking:
    # Someone else's booking is a 404, exactly like one that does not exist.
    return get_object_or_404(_booking_queryset().for_client(request.user), pk=pk)


def _token_booking(token: str) -> Booking:
    return get_object_or_404(_booking_queryset(), manage_token=token)


def _link_expired(request: HttpRequest, booking: Booking) -> HttpResponse:
    """410 Gone: the link was real but has expired. Says nothing about the
    appointment beyond that, and offers a new link by email."""
    return render(
        request,
        "bookings/manage_expired.html",
        {
            "new_link_url": reverse(
                "bookings:manage-new-link", kwargs={"token": booking.manage_token}
            ),
            "days": settings.BOOKING_MANAGE_LINK_DAYS,
        },
        status=410,
    )


def _mask(address: str) -> str:
    """r•••@example.com: enough for the person to recognise their address."""
    name, _, domain = address.partition("@")
    return f"{name[:1]}•••@{domain}"


@login_required
@require_GET
def my_appointments(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    mine = (
        Booking.objects.for_client(request.user)
        .select_related("service", "practitioner", "location")
        .order_by("starts_at")
    )
    return render(
        request,
        "bookings/my_appointments.html",
        {
            "upcoming": list(mine.filter(ends_at__gt=now)),
            "past": list(mine.filter(ends_at__lte=now).order_by("-starts_at")[:50]),
        },
    )


def _appointment_page(request: HttpRequest, booking: Booking, *, by_token: bool):
    return render(
        request,
        "bookings/appointment_detail.html",
        _client_context(booking, by_token=by_token),
    )


def _cancel_page(request: HttpRequest, booking: Booking, *, by_token: bool):
    context = _client_context(booking, by_token=by_token)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_booking(
                booking=booking,
                cancelled_by=Booking.CancelledBy.CLIENT,
                reason=form.cleaned_data["reason"],
            )
        except services.BookingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your appointment is cancelled.")
            return redirect(context["page_url"])
    return render(
        request, "bookings/appointment_cancel.html", {**context, "form": form}
    )


def _reschedule_page(request: HttpRequest, booking: Booking, *, by_token: bool):
    context = _client_context(booking, by_token=by_token)
    if not context["can_change"]:
        messages.error(request, services.too_late_message(booking))
        return redirect(context["page_url"])
    if request.method == "POST":
        form = StartForm(request.POST)
        if form.is_valid() and request.POST.get("confirm") != "yes":
            # A tapped time is asked about first: "Move to Thu 10 Dec, 14:00?"
            context.update(
                new_start=form.cleaned_data["start"],
                start_value=request.POST["start"],
            )
            return render(
                request, "bookings/appointment_reschedule_confirm.html", context
            )
        if form.is_valid():
            try:
                services.reschedule_booking(
                    booking=booking, starts_at=form.cleaned_data["start"]
                )
            except services.BookingError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, "Your appointment has moved.")
                return redirect(context["page_url"])
        else:
            messages.error(request, "Please choose one of the times shown.")
    context.update(
        picker_context(request, booking.service, exclude_booking_id=booking.pk)
    )
    context["reschedule"] = True
    template = "bookings/appointment_reschedule.html"
    if request.htmx and request.method == "GET":
        template = "bookings/choose_time.html#picker"
    return render(request, template, context)


def _ics_response(booking: Booking) -> HttpResponse:
    response = HttpResponse(booking_ics(booking), content_type="text/calendar")
    response["Content-Disposition"] = (
        f'attachment; filename="appointment-{booking.pk}.ics"'
    )
    return response


@never_cache
@login_required
@require_GET
def appointment(request: HttpRequest, pk: int) -> HttpResponse:
    return _appointment_page(request, _own_booking(request, pk), by_token=False)


@login_required
@require_http_methods(["GET", "POST"])
def appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _cancel_page(request, _own_booking(request, pk), by_token=False)


@login_required
@require_http_methods(["GET", "POST"])
def appointment_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _reschedule_page(request, _own_booking(request, pk), by_token=False)


@login_required
@require_GET
def appointment_ics(request: HttpRequest, pk: int) -> HttpResponse:
    return _ics_response(_own_booking(request, pk))


def _by_token(page):
    """A manage-link page: 404 for an unknown token, the expired page for one past
    BOOKING_MANAGE_LINK_DAYS, else the page for its booking."""

    @wraps(page)
    def view(request: HttpRequest, token: str) -> HttpResponse:
        booking = _token_booking(token)
        if services.manage_link_expired(booking):
            return _link_expired(request, booking)
        return page(request, booking)

    return view


@never_cache
@require_GET
@_by_token
def manage(request: HttpRequest, booking: Booking) -> HttpResponse:
    return _appointment_page(request, booking, by_token=True)


@never_cache
@require_http_methods(["GET", "POST"])
@_by_token
def manage_cancel(request: HttpRequest, booking: Booking) -> HttpResponse:
    return _cancel_page(request, booking, by_token=True)


@never_cache
@require_http_methods(["GET", "POST"])
@_by_token
def manage_reschedule(request: HttpRequest, booking: Booking) -> HttpResponse:
    return _reschedule_page(request, booking, by_token=True)


@never_cache
@require_GET
@_by_token
def manage_ics(request: HttpRequest, booking: Booking) -> HttpResponse:
    return _ics_response(booking)


@require_POST
@_by_token
def pay(request: HttpRequest, booking: Booking) -> HttpResponse:
    """Pay for a booking held for payment (the link is the manage link's secret,
    and expires with it)."""
    return _go_pay(request, booking)


@never_cache
@require_POST
def manage_new_link(request: HttpRequest, token: str) -> HttpResponse:
    """From the expired page: email a new link to the address booked with."""
    booking = _token_booking(token)
    if not services.manage_link_expired(booking):
        return redirect("bookings:manage", token=booking.manage_token)
    if not ratelimit.allow(request, action="manage_link", key=booking.client_email):
        return ratelimit.too_many_requests(request)
    services.send_new_manage_link(booking=booking)
    return render(
        request,
        "bookings/manage_new_link_sent.html",
        {"address": _mask(booking.client_email)},
    )
