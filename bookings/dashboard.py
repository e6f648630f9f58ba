"""The practitioner's side: agenda, services, availability and calendar feed."""

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import ratelimit
from core.validators import CONTROLS, LINE_BREAKS
from directory.models import Practitioner

from . import external_calendars, services
from .availability import day_bounds, local_today, policy_for
from .forms import (
    AttendanceForm,
    CopyHoursForm,
    DateOverrideForm,
    DeclineForm,
    ExternalCalendarForm,
    HoursEditForm,
    NoteForm,
    PolicyForm,
    PractitionerCancelForm,
    ServiceForm,
    TimeOffForm,
    WeeklyHoursForm,
    parse_date,
)
from .ics import practitioner_feed_ics
from .models import (
    Booking,
    CalendarFeed,
    DateOverride,
    ExternalCalendar,
    TimeOff,
    Weekday,
    WeeklyHours,
)

AGENDA_DAYS = 7
FEED_PAST_DAYS = 60
FEED_FUTURE_DAYS = 400


def practitioner_required(view: Callable) -> Callable:
    """Pass the signed-in user's practitioner to the view; anyone else gets a 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        practitioner = (
            Practitioner.objects.select_related("booking_policy")
            .filter(user=request.user)
            .first()
        )
        if practitioner is None:
            raise Http404("Not a practitioner.")
        return view(request, practitioner, *args, **kwargs)

    return login_required(wrapper)


def _own_booking(practitioner: Practitioner, pk: int) -> Booking:
    return get_object_or_404(
        Booking.objects.for_practitioner(practitioner).select_related(
            "service", "location", "intake", "practitioner__booking_policy"
        ),
        pk=pk,
    )


def _back(request: HttpRequest, booking: Booking) -> HttpResponse:
    target = request.POST.get("next", "")
    # A path on this site only: redirect() would take any other word for a view
    # name, and a control character cannot go into a Location header.
    if (
        target.startswith("/")
        and not CONTROLS.search(target)
        and not LINE_BREAKS.search(target)
        and url_has_allowed_host_and_scheme(
            target,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        )
    ):
        return HttpResponseRedirect(target)
    return redirect("bookings:agenda-booking", pk=booking.pk)


# --- agenda -------------------------------------------------------------------------


@practitioner_required
@require_GET
def agenda(request: HttpRequest, practitioner: Practitioner) -> HttpResponse:
    zone = practitioner.zone
    today = local_today(practitioner)
    chosen = parse_date(request.GET.get("date")) or today
    mode = "day" if request.GET.get("view") == "day" else "week"
    if mode == "day":
        first = last = chosen
        step = timedelta(days=1)
    else:
        # The chosen day and the six after it: it opens on today and what is
        # coming, and Earlier and Later page back and forth a week at a time.
        first = chosen
        last = first + timedelta(days=AGENDA_DAYS - 1)
        step = timedelta(days=AGENDA_DAYS)
    start, end = day_bounds(practitioner, first, last)
    bookings = list(
        Booking.objects.for_practitioner(practitioner)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("service", "location")
        .order_by("starts_at")
    )
    days: dict[date, list[Booking]] = {
        first + timedelta(days=i): [] for i in range((last - first).days + 1)
    }
    for booking in bookings:
        days[booking.starts_at.astimezone(zone).date()].append(booking)
    pending = list(
        Booking.objects.for_practitioner(practitioner)
        .filter(status=Booking.Status.PENDING, starts_at__gte=timezone.now())
        .select_related("service")
        .order_by("starts_at")[:50]
    )
    return render(
        request,
        "bookings/agenda.html",
        {
            "practitioner": practitioner,
            "mode": mode,
            "days": list(days.items()),
            "first": first,
            "last": last,
            "today": today,
            "previous": chosen - step,
            "next": chosen + step,
            "chosen": chosen,
            "pending": pending,
            "agenda_url": request.get_full_path(),
            "failing_calendars": external_calendars.failing_calendars(practitioner),
        },
    )


EARLIER_APPOINTMENTS_SHOWN = 10


def _earlier_appointments(practitioner: Practitioner, booking: Booking) -> list:
    """This client's appointments with this practitioner before this one, newest
    first; never another practitioner's."""
    return list(
        Booking.objects.for_practitioner(practitioner)
        .same_client_as(booking)
        .filter(starts_at__lt=booking.starts_at)
        .select_related("service")
        .order_by("-starts_at")[:EARLIER_APPOINTMENTS_SHOWN]
    )


