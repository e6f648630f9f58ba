from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Each app that has demo content provides `<app>/demo.py` with `seed(stdout)`.
# Order matters: later apps build on earlier ones (practitioners before bookings).
DEMO_APPS = ["users", "directory", "notifications", "bookings", "courses", "blog"]


class Command(BaseCommand):
    help = (
        "Create the demo accounts and demo content. Running it again changes nothing."
    )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError(
                "The demo data has accounts with published passwords (a superuser "
                "among them), so it is off in production settings. Set "
                "DJANGO_ALLOW_DEMO_DATA=1 to load it on a site nobody else can reach."
            )
        for label in DEMO_APPS:
            if not apps.is_installed(label):
                continue
            try:
                module = import_module(f"{label}.demo")
            except ModuleNotFoundError:
                continue
            module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
