from functools import cache

from django.http import HttpRequest

from directory.models import Practitioner


def practitioner_menu(request: HttpRequest) -> dict:
    """`booking_practitioner`: the signed-in user's practitioner, or None.

    Looked up only when a template asks (the account menu), at most once.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def booking_practitioner() -> Practitioner | None:
        return Practitioner.objects.filter(user=user).only("pk", "slug").first()

    return {"booking_practitioner": booking_practitioner}
