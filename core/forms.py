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


def required_message(field: forms.Field, label: str) -> str:
    """The message for an empty required field, from what the field asks for:
    "Enter the certificate number", "Choose the techniques", "Answer “Why …?”"."""
    label = str(label).strip().rstrip(":*").strip()
    if isinstance(field, forms.BooleanField):
        return f"Tick “{label}” to continue."
    if label.endswith("?"):
        if isinstance(field, forms.ChoiceField):
            return f"Choose an answer to “{label}”"
        return f"Answer “{label}”"
    thing = _lower_first(label)
    if thing.split(" ", 1)[0].lower() not in {"your", "the", "a", "an", "my"}:
        thing = f"the {thing}"
    if isinstance(field, forms.FileField):
        return f"Choose a file for {thing}."
    if isinstance(field, forms.ChoiceField):
        return f"Choose {thing}."
    return f"Enter {thing}."


class SpecificMessages:
    """Replaces Django's generic "This field is required." with a message naming
    the field, wherever the form left the generic one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        generic = str(forms.Field.default_error_messages["required"])
        for name, field in self.fields.items():
            if str(field.error_messages.get("required", "")) != generic:
                continue
            label = field.label or name.replace("_", " ")
            field.error_messages = {
                **field.error_messages,
                "required": required_message(field, label),
            }


class SiteForm(SpecificMessages, forms.Form):
    pass


class SiteModelForm(SpecificMessages, forms.ModelForm):
    pass
