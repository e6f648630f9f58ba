"""Demo accounts with known passwords, for local development only."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress

from .models import User


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    full_name: str
    is_staff: bool = False


DEMO_ACCOUNTS = [
    DemoAccount(
        role="staff",
        email="staff@demo.example",
        password="demo-staff-pass",
        full_name="Sam Staff",
        is_staff=True,
    ),
    DemoAccount(
        role="client",
        email="client@demo.example",
        password="demo-client-pass",
        full_name="Chris Client",
    ),
]


def seed(stdout) -> None:
    created = seed_accounts()
    for account in DEMO_ACCOUNTS:
        state = "created" if account.email in created else "already there"
        stdout.write(f"  {account.role:<8} {account.email} ({state})")


def seed_accounts() -> set[str]:
    """Create missing demo accounts; leave existing ones exactly as they are."""
    created = set()
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email__iexact=account.email).first()
        if user is None:
            user = User(
                email=account.email,
                full_name=account.full_name,
                is_staff=account.is_staff,
                is_superuser=account.is_staff,
            )
            user.set_password(account.password)
            user.save()
            created.add(account.email)
        EmailAddress.objects.get_or_create(
            user=user,
            email=account.email,
            defaults={"verified": True, "primary": True},
        )
    return created
