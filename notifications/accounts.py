"""allauth's emails (address verification, password reset, security notices) go
through the outbox like every other email of the site.

allauth sends its emails inside the request; with the mail server down, sign-up
answered 500 after creating the account, and the password reset page answered
500. `AccountAdapter.send_mail` writes an outbox row instead (settings
ACCOUNT_ADAPTER): the page answers at once, a worker delivers it, and a failed
delivery is retried like any other email (docs/email.md).

The wording is the site's: the generic `message` email template (HTML and text,
the site's layout), with a greeting, paragraphs and one button, chosen per allauth
email in ACCOUNT_EMAILS below. Every email allauth can send with the site's
settings is listed; one added by a later allauth keeps allauth's own subject and
text, in the same template. The wording lives here rather than in
templates/account/email/ because every account email has the same shape
(greeting, paragraphs, one button), which the `message` template already draws.
"""

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core.formatting import format_when
from core.links import absolute_url

from . import outbox

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccountEmail:
    subject: str
    # Plain text; "{name}" is replaced by allauth's context value of that name
    # (from_email, to_email, deleted_email, code).
    paragraphs: tuple[str, ...]
    # The context key holding the button's URL, and the button's words.
    action_key: str = ""
    action_label: str = ""
    # A security notice: says when and from where the change was made, and
    # offers a password reset in case it was not the account's owner.
    notice: bool = False


def _notice(subject: str, *paragraphs: str) -> AccountEmail:
    return AccountEmail(subject=subject, paragraphs=paragraphs, notice=True)


_CODE = (
    "Your code is {code}",
    "Enter it in the browser window where you asked for it. If you did not ask "
    "for a code, ignore this email.",
)


_VERIFY = (
    "Please confirm that this is your email address, so that you can sign in and "
    "we can send you your bookings and course places. The link works for three "
    "days.",
    "If you did not sign up with us, ignore this email: without a confirmation "
    "nothing happens.",
)

ACCOUNT_EMAILS = {
    "account/email/email_confirmation_signup": AccountEmail(
        subject="Confirm your email address",
        paragraphs=("Thank you for signing up with Holistic Touch.", *_VERIFY),
        action_key="activate_url",
        action_label="Confirm your email address",
    ),
    "account/email/email_confirmation": AccountEmail(
        subject="Confirm your email address",
        paragraphs=_VERIFY,
        action_key="activate_url",
        action_label="Confirm your email address",
    ),
    "account/email/password_reset_key": AccountEmail(
        subject="Reset your password",
        paragraphs=(
            "Someone, hopefully you, asked to reset the password of your account. "
            "Choose a new one with the button below.",
            "If you did not ask for this, ignore this email: your password stays "
            "as it is.",
        ),
        action_key="password_reset_url",
        action_label="Choose a new password",
    ),
    "account/email/unknown_account": AccountEmail(
        subject="Password reset request",
        paragraphs=(
            "Someone asked to reset the password of an account with this email "
            "address, but no account uses it.",
            "If it was you, you may have signed up with another address, or you "
            "can create an account now. If it was not you, ignore this email.",
        ),
        action_key="signup_url",
        action_label="Create an account",
    ),
    "account/email/account_already_exists": AccountEmail(
        subject="You already have an account",
        paragraphs=(
            "Someone tried to sign up with this email address, which already has "
            "an account with us.",
            "If it was you, sign in instead, or reset your password if you have "
            "forgotten it. If it was not you, ignore this email.",
        ),
        action_key="password_reset_url",
        action_label="Reset your password",
    ),
    "account/email/login_code": AccountEmail(
        subject="Your code to log in", paragraphs=_CODE
    ),
    "account/email/password_reset_code": AccountEmail(
        subject="Your code to reset your password", paragraphs=_CODE
    ),
    # Security notices (ACCOUNT_EMAIL_NOTIFICATIONS).
    "account/email/password_changed": _notice(
        "Your password was changed", "The password of your account was changed."
    ),
    "account/email/password_reset": _notice(
        "Your password was reset",
        "The password of your account was reset, with a link sent to this address.",
    ),
    "account/email/password_set": _notice(
        "A password was set on your account", "A password was set on your account."
    ),
    "account/email/email_changed": _notice(
        "Your email address was changed",
        "The email address of your account was changed from {from_email} to "
        "{to_email}.",
    ),
    "account/email/email_confirm": _notice(
        "Your email address is confirmed",
        "The email address {email} is now confirmed on your account.",
    ),
    "account/email/email_deleted": _notice(
        "An email address was removed",
        "The email address {deleted_email} was removed from your account.",
    ),
    "mfa/email/totp_activated": _notice(
        "Two-factor authentication is on",
        "An authenticator app was set up on your account: from now on, logging in "
        "asks for a code from it as well as your password.",
    ),
    "mfa/email/totp_deactivated": _notice(
        "Your authenticator app was removed",
        "The authenticator app was removed from your account: logging in no "
        "longer asks for its codes.",
    ),
    "mfa/email/recovery_codes_generated": _notice(
        "New recovery codes",
        "A new set of recovery codes was made for your account; the old ones no "
        "longer work.",
    ),
    "mfa/email/webauthn_added": _notice(
        "A security key was added",
        "A security key was added to your account: it can now be used to log in.",
    ),
    "mfa/email/webauthn_removed": _notice(
        "A security key was removed",
        "A security key was removed from your account.",
    ),
}


