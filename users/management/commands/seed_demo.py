from django.core.management.base import BaseCommand
from django.db import transaction

from users.demo import DEMO_ACCOUNTS, seed_accounts


class Command(BaseCommand):
    help = "Create the demo accounts (and demo content). Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        created = seed_accounts()
        for account in DEMO_ACCOUNTS:
            state = "created" if account.email in created else "already there"
            self.stdout.write(f"  {account.role:<8} {account.email} ({state})")
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
