"""Key names: what Textual calls each key (the string in ``events.Key.key``), the one vocabulary shared by the key
encoder (mux.session.keys: key name -> bytes for the child) and the bindings (mux.config: the user's key-name
syntax, normalised to these names, and key help).

Owns: the modifiers a binding may name and their order (MODIFIERS) and spellings (MODIFIER_ALIASES); the named
keys a binding may use (NAMED_KEYS); how Textual names a typed character (``char_name``: itself if alphanumeric,
else its Unicode name in snake case with CHAR_NAME_REPLACEMENTS applied) and back (``name_to_char``,
NAME_TO_CHAR for printable ASCII); the other spellings a user may write for a key (NAME_ALIASES) or Textual may
report for one (EVENT_ALIASES, ``event_key``); the friendliest spelling of a name (``display_key``).

Invariants: pure tables and functions, no Textual import (tests check CHAR_NAME_REPLACEMENTS against
textual.keys.KEY_NAME_REPLACEMENTS and NAMED_KEYS against Textual's key names); ``name_to_char(char_name(c)) ==
c`` for every printable character with a name; nothing here raises for any string but ``char_name`` (ValueError
for a character without a Unicode name).
"""

from __future__ import annotations

import itertools
import unicodedata
from functools import lru_cache
from typing import Final

__all__ = [
    "CHAR_NAME_REPLACEMENTS", "EVENT_ALIASES", "MODIFIERS", "MODIFIER_ALIASES", "NAMED_KEYS", "NAME_ALIASES",
    "NAME_TO_CHAR", "char_name", "display_key", "event_key", "name_to_char",
]

MODIFIERS: Final = ("alt", "ctrl", "shift")      # the ones a binding may use, in the order Textual writes them
MODIFIER_ALIASES: Final = {"control": "ctrl"}

# Keys Textual names (textual.keys.Keys, and what its kitty-protocol parser reports), modifiers stripped.
NAMED_KEYS: Final = frozenset({
    "escape", "enter", "tab", "backspace", "insert", "delete", "home", "end", "pageup", "pagedown",
    "up", "down", "left", "right", *(f"f{n}" for n in range(1, 25)),
})

# Unicode names (snake case) Textual replaces by friendlier ones (textual.keys.KEY_NAME_REPLACEMENTS; tested equal).
CHAR_NAME_REPLACEMENTS: Final = {
    "solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at", "hyphen_minus": "minus",
    "plus_sign": "plus", "low_line": "underscore",
}
# Other names a user may write for a key -> Textual's name.
NAME_ALIASES: Final = {"esc": "escape", "return": "enter", **CHAR_NAME_REPLACEMENTS}
# Keys Textual reports in two spellings -> the one bindings use (NUL: legacy and kitty spellings).
EVENT_ALIASES: Final = {"ctrl+@": "ctrl+space", "ctrl+at": "ctrl+space"}


def char_name(ch: str) -> str:
    """Textual's name for a typed character: itself if alphanumeric, else its Unicode name in snake case.
    ValueError if the character has no Unicode name."""
    if ch.isalnum():
        return ch
    name = unicodedata.name(ch).lower().replace("-", "_").replace(" ", "_")
    return CHAR_NAME_REPLACEMENTS.get(name, name)


# Textual's names for the printable ASCII punctuation and space, and back.
NAME_TO_CHAR: Final = {char_name(chr(c)): chr(c) for c in range(0x20, 0x7F) if not chr(c).isalnum()}


@lru_cache(maxsize=1024)
def name_to_char(name: str) -> str | None:
    """The printable character Textual names ``name`` (its own name if it is one character), or None."""
    if len(name) == 1:
        return name
    if name in NAME_TO_CHAR:
        return NAME_TO_CHAR[name]
    words = name.split("_")
    if not all(words) or len(words) > 8:
        return None
    # Textual turned both " " and "-" of the Unicode name into "_": try each way back.
    for separators in itertools.product(" -", repeat=len(words) - 1):
        candidate = words[0] + "".join(sep + word for sep, word in zip(separators, words[1:], strict=True))
        try:
            char = unicodedata.lookup(candidate.upper())
        except KeyError:
            continue
        return char if char.isprintable() else None
    return None


def event_key(key: str) -> str:
    """A key as Textual reported it -> the canonical spelling bindings use (only NUL has two spellings)."""
    return EVENT_ALIASES.get(key, key)


def display_key(key: str) -> str:
    """A canonical key in the friendliest form that normalises back to it: `%` for `percent_sign`."""
    if "+" not in key and key in NAME_TO_CHAR and key != "space":
        return NAME_TO_CHAR[key]
    return key
