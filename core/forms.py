"""What every form of the site shares: messages that say what to do.

Django's "This field is required." names neither the field nor the fix. Forms
that inherit `SiteForm` or `SiteModelForm` (or mix in `SpecificMessages`) say
"Enter your name", "Choose the techniques", "Enter the certificate number"
instead, from the field's label,
unless the form gives its own message. The error summary at the top of every
form and the hint before each field are in the shared templates
(templates/core/_error_summary.html, templates/bootstrap5/).
"""

from django import forms


def _lower_first(label: str) -> str:
    # Keep acronyms and names as they are: "URL", "iCalendar address".
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def _clean_label(label) -> str:
    return str(label).strip().rstrip(":*").strip()


def _the(label: str) -> str:
    thing = _lower_first(label)
    if thing.split(" ", 1)[0].lower() not in {"your", "the", "a", "an", "my"}:
        thing = f"the {thing}"
    return thing


def invalid_choice_message(label: str) -> str:
    """For a value not among a choice field's options (an edited URL, a stale
    page): "Choose the distance from the list.", "Choose an answer to “…?” from the
    list."."""
    label = _clean_label(label)
    if label.endswith("?"):
        return f"Choose an answer to “{label}” from the list."
    return f"Choose {_the(label)} from the list."


def max_length_message(label: str) -> str:
    """For text over a field's limit: "Your name must be 150 characters or fewer
    (it has 151)."; Django fills in the numbers."""
    label = _clean_label(label)
    subject = f"“{label}”" if label.endswith("?") else _the(label)
    subject = subject[:1].upper() + subject[1:]
    return (
        f"{subject} must be %(limit_value)d characters or fewer "
        "(it has %(show_value)d)."
    )


def required_message(field: forms.Field, label: str) -> str:
    """The message for an empty required field, from what the field asks for:
    "Enter the certificate number", "Choose the techniques", "Answer “Why …?”"."""
    label = _clean_label(label)
    if isinstance(field, forms.BooleanField):
        return f"Tick “{label}” to continue."
    if label.endswith("?"):
        if isinstance(field, forms.ChoiceField):
            return f"Choose an answer to “{label}”"
        return f"Answer “{label}”"
    thing = _the(label)
    if isinstance(field, forms.FileField):
        return f"Choose a file for {thing}."
    if isinstance(field, forms.ChoiceField):
        return f"Choose {thing}."
    return f"Enter {thing}."


def _generic_messages() -> dict[str, set[str]]:
    """Django's own wording of each message this module replaces."""
    return {
        "required": {str(forms.Field.default_error_messages["required"])},
        "invalid_choice": {
            str(forms.ChoiceField.default_error_messages["invalid_choice"]),
            str(forms.MultipleChoiceField.default_error_messages["invalid_choice"]),
            str(forms.ModelChoiceField.default_error_messages["invalid_choice"]),
            str(
                forms.ModelMultipleChoiceField.default_error_messages["invalid_choice"]
            ),
        },
    }


def apply_specific_messages(fields: dict[str, forms.Field]) -> None:
    """Give each field the site's specific messages wherever it has Django's
    generic ones (see `SpecificMessages`)."""
    generic = _generic_messages()
    for name, field in fields.items():
        label = field.label or name.replace("_", " ")
        messages = dict(field.error_messages)
        if str(messages.get("required", "")) in generic["required"]:
            messages["required"] = required_message(field, label)
        if isinstance(field, forms.ChoiceField | forms.ModelChoiceField) and (
            str(messages.get("invalid_choice", "")) in generic["invalid_choice"]
        ):
            messages["invalid_choice"] = invalid_choice_message(label)
        if (
            isinstance(field, forms.CharField)
            and field.max_length is not None
            and "max_length" not in messages
        ):
            messages["max_length"] = max_length_message(label)
        field.error_messages = messages


class SharedFields(dict):
    """A form's fields made once and shared by every form made from them, their
    specific messages already applied.

    Django deep-copies a form's fields for every form it makes, so that a form may
    change its own; that copy is most of the cost of making a small form. A form
    that never changes its fields after they are made (SearchForm: its choices
    are part of what the fields were made for) sets its `base_fields` to one of
    these, and the copy is then a new dictionary of the same fields.
    """

    def __deepcopy__(self, memo) -> "SharedFields":
        return SharedFields(self)


class SpecificMessages:
    """Replaces Django's generic messages with ones naming the field, wherever
    the form left the generic one: "This field is required." (what to enter),
    "Select a valid choice." (choose from the list) and "Ensure this value has at
    most N characters" (how long it may be)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not isinstance(self.fields, SharedFields):  # those have them already
            apply_specific_messages(self.fields)


class SiteForm(SpecificMessages, forms.Form):
    pass


class SiteModelForm(SpecificMessages, forms.ModelForm):
    pass
