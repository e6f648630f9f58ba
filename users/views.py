import json
import logging

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from . import privacy, services
from .forms import DeleteAccountForm, ProfileForm

logger = logging.getLogger(__name__)


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(
        request.POST or None, initial={"full_name": request.user.full_name}
    )
    if request.method == "POST" and form.is_valid():
        services.update_profile(
            user=request.user, full_name=form.cleaned_data["full_name"]
        )
        messages.success(request, "Your details are saved.")
        return redirect("users:account")
    return render(request, "users/account.html", {"form": form})


@login_required
def export_data(request: HttpRequest) -> HttpResponse:
    """The signed-in person's data as a JSON download. POST only (from the account
    page), so no link or prefetch ever starts one."""
    if request.method != "POST":
        return redirect("users:account")
    data = privacy.export_data(user=request.user)
    logger.info("account %s: data exported", request.user.pk)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) + "\n",
        content_type="application/json; charset=utf-8",
    )
    filename = f"my-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
@sensitive_post_parameters("password")
def delete_account(request: HttpRequest) -> HttpResponse:
    problems = privacy.deletion_problems(user=request.user)
    form = DeleteAccountForm(request.user, request.POST or None)
    error = ""
    if request.method == "POST" and not problems:
        # Guessing the password here is as limited as on the change-password page.
        if not ratelimit.consume(request, action="change_password", user=request.user):
            form = DeleteAccountForm(request.user)  # unbound: no password check
            error = "Too many attempts. Please wait a minute and try again."
        elif form.is_valid():
            try:
                services.delete_account(user=request.user)
            except privacy.DeletionRefused as refused:
                problems = refused.reasons
            else:
                logout(request)
                return redirect("users:account-deleted")
    return render(
        request,
        "users/account_delete.html",
        {"form": form, "problems": problems, "error": error},
    )


def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "users/account_deleted.html")