def _booking_page(request, practitioner, booking, **forms) -> HttpResponse:
    now = timezone.now()
    context = {
        "earlier": _earlier_appointments(practitioner, booking),
        "earlier_limit": EARLIER_APPOINTMENTS_SHOWN,
        "practitioner": practitioner,
        "booking": booking,
        "intake": getattr(booking, "intake", None),
        "cancel_form": forms.get("cancel_form") or PractitionerCancelForm(),
        "note_form": forms.get("note_form")
        or NoteForm(initial={"note": booking.practitioner_note}),
        "attendance_form": AttendanceForm(),
        # The services' own checks: a button shows exactly when its action works.
        "can_review": services.approval_problem(booking, now=now) is None,
        "can_cancel": services.can_be_cancelled(booking),
        "can_record": services.attendance_problem(booking, now=now) is None,
    }
    return render(request, "bookings/agenda_booking.html", context)


@never_cache
@practitioner_required
@require_GET
def agenda_booking(request: HttpRequest, practitioner, pk: int) -> HttpResponse:
    return _booking_page(request, practitioner, _own_booking(practitioner, pk))


@practitioner_required
@require_POST
def agenda_approve(request: HttpRequest, practitioner, pk: int) -> HttpResponse:
    booking = _own_booking(practitioner, pk)
    try:
        services.approve_booking(booking=booking)
    except services.BookingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Confirmed {booking.client_name}'s appointment.")
    return _back(request, booking)


@never_cache
@practitioner_required
@require_http_methods(["GET", "POST"])
def agenda_decline(request: HttpRequest, practitioner, pk: int) -> HttpResponse:
    """Ask first: the page names the request and takes the reason; only its
    button (a POST) declines, so nothing changes until the practitioner confirms."""
    booking = _own_booking(practitioner, pk)
    form = DeclineForm(request.POST or None)
    problem = services.decline_problem(booking)
    if request.method == "POST" and form.is_valid():
        try:
            services.decline_booking(
                booking=booking, reason=form.cleaned_data["reason"]
            )
        except services.BookingError as error:
            messages.error(request, str(error))
            return redirect("bookings:agenda-booking", pk=booking.pk)
        messages.success(request, f"Declined {booking.client_name}'s request.")
        return _back(request, booking)
    return render(
        request,
        "bookings/agenda_decline.html",
        {
            "practitioner": practitioner,
            "booking": booking,
            "form": form,
            "problem": problem,
        },
    )


@never_cache
@practitioner_required
@require_POST
def agenda_cancel(request: HttpRequest, practitioner, pk: int) -> HttpResponse:
    booking = _own_booking(practitioner, pk)
    form = PractitionerCancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_booking(
                booking=booking,
                cancelled_by=Booking.CancelledBy.PRACTITIONER,
                reason=form.cleaned_data["reason"],
            )
        except services.BookingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The appointment is cancelled.")
            return _back(request, booking)
    return _booking_page(request, practitioner, booking, cancel_form=form)


@practitioner_required
@require_POST
def agenda_attendance(request: HttpRequest, practitioner, pk: int) -> HttpResponse:
    booking = _own_booking(practitioner, pk)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose completed or no-show.")
        return _back(request, booking)
    try:
        booking = services.record_attendance(
            booking=booking, status=form.cleaned_data["status"]
        )
    except services.BookingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Marked as {booking.get_status_display().lower()}.")
    return _back(request, booking)


