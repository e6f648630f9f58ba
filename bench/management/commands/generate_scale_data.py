from django.core.management.base import BaseCommand, CommandError

from bench import scale


class Command(BaseCommand):
    help = (
        "Fill the benchmark database (BENCH_DATABASE_URL, name ending in _bench) with "
        "10,000 practitioners, 100,000 bookings, 200 posts, 50 course dates and a "
        "full-size gazetteer (every UK place and 1.7 million postcodes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=scale.DEFAULT_SEED)
        defaults = scale.Sizes()
        for name in ["practitioners", "bookings", "posts", "course_dates", "postcodes"]:
            parser.add_argument(
                f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name)
            )

    def handle(self, *args, **options) -> None:
        sizes = scale.Sizes(
            practitioners=options["practitioners"],
            bookings=options["bookings"],
            posts=options["posts"],
            course_dates=options["course_dates"],
            postcodes=options["postcodes"],
        )
        try:
            timings = scale.generate(
                seed=options["seed"], sizes=sizes, log=self.stdout.write
            )
        except scale.NotABenchDatabase as error:
            raise CommandError(str(error)) from error
        total = sum(timings.values())
        self.stdout.write(self.style.SUCCESS(f"Scale data ready in {total:.0f} s."))