def _notice_paragraph(context: dict) -> str:
    """When and from where a change was made, as allauth records it."""
    moment = context.get("timestamp")
    parts = []
    if isinstance(moment, datetime):
        parts.append(format_when(moment, timezone.get_default_timezone()))
    if context.get("ip"):
        parts.append(f"from the internet address {context['ip']}")
    if context.get("user_agent"):
        parts.append(
            f"with the browser “{' '.join(str(context['user_agent']).split())}”"
        )
    made = ("This was done " + ", ".join(parts) + ". ") if parts else ""
    return (
        made + "If it was not you, reset your password now with the button below "
        f"and tell us at {settings.CONTACT_EMAIL}."
    )


def _fill(paragraph: str, context: dict) -> str:
    values = {
        key: str(context.get(key, ""))
        for key in ("email", "from_email", "to_email", "deleted_email", "code")
    }
    return paragraph.format_map(values)


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        """Where people land after logging in when no `next` was given (allauth
        honours a safe `next` before asking): where they work. Staff go to the
        admin, practitioners to their agenda, everyone else to their appointments.
        URL names only: this app imports no domain app."""
        user = request.user
        if user.is_staff:
            name = "admin:index"
        elif getattr(user, "practitioner", None) is not None:
            name = "bookings:agenda"
        else:
            name = "bookings:mine"
        try:
            return reverse(name)
        except NoReverseMatch:
            return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request) -> str:
        """Where a new account lands once signed in (after following the link in
        its verification email, in the browser that signed up): a new account is
        a client's, so their appointments, unless the sign-up carried a `next`."""
        return self.get_login_redirect_url(request)

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        """allauth's security notices leave the user out of the email's context;
        put it in, so that the notice greets them by name and its row is theirs
        (related_key user:<id>, scrubbed with their account)."""
        return super().send_notification_mail(
            template_prefix, user, {"user": user, **(context or {})}, email
        )

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Queue allauth's email in the outbox (same transaction as the request's
        change, if any); a worker sends it. Never talks to the mail server."""
        request = allauth_context.request  # the request allauth is serving
        context = {
            "email": email,
            "current_site": get_current_site(request),
            **context,
        }
        known = ACCOUNT_EMAILS.get(template_prefix)
        if known is not None:
            subject = known.subject
            paragraphs = [_fill(paragraph, context) for paragraph in known.paragraphs]
            action_url = context.get(known.action_key, "") if known.action_key else ""
            action_label = known.action_label
            if known.notice:
                paragraphs.append(_notice_paragraph(context))
                action_url = absolute_url(reverse("account_reset_password"))
                action_label = "Reset your password"
        else:
            subject, paragraphs = _allauth_wording(template_prefix, context)
            action_url, action_label = "", ""
        user = context.get("user")
        name = getattr(user, "full_name", "") if user is not None else ""
        kind = "account." + template_prefix.rsplit("/", 1)[-1]
        row = outbox.enqueue(
            to=email,
            subject=self.format_email_subject(subject),
            template="message",
            context={
                "greeting": f"Dear {name}," if name else "Hello,",
                "paragraphs": paragraphs,
                "action_url": action_url,
                "action_label": action_label,
            },
            # Each request is its own email; allauth's rate limits bound them.
            dedup_key=f"{kind}:{uuid.uuid4().hex}",
            kind=kind,
            related_key=f"user:{user.pk}" if getattr(user, "pk", None) else "",
        )
        logger.info("account email %s queued as outbound email %s", kind, row.pk)


def _allauth_wording(template_prefix: str, context: dict) -> tuple[str, list[str]]:
    """allauth's own subject and text for an email the site has not reworded."""
    subject = render_to_string(
        f"{template_prefix}_subject.txt", context, allauth_context.request
    )
    subject = " ".join(subject.split())
    text = render_to_string(
        f"{template_prefix}_message.txt", context, allauth_context.request
    ).strip()
    # allauth's text opens with its own greeting and closes with its sign-off.
    paragraphs = [
        " ".join(part.split()) for part in re.split(r"\n\s*\n", text) if part.strip()
    ]
    if paragraphs and paragraphs[0].lower().startswith("hello"):
        paragraphs = paragraphs[1:]
    if paragraphs and paragraphs[-1].lower().startswith("thank you for using"):
        paragraphs = paragraphs[:-1]
    return subject, paragraphs
