from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory import gazetteer


class Command(BaseCommand):
    help = (
        "Load towns, outward codes and postcodes into the gazetteer from a CSV file "
        "(default: the small file shipped with the project). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, default=gazetteer.BUNDLED)

    def handle(self, *args, path: Path, **options) -> None:
        if not path.exists():
            raise CommandError(f"No file at {path}.")
        try:
            count = gazetteer.load(path)
        except gazetteer.GazetteerError as error:
            raise CommandError(f"{path}: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Loaded {count} places from {path}."))
