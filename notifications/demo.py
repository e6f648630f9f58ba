"""Demo content: one example email in the outbox, so `make run` shows the pipeline
(the worker prints it to .local/log/worker.log; staff see it in the admin)."""

from django.conf import settings

from . import outbox

DEMO_DEDUP_KEY = "demo:welcome"


def seed(stdout) -> None:
    email = outbox.enqueue(
        to="client@demo.example",
        subject="Welcome to Holistic Touch",
        template="message",
        context={
            "greeting": "Hello Chris,",
            "paragraphs": [
                "This is the demo site's example email. It went through the "
                "outbox: written to the database with the demo data, then "
                "delivered by the Celery worker.",
                "Find a practitioner near you, or browse our training courses.",
            ],
            "action_url": settings.SITE_URL,
            "action_label": "Visit the site",
        },
        dedup_key=DEMO_DEDUP_KEY,
        kind="demo.welcome",
    )
    state = "queued" if email else "already queued"
    stdout.write(f"  example email to client@demo.example ({state})")
