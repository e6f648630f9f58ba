"""The gazetteer a fresh `make run` loads: real places all over the UK resolve in
search, typed as people type them."""

import pytest
from django.core.management import call_command
from django.db.models.functions import Lower

from directory import geo
from directory.gazetteer import builtin
from directory.models import Place

# Cities, towns, villages and islands of the four nations, as people type them.
PLACES = {
    # England
    "Salisbury": "Salisbury",
    "Carlisle": "Carlisle",
    "Manchester": "Manchester",
    "Brighton": "Brighton",
    "Penzance": "Penzance",
    "Hugh Town": "Hugh Town",  # Isles of Scilly
    "Isles of Scilly": "Isles of Scilly",
    "Isle of Wight": "Isle of Wight",
    "Ryde": "Ryde",
    "Whitby": "Whitby",
    "Berwick-upon-Tweed": "Berwick-Upon-Tweed",
    "stratford upon avon": "Stratford-upon-Avon",
    "Bishop's Stortford": "Bishops Stortford",
    "bishops stortford": "Bishops Stortford",
    "St Ives": "Saint Ives",
    "Saint Albans": "St Albans",
    "Hull": "Kingston upon Hull",
    "Glastonbury": "Glastonbury",
    "Ambleside": "Ambleside",
    "Hexham": "Hexham",
    "Totnes": "Totnes",
    "Ludlow": "Ludlow",
    "Southwold": "Southwold",
    "Isle of Sheppey": "Isle of Sheppey",
    # Scotland
    "Inverness": "Inverness",
    "Inbhir Nis": "Inverness",
    "Edinburgh": "Edinburgh",
    "Glasgow": "Glasgow",
    "Aberdeen": "Aberdeen",
    "Fort William": "Fort William",
    "Portree": "Portree",
    "Skye": "Isle of Skye",
    "Kirkwall": "Kirkwall",
    "Orkney": "Orkney",
    "Lerwick": "Lerwick",
    "Stornoway": "Stornoway",
    "Steòrnabhagh": "Stornoway",
    "Tobermory": "Tobermory",
    "Oban": "Oban",
    "Pitlochry": "Pitlochry",
    "St Andrews": "Saint Andrews",
    "Brodick": "Brodick",
    # Wales
    "Cardiff": "Cardiff",
    "Caerdydd": "Cardiff",
    "Swansea": "Swansea",
    "Aberystwyth": "Aberystwyth",
    "Betws-y-Coed": "Betws-y-Coed",
    "betws y coed": "Betws-y-Coed",
    "Ynys Môn": "Anglesey",
    "Ynys Mon": "Anglesey",
    "Holyhead": "Holyhead",
    "Llangefni": "Llangefni",
    "Tenby": "Tenby",
    "Brecon": "Brecon",
    "Machynlleth": "Machynlleth",
    "Newport, Wales": "Newport",
    # Northern Ireland
    "Belfast": "Belfast",
    "Derry": "Derry",
    "Londonderry": "Derry",
    "Enniskillen": "Enniskillen",
    "Newry": "Newry",
    "Armagh": "Armagh",
    "Portrush": "Portrush",
    "Ballycastle": "Ballycastle",
    "Omagh": "Omagh",
}


@pytest.fixture(scope="module")
def uk_gazetteer(django_db_setup, django_db_blocker):
    """The gazetteer as `make run` loads it, once for this module."""
    with django_db_blocker.unblock():
        call_command("load_gazetteer", verbosity=0)
        yield
        Place.objects.all().delete()


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uk_gazetteer")]


@pytest.mark.parametrize("typed, name", PLACES.items())
def test_real_places_across_the_uk_resolve(typed, name):
    found = geo.resolve(typed)
    assert found is not None, typed
    assert found.name == name
    assert 49.8 < found.latitude < 60.9 and -8.2 < found.longitude < 1.8


