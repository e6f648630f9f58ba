from django import forms

from core.forms import SiteForm
from core.validators import validate_single_line


class SignupForm(SiteForm):
    """Extra fields allauth adds to its sign-up form."""

    full_name = forms.CharField(
        label="Full name",
        error_messages={"required": "Enter your full name."},
        max_length=150,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text="As you would like practitioners and tutors to address you.",
    )

    field_order = ["full_name", "email", "password1", "password2"]

    def signup(self, request, user) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])


class ProfileForm(SiteForm):
    full_name = forms.CharField(
        label="Full name",
        error_messages={"required": "Enter your full name."},
        max_length=150,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class DeleteAccountForm(SiteForm):
    password = forms.CharField(
        label="Your current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="So that nobody else can delete your account from a device you "
        "left signed in.",
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.")
        return password