@never_cache
@practitioner_required
@require_POST
def agenda_note(request: HttpRequest, practitioner, pk: int) -> HttpResponse:
    booking = _own_booking(practitioner, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.save_private_note(booking=booking, note=form.cleaned_data["note"])
        messages.success(request, "Note saved.")
        return _back(request, booking)
    return _booking_page(request, practitioner, booking, note_form=form)


# --- services -----------------------------------------------------------------------


@practitioner_required
@require_GET
def service_list(request: HttpRequest, practitioner) -> HttpResponse:
    offered = list(
        practitioner.services.select_related("technique")
        .prefetch_related("locations")
        .order_by("-is_active", "name")
    )
    return render(
        request,
        "bookings/service_list.html",
        {"practitioner": practitioner, "services": offered},
    )


def _service_form_page(request, practitioner, service=None) -> HttpResponse:
    form = ServiceForm(
        request.POST or None, instance=service, practitioner=practitioner
    )
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        try:
            services.save_service(
                service=saved, locations=form.cleaned_data.get("locations")
            )
        except services.BookingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved “{saved.name}”.")
            return redirect("bookings:services")
    return render(
        request,
        "bookings/service_form.html",
        {"practitioner": practitioner, "form": form, "service": service},
    )


@practitioner_required
@require_http_methods(["GET", "POST"])
def service_create(request: HttpRequest, practitioner) -> HttpResponse:
    return _service_form_page(request, practitioner)


@practitioner_required
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, practitioner, pk: int) -> HttpResponse:
    service = get_object_or_404(practitioner.services, pk=pk)
    return _service_form_page(request, practitioner, service)


# --- availability --------------------------------------------------------------------


SECTIONS = {
    "hours": "bookings/availability.html#hours",
    "overrides": "bookings/availability.html#overrides",
    "time_off": "bookings/availability.html#time_off",
    "policy": "bookings/availability.html#policy",
}


def _availability_context(practitioner: Practitioner, **forms) -> dict:
    today = local_today(practitioner)
    hours = list(
        WeeklyHours.objects.filter(practitioner=practitioner)
        .select_related("location", "practitioner")
        .order_by("weekday", "start_time")
    )
    # Each range is a small form of its own, changed where it is shown; the one
    # that was just refused keeps what was typed and its message.
    refused = forms.get("edit_form")
    locations = list(practitioner.locations.all())
    for range_ in hours:
        if refused is not None and refused.hours.pk == range_.pk:
            range_.edit_form = refused
        else:
            range_.edit_form = HoursEditForm(hours=range_)
        fields = range_.edit_form.fields
        if not locations:
            del fields["location"]
            continue
        # The choices once for every row, not a query per row.
        fields["location"].choices = [("", "Any of my locations")] + [
            (location.pk, location.name) for location in locations
        ]
    week = [
        {"weekday": label, "ranges": [h for h in hours if h.weekday == value]}
        for value, label in Weekday.choices
    ]
    start_of_today, _ = day_bounds(practitioner, today, today)
    policy = policy_for(practitioner)
    return {
        "practitioner": practitioner,
        "week": week,
        "has_hours": bool(hours),
        "overrides": list(
            DateOverride.objects.filter(practitioner=practitioner, date__gte=today)
            .select_related("location")
            .order_by("date", "start_time")
        ),
        "time_off": list(
            TimeOff.objects.filter(
                practitioner=practitioner, ends_at__gt=start_of_today
            ).order_by("starts_at")
        ),
        "hours_form": forms.get("hours_form")
        or WeeklyHoursForm(practitioner=practitioner),
        "copy_form": forms.get("copy_form") or CopyHoursForm(),
        "has_locations": bool(locations),
        "override_form": forms.get("override_form")
        or DateOverrideForm(practitioner=practitioner),
        "time_off_form": forms.get("time_off_form")
        or TimeOffForm(practitioner=practitioner),
        "policy_form": forms.get("policy_form") or PolicyForm(instance=policy),
    }


