"""What an enrolment costs, what has been paid and what is due, read from the
payments ledger (reference `enrolment:<id>`); the refund a cancellation earns; and
the handler through which payments tells courses that money moved.

Prices live on the enrolment as Decimal pounds (what the student agreed to when
enrolling); they cross into the ledger as whole pence through payments.money.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import CharField, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from core.formatting import format_day
from payments import services as payments
from payments.money import format_pence, pence
from payments.registry import PaymentHandler, ReceiptDetails, Refused

from .models import Enrolment

PREFIX = "enrolment"


def reference(enrolment: Enrolment) -> str:
    return f"{PREFIX}:{enrolment.pk}"


def enrolment_pk(reference: str) -> int | None:
    prefix, _, number = reference.partition(":")
    if prefix != PREFIX or not (number.isascii() and number.isdigit()):
        return None
    return int(number)


def balance_due_on(enrolment: Enrolment) -> date:
    """The day the rest of the fee is due: COURSES_BALANCE_DUE_DAYS before the
    start (or the day of enrolling, for someone who enrols later than that)."""
    due = enrolment.course_date.starts_on - timedelta(
        days=settings.COURSES_BALANCE_DUE_DAYS
    )
    enrolled = timezone.localdate(enrolment.created_at) if enrolment.created_at else due
    return max(due, enrolled)


def refund_deadline(enrolment: Enrolment) -> date:
    """The last day a student can cancel and get the refund the course promises."""
    course = enrolment.course_date.course
    return enrolment.course_date.starts_on - timedelta(days=course.refund_days_before)


@dataclass(frozen=True)
class Account:
    """An enrolment's money, in pence."""

    price: int
    deposit: int
    paid: int  # held now: paid in, less refunds

    @property
    def deposit_left(self) -> int:
        return max(self.deposit - self.paid, 0)

    @property
    def balance_left(self) -> int:
        return max(self.price - self.paid, 0)

    @property
    def paid_in_full(self) -> bool:
        return self.balance_left == 0

    @property
    def label(self) -> str:
        """'Paid', 'Deposit paid', 'Deposit due' or 'Nothing paid'."""
        if self.paid_in_full:
            return "Paid"
        if self.deposit_left == 0:
            return "Deposit paid"
        if self.paid:
            return f"{format_pence(self.paid)} paid"
        return "Deposit due" if self.deposit else "Nothing paid"


def account(enrolment: Enrolment, *, paid: int | None = None) -> Account:
    return Account(
        price=pence(enrolment.price),
        deposit=pence(enrolment.deposit),
        paid=payments.net_paid_pence(reference(enrolment)) if paid is None else paid,
    )


def with_paid(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """Annotate `paid_pence`, what the ledger holds for each enrolment, inside the
    same query (lists stay at a fixed number of queries)."""
    return enrolments.annotate(
        paid_pence=payments.net_paid_subquery(
            Concat(Value(f"{PREFIX}:"), Cast(OuterRef("pk"), CharField()))
        )
    )


def accounts(enrolments) -> dict[int, Account]:
    """The accounts of enrolments loaded through with_paid()."""
    return {e.pk: account(e, paid=e.paid_pence) for e in enrolments}


@dataclass(frozen=True)
class Due:
    purpose: str  # "deposit" or "balance"
    amount: int  # pence
    label: str  # the button: "Pay the deposit (£300)"
    hold_until: datetime


def payment_due(enrolment: Enrolment, *, now: datetime | None = None) -> Due | None:
    """What the student can pay online now, or None: the deposit while a
    reservation holds the place, then the balance until the course starts."""
    now = now or timezone.now()
    money = account(enrolment)
    course_date = enrolment.course_date
    if enrolment.status == Enrolment.Status.RESERVED:
        if enrolment.reserved_until <= now or not money.deposit_left:
            return None
        return Due(
            "deposit",
            money.deposit_left,
            f"Pay the deposit ({format_pence(money.deposit_left)})",
            enrolment.reserved_until,
        )
    if enrolment.status == Enrolment.Status.CONFIRMED:
        if course_date.has_started(timezone.localdate(now)) or not money.balance_left:
            return None
        return Due(
            "balance",
            money.balance_left,
            f"Pay the balance ({format_pence(money.balance_left)})",
            course_date.starts_at,
        )
    return None


def refund_on_cancel(
    enrolment: Enrolment, *, reason: str, now: datetime | None = None
) -> int:
    """Pence to refund when `enrolment` is cancelled for `reason`, by the course's
    policy: staff and a cancelled date refund everything; a student cancelling
    by the refund deadline gets back what they paid, less the deposit unless the
    course refunds it too; after the deadline, nothing."""
    now = now or timezone.now()
    money = account(enrolment)
    if reason != Enrolment.CancelReason.STUDENT:
        return money.paid
    if timezone.localdate(now) > refund_deadline(enrolment):
        return 0
    if enrolment.course_date.course.deposit_refundable:
        return money.paid
    return max(money.paid - money.deposit, 0)


def policy_text(course, *, deposit) -> str:
    """The course's refund policy in one sentence, for pages and emails."""
    days = course.refund_days_before
    kept = (
        "everything you paid"
        if course.deposit_refundable
        else f"what you paid except the {format_pence(pence(deposit))} deposit"
    )
    return (
        f"Cancel at least {days} days before the course starts and we refund {kept}. "
        "Later than that we cannot refund. If we cancel a date, we refund everything."
    )


class EnrolmentPayments(PaymentHandler):
    """Payments calls this for references `enrolment:<id>` (registered in
    CoursesConfig.ready)."""

    def lock(self, reference: str) -> None:
        from . import services

        pk = enrolment_pk(reference)
        if pk is not None:
            services.lock_for_payments(enrolment_pk=pk)

    def payment_received(self, entry, *, now: datetime) -> Refused | None:
        from . import services

        pk = enrolment_pk(entry.reference)
        if pk is None:
            return None
        return services.take_payment(enrolment_pk=pk, now=now)

    def receipt(self, reference: str) -> ReceiptDetails | None:
        pk = enrolment_pk(reference)
        enrolment = (
            Enrolment.objects.select_related("course_date__course")
            .filter(pk=pk)
            .first()
            if pk
            else None
        )
        if enrolment is None:
            return None
        course_date = enrolment.course_date
        return ReceiptDetails(
            title=f"{course_date.course.title} ({enrolment.reference})",
            provider_name=settings.SITE_NAME,
            provider_details=[settings.CONTACT_EMAIL, settings.CONTACT_PHONE],
            lines=[
                ("Student", enrolment.full_name),
                (
                    "Course dates",
                    f"{format_day(course_date.starts_on)} to "
                    f"{format_day(course_date.ends_on)}",
                ),
                ("Venue", course_date.venue_display),
                ("Course fee", format_pence(pence(enrolment.price))),
            ],
            customer_name=enrolment.full_name,
            back_url=enrolment.get_absolute_url(),
            back_label="Back to your enrolment",
        )
