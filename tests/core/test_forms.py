"""The shared form behaviour: messages that name what to do."""

from django import forms

from core.forms import SiteForm


class _Example(SiteForm):
    name = forms.CharField(label="Your name")
    number = forms.CharField(label="Certificate number")
    why = forms.CharField(label="Why do you want to come?")
    day = forms.ChoiceField(label="Day", choices=[("1", "Monday")])
    agree = forms.BooleanField(label="I agree")
    own = forms.CharField(label="Town", error_messages={"required": "Where?"})
    upload = forms.FileField(label="Insurance certificate")


def test_an_empty_required_field_says_what_to_do_not_this_field_is_required():
    form = _Example(data={})
    assert not form.is_valid()
    assert form.errors == {
        "name": ["Enter your name."],
        "number": ["Enter the certificate number."],
        "why": ["Answer “Why do you want to come?”"],
        "day": ["Choose the day."],
        "agree": ["Tick “I agree” to continue."],
        "own": ["Where?"],  # a form's own message stays
        "upload": ["Choose a file for the insurance certificate."],
    }
