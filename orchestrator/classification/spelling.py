"""Single-slip misspellings of the words the classifier knows, put right before matching.

People typing tickets drop a letter ("panl", "siged") or swap two ("ugprade", "apporved"). A
fixed table cannot list every slip, so a word that is neither known nor English (pyspellchecker's
dictionary) is corrected when exactly one known word is that word with one letter dropped or two
neighbouring letters swapped. Real words are never touched ("odor" is not "door", "fees" not
"feces"), and substitutions are left alone: they turn words into other words ("tower" → "power")
far more often than they repair a slip. Known words are every literal word of four letters or
more in the lexicon's patterns, plus a few this module names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from spellchecker import SpellChecker

from orchestrator.classification.lexicon import CONCEPTS

__all__ = ["correct_slips", "known_words"]

_WORD = re.compile(r"[a-z]{4,}")
_TOKEN = re.compile(r"[a-z]+")
_EXTRA = (
    "approved", "proposal", "signed", "install", "installation", "upgrade", "replace",
    "furnace", "panel", "estimate", "quote", "navien", "noritz", "rinnai", "takagi", "trane",
    "customer", "water", "heater", "tankless", "charger", "outlet", "breaker",
)  # fmt: skip
_MIN_LENGTH = 4
"""Shorter words are left as written: too many real words lie one slip apart."""
_SHORTHAND = frozenset({"cust", "didn", "doesn", "isn", "wasn", "hvac", "asap", "appt"})
"""Shorthand and clipped contractions that are not slips."""


def _literal_words(pattern: str) -> Iterable[str]:
    # Drop optional single letters ("odou?r") and escapes before reading the words.
    plain = re.sub(r"\\[a-zA-Z]|\w\?|\[[^\]]*\]|\(\?[:!=<]+", " ", pattern)
    return _WORD.findall(plain)


@cache
def known_words() -> frozenset[str]:
    """Every word the lexicon matches literally, with this module's additions."""
    words = {w for patterns in CONCEPTS.values() for p in patterns for w in _literal_words(p)}
    return frozenset(words | set(_EXTRA))


@cache
def _slips() -> dict[str, str | None]:
    """Slip → the one known word it comes from (None when several do)."""
    out: dict[str, str | None] = {}
    known = known_words()

    def add(slip: str, word: str) -> None:
        if slip in known or len(slip) < _MIN_LENGTH:
            return
        if slip in out and out[slip] != word:
            out[slip] = None  # ambiguous: leave it as written
        else:
            out[slip] = word

    for word in known:
        for i in range(len(word)):
            add(word[:i] + word[i + 1 :], word)
        for i in range(len(word) - 1):
            if word[i] != word[i + 1]:
                add(word[:i] + word[i + 1] + word[i] + word[i + 2 :], word)
    return out


@cache
def _english() -> SpellChecker:
    return SpellChecker(distance=1)


def correct_slips(text: str) -> str:
    """`text` (normalised, lower case) with every unambiguous single slip corrected."""
    slips = _slips()
    english = _english()

    def fix(match: re.Match[str]) -> str:
        token = match.group(0)
        fixed = slips.get(token)
        if fixed is None or token in _SHORTHAND or token in english:
            return token
        return fixed

    return _TOKEN.sub(fix, text)
