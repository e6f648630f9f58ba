"""allauth forms the site adjusts. Kept apart from users/forms.py, which allauth
imports while its own forms module is still loading."""

import copy

from allauth.account.forms import (
    ChangePasswordForm,
    LoginForm,
    ResetPasswordForm,
    ResetPasswordKeyForm,
    SignupForm,
)
from django import forms

from core.validators import validate_single_line

# What to do when a field of allauth's forms is left empty, instead of Django's
# "This field is required." (the site's other forms get theirs from core.forms).
REQUIRED_MESSAGES = {
    "login": "Enter your email address.",
    "email": "Enter your email address.",
    "password": "Enter your password.",
    "oldpassword": "Enter your current password.",
    "password1": "Enter a new password.",
    "password2": "Enter the new password again.",
}


class SpecificRequiredMessages:
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, message in REQUIRED_MESSAGES.items():
            field = self.fields.get(name)
            if field is not None:
                field.error_messages = {**field.error_messages, "required": message}


class QuietResetPasswordForm(SpecificRequiredMessages, ResetPasswordForm):
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


class SiteLoginForm(SpecificRequiredMessages, LoginForm):
    """allauth's login form in the site's wording."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me logged in on this device"


class SiteSignupForm(SpecificRequiredMessages, SignupForm):
    """allauth's sign-up form (with users.forms.SignupForm's full name) saying
    what to enter."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].error_messages["required"] = "Enter a password."
        if "password2" in self.fields:
            self.fields["password2"].error_messages["required"] = (
                "Enter the password again."
            )


# allauth removes the username field at run time (the email is the login); should
# usernames ever be turned on, they are one line like every name on the site.
_username = copy.deepcopy(SiteSignupForm.base_fields["username"])
_username.validators.append(validate_single_line)
SiteSignupForm.base_fields["username"] = _username


class SiteResetPasswordKeyForm(SpecificRequiredMessages, ResetPasswordKeyForm):
    pass


class SiteChangePasswordForm(SpecificRequiredMessages, ChangePasswordForm):
    pass
