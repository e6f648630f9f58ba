"""Certificate numbers: made at random, typed back in by people, so easy to check.

A number reads HT-2026-7KQ2-M9X4: the year of issue, seven random symbols from
Crockford's base 32 (digits and capitals without I, L, O and U, so nothing looks
like something else) and a check symbol (Luhn mod 32 over the year and the
symbols). Random, so numbers cannot be counted through to list our graduates;
checked, so a typing mistake is answered as one rather than as "unknown".
People may type it in lower case, with spaces, without the dashes or the prefix,
or with O for 0 and I or L for 1.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "HT"
RANDOM_SYMBOLS = 7
EXAMPLE = "HT-2026-7KQ2-M9X4"
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SHAPE = re.compile(rf"(?:{PREFIX})?(\d{{4}})([{ALPHABET}]{{{RANDOM_SYMBOLS + 1}}})")


class NumberProblem(ValueError):
    """What is wrong with a number someone typed, in a sentence for them."""


def _luhn_sum(symbols: str, *, double_first: bool) -> int:
    total, double = 0, double_first
    for symbol in reversed(symbols):
        value = ALPHABET.index(symbol) * (2 if double else 1)
        total += value // 32 + value % 32
        double = not double
    return total


def check_symbol(symbols: str) -> str:
    """The symbol that makes `symbols` + it pass the check."""
    return ALPHABET[-_luhn_sum(symbols, double_first=True) % 32]


def _passes(symbols: str) -> bool:
    return _luhn_sum(symbols, double_first=False) % 32 == 0


def new_number(year: int) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    body += check_symbol(f"{year:04d}{body}")
    return f"{PREFIX}-{year:04d}-{body[:4]}-{body[4:]}"


def normalise(text: str) -> str:
    """The number as we print it, from what someone typed; NumberProblem if it
    cannot be one of ours."""
    squeezed = re.sub(r"[\s\-–—_./]+", "", (text or "").upper())
    if not squeezed:
        raise NumberProblem("Enter the certificate number printed on the certificate.")
    if squeezed.startswith(PREFIX):
        squeezed = squeezed[len(PREFIX) :]
    match = _SHAPE.fullmatch(squeezed.translate(_LOOK_ALIKES))
    if match is None:
        raise NumberProblem(
            f"That is not a certificate number: ours look like {EXAMPLE} (the "
            "letters HT, the year, then eight letters and digits)."
        )
    year, body = match.groups()
    if not _passes(year + body):
        raise NumberProblem(
            "That number has a typing mistake in it: please check each character "
            "against the certificate."
        )
    return f"{PREFIX}-{year}-{body[:4]}-{body[4:]}"
