from django import forms

from core.forms import SiteForm

from .services import MAX_TEXT

STARS = [(n, f"{n} star{'s' if n > 1 else ''}") for n in range(5, 0, -1)]


class ReviewForm(SiteForm):
    rating = forms.TypedChoiceField(
        label="Your rating",
        choices=STARS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose from one to five stars."},
    )
    text = forms.CharField(
        label="Your review (optional)",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What went well, what could be better. Please leave out health "
        "details, links and contact details: reviews with them wait for our staff.",
    )


class ReplyForm(SiteForm):
    text = forms.CharField(
        label="Your public reply",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown under the review. You can reply once.",
    )


class ReportForm(SiteForm):
    reason = forms.CharField(
        label="What is wrong with this review?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
