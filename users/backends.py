from allauth.account.auth_backends import AuthenticationBackend
from django.apps import apps

from .models import User


class Backend(AuthenticationBackend):
    """allauth's email login; loading the signed-in user also loads their profile.

    Every page's menu asks whether the person has a practitioner profile; joining
    it here answers that without a query of its own.
    """

    def get_user(self, user_id):
        users = User._default_manager.all()
        if apps.is_installed("directory"):
            users = users.select_related("practitioner")
        try:
            user = users.get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
