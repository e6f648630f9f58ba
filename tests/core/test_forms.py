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


class _Choices(SiteForm):
    radius = forms.ChoiceField(label="Distance", choices=[("1", "1 mile")])
    days = forms.MultipleChoiceField(label="Days", choices=[("1", "Monday")])
    level = forms.ChoiceField(
        label="Level",
        choices=[("1", "One")],
        error_messages={"invalid_choice": "Pick a level."},
    )
    name = forms.CharField(label="Your name", max_length=5)
    why = forms.CharField(label="Why now?", max_length=3)


def test_a_value_off_the_list_or_too_long_says_what_to_do():
    form = _Choices(
        data={
            "radius": "7",
            "days": ["9"],
            "level": "x",
            "name": "Rosalind",
            "why": "Because",
        }
    )
    assert not form.is_valid()
    assert form.errors == {
        "radius": ["Choose the distance from the list."],
        "days": ["Choose the days from the list."],
        "level": ["Pick a level."],  # a form's own message stays
        "name": ["Your name must be 5 characters or fewer (it has 8)."],
        "why": ["“Why now?” must be 3 characters or fewer (it has 7)."],
    }
