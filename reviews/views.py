from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookings.models import Booking
from core import ratelimit
from directory.models import Practitioner

from . import services
from .forms import ReplyForm, ReportForm, ReviewForm
from .models import Invitation, Review


def _write(request: HttpRequest, booking: Booking, here: str) -> HttpResponse:
    """The review form of one booking, for its client (signed in or by link)."""
    review = Review.objects.filter(booking=booking).first()
    problem = services.review_problem(booking)
    if problem is None and review is not None:
        problem = services.edit_problem(review)
    initial = {"rating": review.rating, "text": review.text} if review else None
    form = ReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and problem is None and form.is_valid():
        if not ratelimit.allow(request, action="review", key=f"booking:{booking.pk}"):
            return ratelimit.too_many_requests(request)
        try:
            review = services.write_review(
                booking=booking,
                rating=form.cleaned_data["rating"],
                text=form.cleaned_data["text"],
            )
        except services.ReviewError as error:
            form.add_error(None, str(error))
        else:
            if review.status == Review.Status.HELD:
                messages.success(
                    request,
                    f"Thank you. Your review holds {review.held_because}, so our "
                    "staff will read it before it is published.",
                )
            else:
                messages.success(request, "Thank you: your review is published.")
            return redirect(here)
    return render(
        request,
        "reviews/write.html",
        {
            "booking": booking,
            "review": review,
            "problem": problem,
            "form": form,
            "edit_days": settings.REVIEWS_EDIT_DAYS,
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def write(request: HttpRequest, pk: int) -> HttpResponse:
    # Someone else's appointment is a 404, exactly like one that does not exist.
    booking = get_object_or_404(
        Booking.objects.for_client(request.user).select_related(
            "practitioner__user", "service"
        ),
        pk=pk,
    )
    return _write(request, booking, reverse("reviews:write", kwargs={"pk": pk}))


@never_cache
@require_http_methods(["GET", "POST"])
def guest_write(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a guest's invitation. A booking made while signed in is
    reviewed signed in (reviews:write), so its token opens nothing here."""
    invitation = get_object_or_404(
        Invitation.objects.select_related(
            "booking__practitioner__user", "booking__service"
        ),
        token=token,
        booking__client__isnull=True,
    )
    here = reverse("reviews:guest-write", kwargs={"token": token})
    return _write(request, invitation.booking, here)


@never_cache
@require_http_methods(["GET", "POST"])
def stop(request: HttpRequest, token: str) -> HttpResponse:
    """The "never ask me again" link of an invitation. A GET only asks (mail
    scanners open links); the button records the address."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("booking"), token=token
    )
    email = invitation.booking.client_email
    if request.method == "POST":
        services.opt_out(email=email)
    return render(
        request,
        "reviews/stop.html",
        {"stopped": services.is_opted_out(email)},
    )


@require_GET
def practitioner_reviews(request: HttpRequest, slug: str) -> HttpResponse:
    practitioner = get_object_or_404(Practitioner.objects.listed(), slug=slug)
    reviews = Review.objects.published().filter(practitioner=practitioner)
    paginator = Paginator(reviews, settings.REVIEWS_PER_PAGE)
    # The stored count stands in for COUNT(*): one query less per page.
    paginator.count = practitioner.rating_count
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/practitioner_reviews.html",
        {"practitioner": practitioner, "page": page},
    )


def _mine(request: HttpRequest):
    return Review.objects.filter(practitioner__user=request.user).exclude(
        status=Review.Status.REMOVED
    )


@login_required
@never_cache
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The practitioner's reviews, each with its reply and report forms."""
    page = Paginator(_mine(request), settings.REVIEWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "reviews/mine.html",
        {"page": page},
    )


@login_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(_mine(request), pk=pk)
    form = ReplyForm(request.POST)
    if not ratelimit.allow(request, action="review", key=f"review:{pk}"):
        return ratelimit.too_many_requests(request)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["text"]))
    else:
        try:
            services.reply_to_review(review=review, text=form.cleaned_data["text"])
        except services.ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Your reply is published under the review.")
    return redirect("reviews:mine")


@login_required
@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(_mine(request), pk=pk)
    form = ReportForm(request.POST)
    if not ratelimit.allow(request, action="review", key=f"review:{pk}"):
        return ratelimit.too_many_requests(request)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
    else:
        try:
            services.report_review(review=review, reason=form.cleaned_data["reason"])
        except services.ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Thank you: our staff will look at it.")
    return redirect("reviews:mine")
