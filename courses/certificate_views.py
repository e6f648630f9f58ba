"""Completion and certificates: the staff register of a course date, the graduate's
certificate, and the public verification pages at /verify/."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import ratelimit

from . import certificates, services
from .forms import VerifyForm
from .models import Attendance, Certificate, CourseDate
from .pdf import certificate_pdf

# Its rate is settings.ACCOUNT_RATE_LIMITS["verify_certificate"], read from
# COURSES_VERIFY_RATE_LIMIT.
RATE_LIMIT_ACTION = "verify_certificate"


# --- public verification ----------------------------------------------------------


@require_GET
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    """The form; a number typed into it goes to that number's page."""
    form = VerifyForm(request.GET if "number" in request.GET else None)
    if form.is_bound and form.is_valid():
        return redirect("courses:verify-number", number=form.cleaned_data["number"])
    return render(request, "courses/verify.html", {"form": form})


@require_GET
@never_cache
def verify_number(request: HttpRequest, number: str) -> HttpResponse:
    """Whether the certificate with this number is valid, for whom, for which course
    and when: nothing else about the person. Unknown and malformed numbers get a
    clear answer (404), too many look-ups a 429."""
    # Each look-up counts against the visitor's address, known numbers or not:
    # guessing is what the limit is for. While the rate-limit Redis is down the
    # count goes on in this process (config.cache.FallbackCache).
    if not ratelimit.allow(request, action=RATE_LIMIT_ACTION):
        response = render(
            request,
            "courses/verify.html",
            {"form": VerifyForm(), "rate_limited": True},
            status=429,
        )
        response["Retry-After"] = "60"
        return response
    try:
        canonical = certificates.normalise(number)
    except certificates.NumberProblem as problem:
        return render(
            request,
            "courses/verify.html",
            {"form": VerifyForm(initial={"number": number[:40]}), "problem": problem},
            status=404,
        )
    if canonical != number:
        return redirect("courses:verify-number", number=canonical)
    certificate = (
        Certificate.objects.filter(number=canonical)
        .prefetch_related("techniques")
        .first()
    )
    if certificate is None:
        return render(
            request,
            "courses/verify.html",
            {"form": VerifyForm(initial={"number": canonical}), "unknown": canonical},
            status=404,
        )
    return render(
        request,
        "courses/verify.html",
        {"form": VerifyForm(), "certificate": certificate},
    )


# --- the graduate's certificate -------------------------------------------------


def _my_certificate_or_404(request: HttpRequest, pk: int) -> Certificate:
    # Someone else's enrolment or certificate is a 404, as if it did not exist.
    return get_object_or_404(
        Certificate.objects.for_student(request.user).prefetch_related("techniques"),
        enrolment__pk=pk,
    )


@login_required
@require_GET
@never_cache
def certificate_download(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _my_certificate_or_404(request, pk)
    if not certificate.is_valid:
        messages.error(
            request,
            "This certificate has been revoked, so it can no longer be downloaded.",
        )
        return redirect("courses:enrolment", pk=pk)
    response = HttpResponse(certificate_pdf(certificate), "application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.number}.pdf"'
    )
    return response


@login_required
@require_POST
def certificate_profile_link(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _my_certificate_or_404(request, pk)
    linked = request.POST.get("linked") == "yes"
    try:
        services.link_certificate_from_profile(certificate=certificate, linked=linked)
    except services.EnrolmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "Your profile's verified techniques now link to this certificate's "
            "public page."
            if linked
            else "Your profile no longer links to this certificate.",
        )
    return redirect("courses:enrolment", pk=pk)


# --- the register (staff) --------------------------------------------------------


def _register_date_or_404(request: HttpRequest, slug: str, pk: int) -> CourseDate:
    """Staff who may change enrolments in the admin; anyone else gets a 404."""
    user = request.user
    if not (user.is_staff and user.has_perm("courses.change_enrolment")):
        raise Http404("No register here.")
    return get_object_or_404(
        CourseDate.objects.select_related("course"), pk=pk, course__slug=slug
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def register(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Attendance for every teaching day, and completion, of one course date."""
    course_date = _register_date_or_404(request, slug, pk)
    if request.method == "POST":
        return _save_register(request, course_date)
    today = timezone.localdate()
    days = list(course_date.days.all())
    enrolments = list(
        services.register_enrolments(course_date).select_related("certificate")
    )
    marks: dict[int, dict[int, bool]] = {e.pk: {} for e in enrolments}
    for enrolment_id, day_id, present in Attendance.objects.filter(
        enrolment__in=enrolments
    ).values_list("enrolment_id", "teaching_day_id", "present"):
        marks[enrolment_id][day_id] = present
    rows = []
    for enrolment in enrolments:
        enrolment.marks = marks[enrolment.pk]
        rows.append(
            {
                "enrolment": enrolment,
                "cells": [
                    {
                        "day": day,
                        "mark": enrolment.marks.get(day.pk),
                        "open": day.day <= today,
                    }
                    for day in days
                ],
                "gap": services.attendance_gaps(enrolment, days),
                "certificate": getattr(enrolment, "certificate", None),
            }
        )
    return render(
        request,
        "courses/register.html",
        {
            "course_date": course_date,
            "course": course_date.course,
            "days": days,
            "rows": rows,
            "recordable": any(day.day <= today for day in days),
            "has_ended": course_date.ends_on <= today,
        },
    )


def _save_register(request: HttpRequest, course_date: CourseDate) -> HttpResponse:
    here = reverse("courses:register", args=[course_date.course.slug, course_date.pk])
    # Each row's "Complete" button names its enrolment; the others an action.
    action = (
        "complete-one"
        if "complete-one" in request.POST
        else request.POST.get("action", "")
    )
    try:
        if action == "attendance":
            present = set()
            for value in request.POST.getlist("present"):
                enrolment_id, _, day_id = value.partition(":")
                if enrolment_id.isdigit() and day_id.isdigit():
                    present.add((int(enrolment_id), int(day_id)))
            saved = services.record_attendance(
                course_date=course_date, present=present, by=request.user
            )
            messages.success(request, f"Attendance saved ({saved} marks).")
        elif action == "complete-all":
            done = services.complete_course_date(course_date=course_date)
            messages.success(
                request,
                ngettext(
                    "%d student completed; their certificate is emailed to them.",
                    "%d students completed; their certificates are emailed to them.",
                    len(done.completed),
                )
                % len(done.completed),
            )
            for enrolment, reason in done.skipped:
                messages.warning(
                    request,
                    f"{enrolment.full_name} ({enrolment.reference}) not completed: "
                    f"{reason}. Complete them on their own if that is right.",
                )
        elif action == "complete-one":
            chosen = request.POST.get("complete-one", "").strip()
            enrolment = get_object_or_404(
                services.register_enrolments(course_date),
                pk=int(chosen) if chosen.isascii() and chosen.isdigit() else 0,
            )
            services.complete_enrolment(enrolment=enrolment)
            messages.success(
                request,
                f"{enrolment.full_name} ({enrolment.reference}) completed; their "
                "certificate is emailed to them.",
            )
        else:
            messages.error(request, "Choose what to do: save attendance or complete.")
    except services.EnrolmentError as error:
        messages.error(request, str(error))
    return redirect(here)
