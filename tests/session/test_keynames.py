"""The one key-name table: the encoder (mux.session.keys) and the bindings (mux.config) read the same names."""

from __future__ import annotations

import pytest

from mux.config import normalize_key
from mux.session.keynames import NAME_TO_CHAR, NAMED_KEYS, char_name, display_key, name_to_char
from mux.session.keys import KEY_TABLE, KeyKind, encode_key

PRINTABLE_ASCII = [chr(c) for c in range(0x20, 0x7F)]


@pytest.mark.parametrize("ch", PRINTABLE_ASCII + ["€", "«", "é", "日"])
def test_a_character_bound_by_its_name_is_the_character_the_encoder_sends(ch):
    """A binding's key name and the encoder's reading of it agree: what `normalize_key` makes of a typed character
    is the name the encoder turns back into that very character."""
    name = normalize_key(ch)
    base = name.rpartition("+")[2]
    assert name_to_char(base) == ch
    assert normalize_key(name) == name                  # the name a binding file gets back reads again
    assert encode_key(name, None) == ch.encode()


@pytest.mark.parametrize("ch", [c for c in PRINTABLE_ASCII if not c.isalnum()])
def test_punctuation_names_round_trip_and_display_as_the_character(ch):
    assert NAME_TO_CHAR[char_name(ch)] == ch
    if ch != " ":
        assert display_key(char_name(ch)) == ch
        assert normalize_key(display_key(char_name(ch))) == char_name(ch)


def test_every_bindable_named_key_is_one_the_encoder_sends_something_for():
    for name in NAMED_KEYS:
        assert name in KEY_TABLE and KEY_TABLE[name].kind is not KeyKind.NONE, name
