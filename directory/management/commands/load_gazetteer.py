from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory import gazetteer


class Command(BaseCommand):
    help = (
        "Load the gazetteer. Without a file: every UK place shipped with the "
        "project (GeoNames), the islands, the postcode areas and the demo's outward "
        "codes. With a file: the ONS Postcode Directory, OS Code-Point Open, the ONS "
        "Index of Place Names, OS Open Names, a postcode list or this project's "
        "layout, recognised by its header. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path)
        parser.add_argument(
            "--encoding",
            default="utf-8-sig",
            help="the file's text encoding (default UTF-8, with or without BOM)",
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=None,
            help="rows written and committed at a time (default 20,000)",
        )

    def handle(self, *args, path: Path | None, encoding: str, batch, **options):
        verbosity = options["verbosity"]
        if path is None:
            summary = gazetteer.load_builtin()
        else:
            if not path.is_file():
                raise CommandError(f"No file at {path}.")
            if batch is not None and batch < 1:
                raise CommandError("--batch must be at least 1.")
            try:
                "".encode(encoding)
            except LookupError:
                raise CommandError(f"Unknown encoding “{encoding}”.") from None
            bar = self._progress_bar(path) if verbosity >= 1 else None
            try:
                summary = gazetteer.load(
                    path,
                    encoding=encoding,
                    batch=batch,
                    progress=bar.update_to if bar else None,
                )
            except gazetteer.GazetteerError as error:
                raise CommandError(f"{path}: {error}") from error
            finally:
                if bar is not None:
                    bar.close()
        if verbosity >= 1:
            first, *rest = summary.lines()
            self.stdout.write(self.style.SUCCESS(first))
            for line in rest:
                self.stdout.write(line)

    def _progress_bar(self, path: Path):
        from tqdm import tqdm

        class Bar(tqdm):
            def update_to(self, done: int, total: int) -> None:
                self.total = total
                self.update(done - self.n)

        return Bar(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=path.name[:30],
            file=self.stderr._out,
            dynamic_ncols=True,
        )