def _availability_response(
    request: HttpRequest, practitioner, section: str, *, message: str = "", **forms
) -> HttpResponse:
    """htmx gets the section back; a plain form post redirects or shows the page."""
    if request.htmx:
        context = _availability_context(practitioner, **forms)
        context.update(saved_section=section, saved_message=message)
        return render(request, SECTIONS[section], context)
    if message:
        messages.success(request, message)
        return redirect(reverse("bookings:availability") + f"#{section}")
    return render(
        request,
        "bookings/availability.html",
        _availability_context(practitioner, **forms),
    )


@practitioner_required
@require_GET
def availability(request: HttpRequest, practitioner) -> HttpResponse:
    return render(
        request, "bookings/availability.html", _availability_context(practitioner)
    )


@practitioner_required
@require_POST
def hours_add(request: HttpRequest, practitioner) -> HttpResponse:
    form = WeeklyHoursForm(request.POST, practitioner=practitioner)
    message = ""
    if form.is_valid():
        try:
            services.add_weekly_hours(practitioner=practitioner, **form.cleaned_data)
        except services.BookingError as error:
            form.add_error(None, str(error))
        else:
            message = "Hours added."
            form = None
    return _availability_response(
        request, practitioner, "hours", message=message, hours_form=form
    )


def _with_appointments(
    practitioner: Practitioner, message: str, bookings: list, *, singular, plural
) -> str | SafeString:
    """The message, followed by the appointments it concerns, each a link to it
    ("3 appointments in that time: ..."), so none has to be looked for."""
    if not bookings:
        return message
    zone = practitioner.zone
    lead = ngettext(singular, plural, len(bookings)) % {"n": len(bookings)}
    items = format_html_join(
        "",
        '<li><a href="{}">{}, {}: {}</a></li>',
        (
            (
                reverse("bookings:agenda-booking", args=[booking.pk]),
                dateformat.format(booking.starts_at.astimezone(zone), "D j M, H:i"),
                booking.client_name,
                booking.service.name,
            )
            for booking in bookings
        ),
    )
    keep = ngettext(
        "It stays booked: cancel it from the agenda if you need to.",
        "They stay booked: cancel them from the agenda if you need to.",
        len(bookings),
    )
    return format_html('{} {}:<ul class="mb-1">{}</ul>{}', message, lead, items, keep)


def _outside_hours_message(practitioner, message: str, weekdays) -> str | SafeString:
    return _with_appointments(
        practitioner,
        message,
        services.appointments_outside_hours(
            practitioner=practitioner, weekdays=weekdays
        ),
        singular="You have %(n)d appointment outside your hours now",
        plural="You have %(n)d appointments outside your hours now",
    )


@practitioner_required
@require_POST
def hours_edit(request: HttpRequest, practitioner, pk: int) -> HttpResponse:
    hours = get_object_or_404(
        WeeklyHours.objects.select_related("practitioner"),
        practitioner=practitioner,
        pk=pk,
    )
    form = HoursEditForm(request.POST, hours=hours)
    message = ""
    if form.is_valid():
        try:
            services.change_weekly_hours(hours=hours, **form.cleaned_data)
        except services.BookingError as error:
            form.add_error(None, str(error))
        else:
            message = _outside_hours_message(
                practitioner,
                f"{hours.get_weekday_display()}: hours saved.",
                [hours.weekday],
            )
            form = None
    return _availability_response(
        request, practitioner, "hours", message=message, edit_form=form
    )


