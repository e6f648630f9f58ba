"""Build the renditions (core/images.py) of images stored before renditions
existed, or of all of them again with --all. Each app with stored images says
which in its `renditions.py` (found through core.registry)."""

from django.core.management.base import BaseCommand

from core import images
from core.registry import project_modules


class Command(BaseCommand):
    help = (
        "Make the WebP and JPEG renditions and the OpenGraph image of stored "
        "images that have none (with --all: of every image)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Rebuild every image's renditions."
        )

    def handle(self, *args, **options):
        built = failed = 0
        for module in project_modules("renditions"):
            rows = list(module.stored(everything=options["all"]))
            total = len(rows)
            self.stdout.write(f"{module.LABEL}: {total} to process.")
            for index, (pk, name) in enumerate(rows, start=1):
                try:
                    stored = images.rebuild(name)
                except Exception as error:  # a missing or unreadable file: go on
                    failed += 1
                    self.stderr.write(f"  {module.LABEL} {pk}: {type(error).__name__}")
                    continue
                module.record(pk, stored)
                built += 1
                if index % 25 == 0 or index == total:
                    self.stdout.write(f"  {index}/{total}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Renditions built for {built} image(s); {failed} failed."
            )
        )
