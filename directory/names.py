"""Place names as people type them, folded to one key.

"St Ives", "Saint Ives" and "st. ives" are one place; so are "Ynys Môn" and
"Ynys Mon", "Bishop's Stortford" and "Bishops Stortford", "Stratford-upon-Avon"
and "Stratford upon Avon". The gazetteer stores every name folded this way
(Place.key, Place.alt_keys) and the search folds what was typed the same way, so
one indexed equality finds the place.
"""

import re
import unicodedata

# Apostrophes as keyboards and word processors write them: dropped, not spaced.
APOSTROPHES = str.maketrans("", "", "'’‘`´ʼ")
# Abbreviations people write either way.
WORDS = {"ST": "SAINT", "STE": "SAINTE", "MT": "MOUNT"}
NATIONS = {
    "ENGLAND": "England",
    "SCOTLAND": "Scotland",
    "ALBA": "Scotland",
    "WALES": "Wales",
    "CYMRU": "Wales",
    "NORTHERN IRELAND": "Northern Ireland",
    "N IRELAND": "Northern Ireland",
    "NI": "Northern Ireland",
}
# Qualifiers that narrow nothing inside the UK.
WHOLE_COUNTRY = {"UK", "GB", "UNITED KINGDOM", "GREAT BRITAIN", "BRITAIN"}


def strip_accents(text: str) -> str:
    """Môn to Mon, Steòrnabhagh to Steornabhagh (letters without a plain form,
    such as ł, are kept)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def place_key(text: str) -> str:
    """The folded form of a place name: upper-case letters and digits, single
    spaces, no accents or apostrophes, St/Mt spelled out."""
    text = strip_accents(text).upper().translate(APOSTROPHES).replace("&", " AND ")
    words = re.sub(r"[^\w]+|_", " ", text).split()
    return " ".join(WORDS.get(word, word) for word in words)


def split_qualifier(text: str) -> tuple[str, str]:
    """("Newport", "Isle of Wight") from "Newport, Isle of Wight" or
    "Newport (Isle of Wight)"; ("Newport", "") from "Newport"."""
    text = " ".join(text.split())
    if match := re.fullmatch(r"(.+?)\s*\((.+)\)", text):
        return match.group(1).strip(), match.group(2).strip()
    name, comma, qualifier = text.rpartition(",")
    if comma and name.strip() and qualifier.strip():
        return name.strip(" ,"), qualifier.strip()
    return text.strip(" ,"), ""


def nation(qualifier_key: str) -> str | None:
    """The nation a folded qualifier names (Wales for "CYMRU"), or None."""
    return NATIONS.get(qualifier_key)
