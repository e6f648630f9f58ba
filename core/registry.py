"""The project's apps and the modules by which they take part in site-wide jobs.

An app joins a job by having a module of an agreed name; whoever runs the job
finds them here instead of keeping a list of apps:

- `demo.py` with `seed(stdout)`: the demo data (`manage.py seed_demo`, users)
- `privacy.py` with `export`, `can_erase`, `erase`: a person's data download and
  account deletion (users/privacy.py says what each does)
- `sitemaps.py` with `sections`, a dict of Sitemap classes: /sitemap.xml (config)

Modules come in the order of settings.PROJECT_APPS, which is therefore the order
the jobs run in.
"""

from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.conf import settings


def project_modules(name: str) -> list[ModuleType]:
    """The `<app>.<name>` module of each installed app in PROJECT_APPS that has one,
    in that order."""
    modules = []
    for label in settings.PROJECT_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue  # not installed in these settings
        module_name = f"{config.name}.{name}"
        try:
            modules.append(import_module(module_name))
        except ModuleNotFoundError as error:
            if error.name != module_name:  # the module exists; an import in it fails
                raise
    return modules