@never_cache
@practitioner_required
@require_POST
def hours_copy(request: HttpRequest, practitioner) -> HttpResponse:
    """Copy one day's hours to others: the first post shows what will change,
    the confirmed one (its button sends `confirm`) changes it."""
    form = CopyHoursForm(request.POST)
    if not form.is_valid():
        return _availability_response(request, practitioner, "hours", copy_form=form)
    source, targets = form.cleaned_data["from_day"], form.cleaned_data["to_days"]
    if problem := services.copy_problem(practitioner=practitioner, from_weekday=source):
        form.add_error("from_day", problem)
        return _availability_response(request, practitioner, "hours", copy_form=form)
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "bookings/hours_copy_confirm.html",
            {
                "practitioner": practitioner,
                "form": form,
                "source": Weekday(source).label,
                "changes": services.hours_copy_changes(
                    practitioner=practitioner,
                    from_weekday=source,
                    to_weekdays=targets,
                ),
            },
        )
    try:
        services.copy_weekly_hours(
            practitioner=practitioner, from_weekday=source, to_weekdays=targets
        )
    except services.BookingError as error:
        form.add_error(None, str(error))
        return _availability_response(request, practitioner, "hours", copy_form=form)
    days = [Weekday(day).label for day in targets]
    listed = ", ".join(days[:-1]) + " and " + days[-1] if len(days) > 1 else days[0]
    message = _outside_hours_message(
        practitioner, f"{listed} now have {Weekday(source).label}’s hours.", targets
    )
    messages.success(request, message)
    return redirect(reverse("bookings:availability") + "#hours")


@practitioner_required
@require_POST
def hours_delete(request: HttpRequest, practitioner, pk: int) -> HttpResponse:
    hours = get_object_or_404(practitioner.weekly_hours, pk=pk)
    weekday = hours.weekday
    services.remove_weekly_hours(hours=hours)
    return _availability_response(
        request,
        practitioner,
        "hours",
        message=_outside_hours_message(practitioner, "Hours removed.", [weekday]),
    )


@practitioner_required
@require_POST
def override_add(request: HttpRequest, practitioner) -> HttpResponse:
    form = DateOverrideForm(request.POST, practitioner=practitioner)
    message = ""
    if form.is_valid():
        try:
            services.add_date_override(practitioner=practitioner, **form.cleaned_data)
        except services.BookingError as error:
            form.add_error(None, str(error))
        else:
            message = "Hours for that date added."
            form = None
    return _availability_response(
        request, practitioner, "overrides", message=message, override_form=form
    )


@practitioner_required
@require_POST
def override_delete(request: HttpRequest, practitioner, pk: int) -> HttpResponse:
    override = get_object_or_404(practitioner.date_overrides, pk=pk)
    services.remove_date_override(override=override)
    return _availability_response(
        request, practitioner, "overrides", message="Hours for that date removed."
    )


@practitioner_required
@require_POST
def time_off_add(request: HttpRequest, practitioner) -> HttpResponse:
    form = TimeOffForm(request.POST, practitioner=practitioner)
    message = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_time_off(
                practitioner=practitioner,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data["reason"],
            )
        except services.BookingError as error:
            form.add_error(None, str(error))
        else:
            message = _with_appointments(
                practitioner,
                "Time off added.",
                services.appointments_during(
                    practitioner=practitioner,
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                ),
                singular="You have %(n)d appointment in that time",
                plural="You have %(n)d appointments in that time",
            )
            form = None
    return _availability_response(
        request, practitioner, "time_off", message=message, time_off_form=form
    )


@practitioner_required
@require_POST
def time_off_delete(request: HttpRequest, practitioner, pk: int) -> HttpResponse:
    time_off = get_object_or_404(practitioner.time_off, pk=pk)
    services.remove_time_off(time_off=time_off)
    return _availability_response(
        request, practitioner, "time_off", message="Time off removed."
    )


@practitioner_required
@require_POST
def policy(request: HttpRequest, practitioner) -> HttpResponse:
    form = PolicyForm(request.POST, instance=policy_for(practitioner))
    message = ""
    if form.is_valid():
        services.update_policy(
            practitioner=practitioner,
            **{name: form.cleaned_data[name] for name in PolicyForm.Meta.fields},
        )
        message = "Booking rules saved."
        form = None
    return _availability_response(
        request, practitioner, "policy", message=message, policy_form=form
    )


# --- calendar feed ------------------------------------------------------------------


