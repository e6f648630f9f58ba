from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.registry import project_modules


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
        # Each app with demo content has `<app>/demo.py` with `seed(stdout)`, run in
        # PROJECT_APPS order: later apps build on earlier ones (practitioners
        # before bookings).
        for module in project_modules("demo"):
            module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
