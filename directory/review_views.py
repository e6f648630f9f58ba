"""Staff list the applications, review one on one screen and approve or refuse it.

Only staff who may change practitioners in the admin see these pages; anyone
else gets a 404, exactly as for an application that does not exist. The
documents an applicant sent are streamed from the private storage here and
nowhere else: they have no public URL.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import services
from .forms import RefusalForm
from .models import ApplicationDocument, Practitioner, Qualification, private_storage

APPLICATIONS_PAGE_SIZE = 25


def _staff_or_404(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_staff and user.has_perm("directory.change_practitioner")):
        raise Http404("No application here.")


def _application(request: HttpRequest, pk: int) -> Practitioner:
    _staff_or_404(request)
    return get_object_or_404(
        Practitioner.objects.select_related("user").prefetch_related(
            "techniques",
            "locations",
            "documents",
            Prefetch(
                "qualifications",
                queryset=Qualification.objects.select_related("technique"),
            ),
        ),
        pk=pk,
    )


def _applications() -> QuerySet[Practitioner]:
    """Every application: those waiting for a decision first, the longest waiting
    at the top; then the decided ones, the latest decision first. `since` is when
    the profile took its status (an application sent again waits from then)."""
    waiting = Q(status=Practitioner.Status.APPLIED)
    return (
        Practitioner.objects.select_related("user")
        .only(
            "display_name",
            "headline",
            "status",
            "status_changed_at",
            "created_at",
            "user__email",
        )
        .annotate(since=Coalesce("status_changed_at", "created_at"))
        .order_by(
            Case(When(waiting, then=Value(0)), default=Value(1)),
            Case(When(waiting, then=F("since"))).asc(nulls_last=True),
            F("since").desc(),
            "pk",
        )
    )


@login_required
@require_GET
@never_cache
def applications(request: HttpRequest) -> HttpResponse:
    _staff_or_404(request)
    counts = Practitioner.objects.aggregate(
        total=Count("pk"),
        waiting=Count("pk", filter=Q(status=Practitioner.Status.APPLIED)),
    )
    paginator = Paginator(_applications(), APPLICATIONS_PAGE_SIZE)
    # The total is known already: the paginator need not count again.
    paginator.count = counts["total"]
    requested = request.GET.get("page", "")
    page = paginator.get_page(requested)
    page_notice = ""
    if requested and requested != str(page.number) and paginator.count:
        page_notice = (
            f"There is no page “{requested[:10]}”; showing page {page.number}."
        )
    return render(
        request,
        "directory/application_list.html",
        {
            "page": page,
            "waiting": counts["waiting"],
            "total": counts["total"],
            "page_notice": page_notice,
        },
    )


def _render_review(
    request: HttpRequest, practitioner: Practitioner, refusal_form: RefusalForm
) -> HttpResponse:
    verified = {q.technique_id for q in practitioner.qualifications.all()}
    documents = list(practitioner.documents.all())
    return render(
        request,
        "directory/application_review.html",
        {
            "practitioner": practitioner,
            "account": practitioner.user,
            "techniques": [
                (technique, technique.pk in verified)
                for technique in practitioner.techniques.all()
            ],
            "insurance_documents": [
                d for d in documents if d.kind == ApplicationDocument.Kind.INSURANCE
            ],
            "qualification_documents": [
                d for d in documents if d.kind == ApplicationDocument.Kind.QUALIFICATION
            ],
            "to_review": services.application_to_review(practitioner),
            "refusal_form": refusal_form,
        },
        status=400 if refusal_form.errors else 200,
    )


@login_required
@require_GET
@never_cache
def review(request: HttpRequest, pk: int) -> HttpResponse:
    practitioner = _application(request, pk)
    return _render_review(request, practitioner, RefusalForm())


@login_required
@require_POST
@never_cache
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    practitioner = _application(request, pk)
    try:
        services.approve_application(practitioner=practitioner, by=request.user)
    except services.DirectoryError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{practitioner.display_name} is approved; we have emailed them.",
        )
    return redirect("directory:application-review", pk=pk)


@login_required
@require_POST
@never_cache
def refuse(request: HttpRequest, pk: int) -> HttpResponse:
    """Refusing takes two steps: the reason, then a page that shows it as the
    applicant will read it and asks to confirm."""
    practitioner = _application(request, pk)
    form = RefusalForm(request.POST)
    if not form.is_valid():
        return _render_review(request, practitioner, form)
    if not services.application_to_review(practitioner):
        messages.error(
            request,
            f"This application was already decided: the profile is "
            f"{practitioner.get_status_display().lower()}.",
        )
        return redirect("directory:application-review", pk=pk)
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "directory/application_refuse_confirm.html",
            {"practitioner": practitioner, "form": form},
        )
    try:
        services.refuse_application(
            practitioner=practitioner,
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except services.DirectoryError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{practitioner.display_name}’s application is refused; we have emailed "
            "them the reason.",
        )
    return redirect("directory:application-review", pk=pk)


@login_required
@require_GET
@never_cache
def document(request: HttpRequest, pk: int, document: int) -> HttpResponse:
    _staff_or_404(request)
    stored = get_object_or_404(ApplicationDocument, pk=document, practitioner_id=pk)
    storage = private_storage()
    try:
        handle = storage.open(stored.stored_name, "rb")
    except FileNotFoundError:
        raise Http404("The file is missing from the storage.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=stored.original_name,
        content_type=stored.content_type,
    )
    # The browser must take the file for what we checked it is, and keep no copy.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
