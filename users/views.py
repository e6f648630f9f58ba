from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from . import services
from .forms import ProfileForm


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
