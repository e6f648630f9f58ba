from django.contrib.auth.management import create_permissions
from django.db import migrations, models


def editors_manage_the_library(apps, schema_editor):
    """Editors manage the blog, now with the video library and the videos each
    article shows (blog.PostVideo)."""
    blog = apps.get_app_config("blog")
    blog.models_module = True
    create_permissions(blog, apps=apps, verbosity=0)
    blog.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(*Permission.objects.filter(content_type__app_label="blog"))


class Migration(migrations.Migration):
    dependencies = [("blog", "0006_video_library_data")]

    operations = [
        migrations.RemoveField(model_name="video", name="post"),
        migrations.RemoveField(model_name="video", name="position"),
        migrations.AlterField(
            model_name="video",
            name="slug",
            field=models.SlugField(max_length=150, unique=True),
        ),
        migrations.RunPython(editors_manage_the_library, migrations.RunPython.noop),
    ]
