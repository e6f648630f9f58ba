"""Validators the apps share."""

import re

from django.core.exceptions import ValidationError

# Line breaks of every kind: a name or a phone number holding one would plant an
# extra line in the plain-text emails that quote it (a fake link, a fake header).
LINE_BREAKS = re.compile(r"[\n\r\x85\u2028\u2029]")
# The other C0 and C1 controls, DEL, and the bidirectional overrides and isolates
# that make text display in another order than it is stored. Zero-width joiners
# stay allowed: Persian, Hindi and emoji need them.
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def validate_single_line(text: str) -> None:
    """Refuse line breaks and invisible control characters in a one-line field
    (names, phone numbers, titles, subjects, reasons shown in one line)."""
    if not text:
        return
    if LINE_BREAKS.search(text):
        raise ValidationError(
            "Keep this to one line: remove the line break.", code="line_break"
        )
    if found := CONTROLS.search(text):
        raise ValidationError(
            "This text contains an invisible control character (U+%(code)04X), "
            "usually left by text pasted from a word processor. Delete the text "
            "around it and type it again, or paste it as plain text.",
            code="control_character",
            params={"code": ord(found.group())},
        )


def one_line(text: str) -> str:
    """Whitespace runs, line breaks included, as single spaces: for free text a
    page or an email shows in one line (a cancellation reason). Other control
    characters are left for `validate_single_line` to refuse."""
    return " ".join(re.split(r"[ \t\n\r\x0b\x0c\x85\u2028\u2029]+", text)).strip()


def as_single_line(text: str) -> str:
    """Text another system sent (a card holder's name in a payment provider's
    event) made fit for a one-line field: line breaks as spaces, the other
    control characters dropped. Typed text is refused instead, with a message."""
    return CONTROLS.sub("", one_line(text))
