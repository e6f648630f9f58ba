"""Parts of the directory's pages rendered once per process for what they show:
the result cards (search and town pages) and the search form.

Nothing here is a page cache: every search still runs its queries, and only the
HTML of a part whose inputs were seen before is reused. Each part is a pure
function of a hashable record of its inputs, and that record is the key, so the
cache needs no invalidation (a changed input is another key) and a stale part
cannot be shown.

A card is a pure function of a `Card`, a small frozen record of everything it
shows (name, headline, photo, rating, town, distance, price, home visits, the next
free time as worded now, the technique badges). The rendered HTML is kept in a
per-process LRU keyed by that record itself, so the cache needs no invalidation:
a profile edit, a new price, a review, a technique, a photo, a new next free time
or a renamed technique is a different record, hence a different key, and the card
is rendered again. Nothing a card shows may be read in the template other than
from the record (the template gets `card` and nothing else).

The key also holds the URL prefix (`get_script_prefix`) and the active language;
stored file URLs depend on settings, so a settings change in tests empties it.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from django.core.signals import setting_changed
from django.db.models.fields.files import FieldFile
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from core.lru import LockedLRU

from .models import Practitioner, Technique
from .templatetags.directory import next_free_label

# Cards kept per process: a page shows twelve; a few thousand cards are a few
# megabytes.
CACHED_CARDS = 4096
# Search forms kept per process (each about 6 kB): one per distinct set of filters.
CACHED_FORMS = 512


@dataclass(frozen=True, slots=True)
class Badge:
    slug: str
    name: str
    verified: bool


@dataclass(frozen=True, slots=True)
class Card:
    """Everything a result card shows, and all its template reads."""

    slug: str
    display_name: str
    headline: str
    photo: str
    photo_width: int | None
    photo_height: int | None
    rating_average: Decimal | None
    rating_count: int
    town: str
    distance: float | None
    price_from: Decimal | None
    home_visits: bool
    home_visit_miles: int | None
    next_free: str  # as worded now ("Today, 14:30"), empty when none
    offers_online_booking: bool
    badges: tuple[Badge, ...]
    # Not shown, but the links and words depend on them.
    script_prefix: str = "/"
    language: str = ""


def badges(
    practitioner: Practitioner, by_id: dict[int, Technique]
) -> list[tuple[Technique, bool]]:
    """A card's techniques, verified ones first, then by name, from the row's own
    `technique_ids` and `verified_ids`."""
    verified = set(practitioner.verified_ids or [])
    return sorted(
        (
            (by_id[pk], pk in verified)
            for pk in set(practitioner.technique_ids or []) | verified
            if pk in by_id
        ),
        key=lambda pair: (not pair[1], pair[0].name),
    )


def card_of(
    practitioner: Practitioner,
    technique_badges,
    *,
    script_prefix: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> Card:
    """The record of a search row (see `search._for_display`); the URL prefix,
    language and moment default to the current ones."""
    # The stored name, without making the field's file object for it.
    photo = practitioner.__dict__.get("photo")
    if isinstance(photo, FieldFile):
        photo = photo.name
    return Card(
        slug=practitioner.slug,
        display_name=practitioner.display_name,
        headline=practitioner.headline,
        photo=photo or "",
        photo_width=practitioner.photo_width,
        photo_height=practitioner.photo_height,
        rating_average=practitioner.rating_average,
        rating_count=practitioner.rating_count,
        town=getattr(practitioner, "town", "") or "",
        distance=getattr(practitioner, "distance", None),
        price_from=practitioner.price_from,
        home_visits=practitioner.home_visits,
        home_visit_miles=practitioner.home_visit_miles,
        next_free=next_free_label(practitioner, now),
        offers_online_booking=practitioner.offers_online_booking,
        badges=tuple(
            Badge(technique.slug, technique.name, verified)
            for technique, verified in technique_badges
        ),
        script_prefix=get_script_prefix() if script_prefix is None else script_prefix,
        language=(get_language() or "") if language is None else language,
    )


@lru_cache(maxsize=CACHED_CARDS)
def render(card: Card) -> SafeString:
    """The card's HTML (templates/directory/_result_card.html)."""
    return get_template("directory/_result_card.html").render({"card": card})


def add_cards(page, techniques: list[Technique]) -> None:
    """Give each practitioner of a page its badges (`technique_badges`) and its
    card's HTML (`card_html`)."""
    by_id = {t.pk: t for t in techniques}
    prefix, language = get_script_prefix(), get_language() or ""
    now = timezone.now()
    for practitioner in page:
        practitioner.technique_badges = badges(practitioner, by_id)
        card = card_of(
            practitioner,
            practitioner.technique_badges,
            script_prefix=prefix,
            language=language,
            now=now,
        )
        practitioner.card_html = render(card)


# Rendered search forms: lru_cache needs the inputs as arguments, and the form is
# rendered from the objects the key was made of.
_forms = LockedLRU(CACHED_FORMS)


def _form_key(form, criteria, ticked: set[str], unknown_place: str) -> tuple:
    """Everything the search form's HTML depends on: what was sent, the errors it
    gave, every field's choices, the criteria it shows as chosen (the radius may
    have been widened), the boxes ticked, whether the place was unknown."""
    data = form.data
    return (
        form.is_bound,
        tuple((name, tuple(data.getlist(name))) for name in form.fields)
        if form.is_bound
        else (),
        tuple((name, tuple(errors)) for name, errors in form.errors.items()),
        tuple(
            (name, tuple(field.choices))
            for name, field in form.fields.items()
            if hasattr(field, "choices")
        ),
        criteria.radius,
        criteria.gender,
        criteria.language,
        criteria.sort,
        criteria.home_visits,
        criteria.online,
        criteria.free_within_days,
        tuple(sorted(ticked)),
        bool(unknown_place),
        get_script_prefix(),
        get_language() or "",
    )


def search_form_html(
    form, criteria, ticked: set[str], unknown_place: str
) -> SafeString:
    """The search form (the `search_form` partial of directory/search.html)."""
    key = _form_key(form, criteria, ticked, unknown_place)
    return _forms.get_or_make(
        key,
        lambda: get_template("directory/search.html#search_form").render(
            {
                "form": form,
                "criteria": criteria,
                "ticked_techniques": ticked,
                "unknown_place": unknown_place,
            }
        ),
    )


def _settings_changed(**kwargs) -> None:
    # Stored file URLs (the photo) and links follow the settings.
    render.cache_clear()
    _forms.clear()


setting_changed.connect(_settings_changed, dispatch_uid="directory.cards")
