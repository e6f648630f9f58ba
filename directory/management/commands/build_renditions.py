"""Build the renditions (core/images.py) of practitioners' photos stored before
renditions existed, or all of them again with --all."""

from django.core.management.base import BaseCommand

from core import images
from directory.models import Practitioner


class Command(BaseCommand):
    help = (
        "Make the WebP and JPEG renditions and the OpenGraph image of stored "
        "practitioner photos that have none (with --all: of every photo)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Rebuild every photo's renditions."
        )

    def handle(self, *args, **options):
        photos = Practitioner.objects.exclude(photo="").order_by("pk")
        if not options["all"]:
            photos = photos.filter(photo_width__isnull=True)
        total = photos.count()
        self.stdout.write(f"{total} photo(s) to process.")
        built = failed = 0
        for index, (pk, name) in enumerate(
            photos.values_list("pk", "photo").iterator(), start=1
        ):
            try:
                stored = images.rebuild(name)
            except Exception as error:  # a missing or unreadable file: report, go on
                failed += 1
                self.stderr.write(f"  practitioner {pk}: {type(error).__name__}")
                continue
            Practitioner.objects.filter(pk=pk).update(
                photo_width=stored.width, photo_height=stored.height
            )
            built += 1
            if index % 25 == 0 or index == total:
                self.stdout.write(f"  {index}/{total}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Renditions built for {built} photo(s); {failed} failed."
            )
        )
