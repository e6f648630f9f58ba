"""The test provider's payment page: the one form of this app a visitor fills in."""

from django import forms

from core.forms import SiteForm
from core.validators import validate_single_line


class TestCheckoutForm(SiteForm):
    """What the test provider's page posts: which button, and the (pretend)
    name on the card, which becomes the payer's name on the receipt."""

    ACTIONS = [("pay", "Pay"), ("decline", "Decline"), ("abandon", "Abandon")]

    action = forms.ChoiceField(choices=ACTIONS)
    name = forms.CharField(
        label="Name on the (pretend) card",
        max_length=150,
        required=False,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
