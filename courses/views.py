from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core import ratelimit
from core.pagecache import cache_public_page
from directory.models import Technique
from payments import services as payments

from . import billing, exports, jsonld, services
from .forms import CourseDateFilterForm, EnrolmentForm
from .models import (
    Course,
    CourseDate,
    Enrolment,
    WaitingListEntry,
    staff_may_view,
)

PAGE_SIZE = 12


@cache_public_page
def course_date_list(request: HttpRequest) -> HttpResponse:
    """Upcoming course dates, soonest first, filtered by technique, town and level."""
    listed = CourseDate.objects.listed()
    form = CourseDateFilterForm(
        request.GET or None,
        techniques=list(Technique.objects.values_list("slug", "name")),
        towns=list(
            listed.order_by("venue_town")
            .values_list("venue_town", flat=True)
            .distinct()
        ),
    )
    dates = (
        form.filter(listed)
        .select_related("course")
        .prefetch_related(
            Prefetch(
                "course__techniques", queryset=Technique.objects.only("name", "slug")
            )
        )
    )
    page = Paginator(dates, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page}
    template = "courses/coursedate_list.html"
    # The filter form swaps in just the results; a history restore needs the page.
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@cache_public_page
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(
        Course.objects.visible_to(request.user).prefetch_related(
            "techniques", "tutors", "faqs"
        ),
        slug=slug,
    )
    dates = list(
        CourseDate.objects.upcoming()
        .filter(course=course)
        .exclude(status=CourseDate.Status.CANCELLED)
        .prefetch_related("days")
    )
    for course_date in dates:
        course_date.course = course  # saves a query per date in the template
    return render(
        request,
        "courses/course_detail.html",
        {
            "course": course,
            "dates": dates,
            "techniques": list(course.techniques.all()),
            "tutors": list(course.tutors.all()),
            "faqs": list(course.faqs.all()),
            "json_ld": jsonld.course(course, dates, request),
            "image_url": jsonld.image_url(course, request),
        },
    )


def _course_date_or_404(request: HttpRequest, slug: str, pk: int) -> CourseDate:
    return get_object_or_404(
        CourseDate.objects.select_related("course").filter(
            course__in=Course.objects.visible_to(request.user)
        ),
        pk=pk,
        course__slug=slug,
    )


@cache_public_page
def course_date_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    course_date = _course_date_or_404(request, slug, pk)
    course = course_date.course
    techniques = list(course.techniques.all())
    user = request.user
    context = {
        "course": course,
        "course_date": course_date,
        "techniques": techniques,
        "problem": services.enrolment_problem(course_date=course_date, student=user),
        "has_started": course_date.has_started(),
        "json_ld": jsonld.course(course, [course_date], request),
        "image_url": jsonld.image_url(course, request),
        "policy": billing.policy_text(course, deposit=course_date.deposit),
        "balance_days": settings.COURSES_BALANCE_DUE_DAYS,
    }
    if user.is_authenticated:
        context["my_enrolment"] = (
            Enrolment.objects.holding_place()
            .filter(course_date=course_date, student=user)
            .first()
        )
        context["my_entry"] = (
            WaitingListEntry.objects.active()
            .with_place_in_line()
            .filter(course_date=course_date, student=user)
            .first()
        )
        context["can_join_waiting_list"] = (
            services.waiting_list_problem(course_date=course_date, student=user) is None
        )
    elif course_date.is_full:
        context["can_join_waiting_list"] = course_date.is_open_for_enrolment()
    # Names, emails and phones: only for staff who may see them in the admin too.
    if staff_may_view(user, "enrolment"):
        context["class_list"] = course_date.enrolments.select_related(
            "student"
        ).order_by("status", "full_name")
    if staff_may_view(user, "waitinglistentry"):
        context["waiting_list"] = course_date.waiting_list.active().select_related(
            "student"
        )
    return render(request, "courses/coursedate_detail.html", context)


