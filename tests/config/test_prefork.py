"""gunicorn's master does once what each worker would do on its first request."""

import gc
from unittest import mock

from django.template import engines
from django.urls import clear_url_caches, get_resolver

from config import prefork


def test_warm_up_compiles_the_site_templates_and_builds_the_url_tables():
    engine = engines["django"].engine
    cached = engine.template_loaders[0]
    cached.reset()
    clear_url_caches()
    assert not get_resolver()._populated

    compiled = prefork.warm_up()

    assert compiled > 50
    names = {key.split(":")[0] for key in cached.get_template_cache}
    assert {"base.html", "directory/search.html", "robots.txt"} <= names
    assert get_resolver()._populated


def test_freeze_moves_the_master_objects_out_of_the_collector():
    with mock.patch.object(gc, "freeze") as freeze:
        prefork.freeze()
    freeze.assert_called_once_with()
