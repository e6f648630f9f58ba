from django.db import migrations

TECHNIQUES = [
    (
        "Holistic massage",
        "holistic-massage",
        "A whole-body massage adapted to how you feel on the day, to relax and restore.",
    ),
    (
        "Deep tissue",
        "deep-tissue",
        "Slow, firm pressure that works into deeper layers of muscle and fascia.",
    ),
    (
        "Trigger point therapy",
        "trigger-point-therapy",
        "Sustained pressure on tight knots that refer pain elsewhere in the body.",
    ),
    (
        "Hot stone",
        "hot-stone",
        "Heated basalt stones glide over the muscles to warm and release them.",
    ),
    (
        "Myofascial release",
        "myofascial-release",
        "Gentle sustained stretches of the connective tissue that wraps the muscles.",
    ),
    (
        "Sports massage",
        "sports-massage",
        "Treatment for active people: recovery, flexibility and injury prevention.",
    ),
    (
        "Pregnancy massage",
        "pregnancy-massage",
        "Safe, supported positions and techniques for the second and third trimesters.",
    ),
    (
        "Swedish massage",
        "swedish-massage",
        "Classic flowing strokes, kneading and circular movements to relax the body.",
    ),
    (
        "Indian head massage",
        "indian-head-massage",
        "Seated massage of the upper back, shoulders, neck, scalp and face.",
    ),
    (
        "Reflexology",
        "reflexology",
        "Pressure on points of the feet or hands that map to the rest of the body.",
    ),
]


def add_techniques(apps, schema_editor):
    Technique = apps.get_model("directory", "Technique")
    for name, slug, description in TECHNIQUES:
        Technique.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(add_techniques, migrations.RunPython.noop)]