def _calendars_page(
    request: HttpRequest, practitioner, *, form=None, status: int = 200
) -> HttpResponse:
    feed = CalendarFeed.objects.filter(practitioner=practitioner).first()
    feed_url = request.build_absolute_uri(feed.get_absolute_url()) if feed else ""
    webcal_url = "webcal://" + feed_url.split("://", 1)[1] if feed else ""
    return render(
        request,
        "bookings/calendar_settings.html",
        {
            "practitioner": practitioner,
            "feed": feed,
            "feed_url": feed_url,
            "webcal_url": webcal_url,
            "google_subscribe_url": (
                "https://calendar.google.com/calendar/r?"
                + urlencode({"cid": webcal_url})
                if feed
                else ""
            ),
            "calendars": list(
                ExternalCalendar.objects.filter(practitioner=practitioner)
            ),
            "calendar_form": form or ExternalCalendarForm(),
            "calendar_limit": settings.BOOKINGS_CALENDARS_PER_PRACTITIONER,
            "refresh_minutes": settings.BOOKINGS_CALENDAR_REFRESH_MINUTES,
        },
        status=status,
    )


@never_cache
@practitioner_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest, practitioner) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.revoke_calendar_feed(practitioner=practitioner)
            messages.success(request, "The feed address no longer works.")
        else:
            services.reset_calendar_feed(practitioner=practitioner)
            messages.success(request, "Your calendar feed has a new private address.")
        return redirect("bookings:calendar")
    return _calendars_page(request, practitioner)


@never_cache
@practitioner_required
@require_POST
def calendar_add(request: HttpRequest, practitioner) -> HttpResponse:
    """Connect another calendar; it is read at once, so a wrong address is said
    straight away and nothing is saved."""
    form = ExternalCalendarForm(request.POST)
    if form.is_valid():
        # Reading a calendar fetches an address someone typed.
        if not ratelimit.allow(request, action="calendar_fetch"):
            return ratelimit.too_many_requests(request)
        try:
            calendar = external_calendars.add_calendar(
                practitioner=practitioner,
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
            )
        except external_calendars.CalendarError as error:
            form.add_error("url", str(error))
        else:
            count = calendar.busy_count
            messages.success(
                request,
                f"Added “{calendar.name}”: {count} busy "
                f"time{'' if count == 1 else 's'} in your booking window. Clients "
                "can no longer book those times.",
            )
            return redirect(reverse("bookings:calendar") + "#other-calendars")
    return _calendars_page(request, practitioner, form=form, status=400)


@practitioner_required
@require_POST
def calendar_refresh(request: HttpRequest, practitioner, pk: int) -> HttpResponse:
    calendar = get_object_or_404(practitioner.external_calendars, pk=pk)
    if not ratelimit.allow(request, action="calendar_fetch"):
        return ratelimit.too_many_requests(request)
    outcome = external_calendars.refresh_calendar(calendar_id=calendar.pk, manual=True)
    if outcome.ok:
        messages.success(request, outcome.message)
    else:
        messages.error(request, outcome.message)
    return redirect(reverse("bookings:calendar") + "#other-calendars")


@practitioner_required
@require_POST
def calendar_remove(request: HttpRequest, practitioner, pk: int) -> HttpResponse:
    calendar = get_object_or_404(practitioner.external_calendars, pk=pk)
    name = calendar.name
    external_calendars.remove_calendar(calendar=calendar)
    messages.success(request, f"Removed “{name}”; its busy times no longer count.")
    return redirect(reverse("bookings:calendar") + "#other-calendars")


@never_cache
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = get_object_or_404(
        CalendarFeed.objects.select_related("practitioner"), token=token
    )
    practitioner = feed.practitioner
    now = timezone.now()
    bookings = (
        Booking.objects.for_practitioner(practitioner)
        .active()
        # A time held for a few minutes while a client pays is not an appointment.
        .exclude(status=Booking.Status.AWAITING_PAYMENT)
        .filter(
            starts_at__gte=now - timedelta(days=FEED_PAST_DAYS),
            starts_at__lte=now + timedelta(days=FEED_FUTURE_DAYS),
        )
        .select_related("service", "location", "practitioner")
        .order_by("starts_at")
    )
    response = HttpResponse(
        practitioner_feed_ics(practitioner, bookings),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    return response
