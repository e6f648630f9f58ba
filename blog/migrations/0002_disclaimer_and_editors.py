from django.contrib.auth.management import create_permissions
from django.db import migrations

HEALTH_DISCLAIMER = """\
This article is general information, not medical advice. Massage therapy can
support your wellbeing but does not replace diagnosis or treatment by a doctor
or physiotherapist.

- See your GP before booking if you are pregnant, have a medical condition or an
  injury, or take medication such as blood thinners.
- Tell your practitioner about any health changes before each treatment.
- Seek urgent care for sudden, severe or unexplained pain, numbness or weakness.
"""


def add_default_disclaimer(apps, schema_editor):
    Disclaimer = apps.get_model("blog", "Disclaimer")
    if not Disclaimer.objects.filter(is_default=True).exists():
        Disclaimer.objects.create(
            title="Health disclaimer", body=HEALTH_DISCLAIMER, is_default=True
        )


def add_editors_group(apps, schema_editor):
    """Editors manage the blog in the admin and nothing else."""
    # Permissions are normally created after all migrations; create the blog's now.
    blog = apps.get_app_config("blog")
    blog.models_module = True
    create_permissions(blog, apps=apps, verbosity=0)
    blog.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(Permission.objects.filter(content_type__app_label="blog"))


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(add_default_disclaimer, migrations.RunPython.noop),
        migrations.RunPython(add_editors_group, migrations.RunPython.noop),
    ]
