"""allauth forms the site adjusts. Kept apart from users/forms.py, which allauth
imports while its own forms module is still loading."""

from allauth.account.forms import LoginForm, ResetPasswordForm
from django import forms


class QuietResetPasswordForm(ResetPasswordForm):
    """Answers an unknown address exactly as a known one, so the reset form cannot
    be used to learn who has an account. allauth then emails the address to say no
    account uses it; sign-up still says plainly when an address is taken."""

    def clean_email(self) -> str:
        try:
            return super().clean_email()
        except forms.ValidationError:
            if getattr(self, "users", None):
                raise
            return self.cleaned_data["email"]


class SiteLoginForm(LoginForm):
    """allauth's login form in the site's wording."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me logged in on this device"
