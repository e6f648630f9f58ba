"""Reviews in a person's data download, and what deleting the account does.

See `users.privacy` for how these are called. Reviews stay on the site after the
account is deleted, shown as "A client" without a name (runs after bookings, which
has already anonymised the bookings themselves).
"""

from bookings.models import ERASED_CLIENT_EMAIL
from users.models import User
from users.privacy import isoformat

from .models import Invitation, OptOut, Review


def export(user: User) -> dict:
    reviews = Review.objects.filter(author=user).select_related("practitioner")
    data = {
        "reviews_written": [
            {
                "practitioner": review.practitioner.display_name,
                "appointment_month": review.appointment_on.strftime("%B %Y"),
                "stars": review.rating,
                "text": review.text,
                "shown_as": review.shown_name,
                "status": review.get_status_display(),
                "written": isoformat(review.created_at),
                "practitioner_reply": review.reply or None,
            }
            for review in reviews
        ]
    }
    if OptOut.objects.filter(email=user.email.lower()).exists():
        data["review_invitations"] = "You asked us never to invite you to review."
    return data


def erase(user: User) -> None:
    Review.objects.filter(author=user).update(author=None, author_name="")
    # Their bookings are anonymised now: no invitation key of theirs stays usable.
    Invitation.objects.filter(booking__client_email=ERASED_CLIENT_EMAIL).delete()
