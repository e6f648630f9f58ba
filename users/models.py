from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower

from core.validators import validate_single_line


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        if not extra["is_staff"] or not extra["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser.")
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=email)


class User(AbstractUser):
    """A person with an account. Signs in with their email address."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(
        "full name",
        max_length=150,
        blank=True,
        validators=[validate_single_line],
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.email])[0]

    @property
    def practitioner_profile(self):
        """Their practitioner profile, or None (the menus ask). Asking a template
        for `user.practitioner` of someone without one raised, and the template
        engine then listed every attribute of the user to tell why (about 0.1 ms
        on every page of a signed-in client)."""
        return getattr(self, "practitioner", None)

    @property
    def role(self) -> str:
        """The broadest role this person has, for menus and greetings."""
        if self.is_staff:
            return "staff"
        return "client"


class Session(AbstractBaseSession):
    """A session, as Django's own `django_session` keeps it, with the id of the user
    it was saved for (`SESSION_ENGINE`, config/sessions.py).

    `user_id` lets one query read a signed-in session with its user (and their
    practitioner profile). It is a hint, never the authority: the user is the one
    the session's signed data names, and the hint is used only when it names the
    same id. So it is a plain column, not a foreign key: deleting an account
    leaves its sessions as they were (they read as nobody's).
    """

    user_id = models.BigIntegerField(null=True, blank=True)

    class Meta(AbstractBaseSession.Meta):
        db_table = "users_session"

    @classmethod
    def get_session_store_class(cls):
        return import_module(settings.SESSION_ENGINE).SessionStore
