"""Copy every uploaded file out of, or back into, the site's media storage.

    python scripts/media.py export DIR   # storage -> DIR (for scripts/backup.sh)
    python scripts/media.py import DIR   # DIR -> storage (for scripts/restore.sh)

It goes through Django's default storage, so the same command reads and writes a
local MEDIA_ROOT or an S3 bucket, whichever the settings name. Prints one line per
100 files and a total.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def walk(storage, folder: str = ""):
    directories, files = storage.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for directory in sorted(directories):
        yield from walk(storage, f"{folder}/{directory}" if folder else directory)


def export(storage, target: Path) -> int:
    count = 0
    try:
        names = list(walk(storage))
    except FileNotFoundError:  # no upload yet: the media folder does not exist
        names = []
    for name in names:
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(name, "rb") as source, destination.open("wb") as copy:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                copy.write(chunk)
        count += 1
        if count % 100 == 0:
            print(f"  {count} files ...", flush=True)
    return count


def import_(storage, source: Path) -> int:
    from django.core.files import File

    count = 0
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        name = path.relative_to(source).as_posix()
        if storage.exists(name):
            storage.delete(name)
        with path.open("rb") as handle:
            saved = storage.save(name, File(handle))
        if saved != name:
            raise SystemExit(f"{name} was stored as {saved}; stopping.")
        count += 1
        if count % 100 == 0:
            print(f"  {count} files ...", flush=True)
    return count


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in {"export", "import"}:
        print(__doc__, file=sys.stderr)
        return 2
    import django

    django.setup()
    from django.core.files.storage import storages

    storage = storages["default"]
    kind = type(storage).__name__

    folder = Path(argv[2])
    if argv[1] == "export":
        folder.mkdir(parents=True, exist_ok=True)
        count = export(storage, folder)
        print(f"Media: {count} files copied out of {kind}.")
    else:
        count = import_(storage, folder)
        print(f"Media: {count} files copied into {kind}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
