from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from blog.services import render_stale_markdown


class Command(BaseCommand):
    help = (
        "Render again the stored HTML of blog posts and disclaimers made by another "
        "version of the Markdown renderer or for another SITE_URL host. seed_demo "
        "and the migrate service run it; running it twice changes nothing."
    )

    def handle(self, *args, **options) -> None:
        count = render_stale_markdown()
        self.stdout.write(
            ngettext(
                "Rendered %(count)d stored text again.",
                "Rendered %(count)d stored texts again.",
                count,
            )
            % {"count": count}
        )