def test_there_are_more_than_fifty_of_them_in_all_four_nations():
    assert len(PLACES) >= 50
    nations = {geo.resolve(typed).name: None for typed in PLACES}
    assert len(nations) >= 50
    counts = {
        nation: Place.objects.filter(kind="town", nation=nation).count()
        for nation in Place.Nation.values
    }
    assert counts["England"] > 4000 and counts["Scotland"] > 500
    assert counts["Wales"] > 400 and counts["Northern Ireland"] > 100


def test_only_the_uk_is_loaded_not_the_sovereign_base_areas_on_cyprus():
    assert not Place.objects.filter(name__in=["Akrotiri", "Dhekelia"]).exists()
    assert not Place.objects.filter(latitude__lt=49).exists()


def test_every_postcode_area_resolves_without_a_postcode_file():
    areas = builtin.postcode_areas()
    assert len(areas) == 121
    for area in areas:
        found = geo.resolve(area["area"])
        assert found is not None and found.name.startswith(area["area"]), area
    assert geo.resolve("BN").name == "BN (Brighton)"
    assert geo.resolve("ZE").name == "ZE (Shetland)"


def test_a_postcode_without_a_postcode_file_falls_back_to_its_area():
    found = geo.resolve("IV2 3AB")
    assert found.approximate and found.name == "IV2 3AB"
    inverness = geo.resolve("Inverness")
    assert (found.latitude, found.longitude) == (
        inverness.latitude,
        inverness.longitude,
    )
    assert geo.resolve("IV99").approximate


def test_a_shared_name_picks_the_most_populous_and_offers_the_others():
    newport = geo.resolve("Newport")
    assert newport.label == "Wales"
    shown = [name for name, _ in newport.alternatives]
    assert "Newport, Isle of Wight" in shown
    assert "Newport, near Telford" in shown
    for name, typed in newport.alternatives:
        again = geo.resolve(typed)
        assert (again.name, again.label) == ("Newport", name.split(", ", 1)[1])


@pytest.mark.parametrize(
    "typed, latitude",
    [
        ("Newport, Isle of Wight", 50.70),
        ("newport (isle of wight)", 50.70),
        ("Newport, near Telford", 52.77),
        ("Newport, Telford", 52.77),
        ("NEWPORT, CYMRU", 51.59),
        ("Newport, UK", 51.59),
        ("Newport, Narnia", 51.59),
    ],
)
def test_a_qualifier_after_the_name_picks_the_place(typed, latitude):
    assert geo.resolve(typed).latitude == pytest.approx(latitude, abs=0.02)


def test_typos_get_suggestions_from_the_full_gazetteer():
    assert geo.suggestions("Manchster")[0] == "Manchester"
    assert geo.suggestions("Invernes")[0] == "Inverness"
    assert "Aberystwyth" in geo.suggestions("Aberystwith")


def test_the_suggestion_query_reads_the_trigram_index():
    from django.db import connection

    # With six thousand places a scan is as quick; with a postcode file loaded
    # (millions of rows) only the index is. Check the index can answer it.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    query = (
        Place.objects.exclude(kind="postcode")
        .annotate(folded=Lower("key"))
        .filter(folded__trigram_similar="manchster")
    )
    assert "place_key_trgm" in query.explain()
    # Exact lookups of a name read the plain index, never the trigram one.
    exact = Place.objects.filter(kind="town", key__in=["BATH", "BRIGHTON"])
    assert "place_key_trgm" not in exact.explain()


def test_town_pages_have_unique_addresses():
    assert Place.objects.get(ref__startswith="geonames:", key="BRIGHTON").slug == (
        "brighton"
    )
    assert geo.resolve("Newport, Isle of Wight").slug == "newport-isle-of-wight"
    slugs = list(Place.objects.filter(kind="town").exclude(slug="").values_list("slug"))
    assert len(slugs) == len(set(slugs)) == Place.objects.filter(kind="town").count()


def test_loading_again_changes_nothing():
    from directory import gazetteer

    again = gazetteer.load_builtin()
    assert again.written == 0