@login_required
def enrol(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    course_date = _course_date_or_404(request, slug, pk)
    problem = services.enrolment_problem(course_date=course_date, student=request.user)
    form = EnrolmentForm(
        request.POST or None, initial={"full_name": request.user.full_name}
    )
    if request.method == "POST" and not ratelimit.allow(request, action="enrol"):
        return ratelimit.too_many_requests(request)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.enrol_student(
                course_date=course_date, student=request.user, **form.cleaned_data
            )
        except services.EnrolmentError as error:
            form.add_error(None, str(error))
        else:
            return _after_enrolling(request, enrolment)
    offer = (
        WaitingListEntry.objects.filter(
            course_date=course_date,
            student=request.user,
            status=WaitingListEntry.Status.OFFERED,
        ).first()
        if problem is None
        else None
    )
    return render(
        request,
        "courses/enrolment_form.html",
        {
            "course_date": course_date,
            "course": course_date.course,
            "form": form,
            "problem": problem,
            "offer": offer,
            "policy": billing.policy_text(
                course_date.course, deposit=course_date.deposit
            ),
        },
    )


def _after_enrolling(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    """Straight on to paying the deposit; the page of the enrolment says the rest."""
    if enrolment.status == Enrolment.Status.CONFIRMED:
        messages.success(request, "Your place is confirmed.")
        return redirect(enrolment)
    try:
        url = services.start_payment(enrolment=enrolment, payer=request.user)
    except services.EnrolmentError as error:
        messages.warning(
            request,
            f"Your place is reserved, but we could not open the payment page: {error}",
        )
        return redirect(enrolment)
    return redirect(url)


@login_required
@require_POST
def join_waiting_list(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    course_date = _course_date_or_404(request, slug, pk)
    if not ratelimit.allow(request, action="waiting_list"):
        return ratelimit.too_many_requests(request)
    try:
        services.join_waiting_list(course_date=course_date, student=request.user)
    except services.EnrolmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "You are on the waiting list. If a place comes up we will email you and "
            "hold it for you for a limited time.",
        )
    return redirect(course_date)


@login_required
def my_courses(request: HttpRequest) -> HttpResponse:
    enrolments = billing.with_paid(
        Enrolment.objects.for_student(request.user)
        .select_related("course_date__course")
        .order_by("-course_date__starts_on", "-pk")
    )
    page = Paginator(enrolments, 10).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    money = billing.accounts(page.object_list)
    for enrolment in page.object_list:
        enrolment.money = money[enrolment.pk]
    entries = (
        WaitingListEntry.objects.for_student(request.user)
        .active()
        .with_place_in_line()
        .select_related("course_date__course")
        .order_by("course_date__starts_on")
    )
    return render(
        request,
        "courses/enrolment_list.html",
        {"page": page, "entries": entries},
    )


def _my_enrolment_or_404(request: HttpRequest, pk: int) -> Enrolment:
    # Someone else's enrolment is a 404, never a 403 that says it exists.
    return get_object_or_404(
        Enrolment.objects.for_student(request.user).select_related(
            "course_date__course"
        ),
        pk=pk,
    )


def _money_context(enrolment: Enrolment) -> dict:
    statement = payments.statement(billing.reference(enrolment))
    money = billing.account(enrolment, paid=statement.net_pence)
    return {
        "statement": statement,
        "money": money,
        "due": billing.payment_due(enrolment),
        "balance_due_on": billing.balance_due_on(enrolment),
        "refund_deadline": billing.refund_deadline(enrolment),
        "policy": billing.policy_text(
            enrolment.course_date.course, deposit=enrolment.deposit
        ),
    }


@never_cache
@login_required
@require_GET
def enrolment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _my_enrolment_or_404(request, pk)
    context = {"enrolment": enrolment, **_money_context(enrolment)}
    # Back from paying before the payment's confirmation has arrived.
    context["confirming"] = (
        request.GET.get("paid") in {"deposit", "balance"}
        and payments.open_checkout(billing.reference(enrolment)) is not None
        and context["due"] is not None
    )
    return render(request, "courses/enrolment_detail.html", context)


@login_required
@require_POST
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay what is due now (the deposit or the balance) on the payment page."""
    enrolment = _my_enrolment_or_404(request, pk)
    try:
        url = services.start_payment(enrolment=enrolment, payer=request.user)
    except services.EnrolmentError as error:
        messages.error(request, str(error))
        return redirect(enrolment)
    return redirect(url)


@never_cache
@login_required
@require_GET
def invoice(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable invoice of the enrolment: the fee, what was paid, what is left."""
    enrolment = _my_enrolment_or_404(request, pk)
    return render(
        request,
        "courses/invoice.html",
        {"enrolment": enrolment, **_money_context(enrolment)},
    )


@login_required
def cancel_enrolment(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _my_enrolment_or_404(request, pk)
    error = None
    if request.method == "POST":
        try:
            services.cancel_enrolment(enrolment=enrolment, by=request.user)
        except services.EnrolmentError as exc:
            error = str(exc)
        else:
            messages.success(request, "Your enrolment is cancelled.")
            return redirect("courses:mine")
    money = billing.account(enrolment)
    refund = billing.refund_on_cancel(enrolment, reason=Enrolment.CancelReason.STUDENT)
    return render(
        request,
        "courses/enrolment_cancel.html",
        {
            "enrolment": enrolment,
            "error": error,
            "money": money,
            "refund": refund,
            "kept": money.paid - refund,
            "policy": billing.policy_text(
                enrolment.course_date.course, deposit=enrolment.deposit
            ),
        },
    )


@login_required
@require_POST
def leave_waiting_list(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        WaitingListEntry.objects.for_student(request.user).select_related(
            "course_date__course"
        ),
        pk=pk,
    )
    try:
        services.leave_waiting_list(entry=entry)
    except services.EnrolmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"You have left the waiting list for {entry.course_date.course.title} "
            f"in {entry.course_date.venue_town}.",
        )
    return redirect("courses:mine")


@login_required
def class_list_csv(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    if not staff_may_view(request.user, "enrolment"):
        raise Http404("No class list here.")
    course_date = _course_date_or_404(request, slug, pk)
    return exports.class_list_response(
        Enrolment.objects.holding_place().filter(course_date=course_date),
        f"class-list-{course_date.course.slug}-{course_date.starts_on}.csv",
    )
