"""Tests for mux.session.keys: every KEY_TABLE row, modifier classes, text keys, round trips through Textual's own
input parser (so our key names are Textual's), paste, every mouse tracking mode x encoding, focus."""

from __future__ import annotations

import string

import pytest
from textual import constants, events
from textual._xterm_parser import XTermParser

from mux.session.keys import KEY_TABLE, encode_focus, encode_key, encode_mouse, encode_paste

ESC = b"\x1b"
CSI = b"\x1b["
SS3 = b"\x1bO"

# --------------------------------------------------------------------------- the table, row by row

# name: (default, with DECCKM, with DECKPAM) -- written out by hand from xterm's ctlseqs, not from the table.
TABLE_EXPECTED: dict[str, tuple[bytes | None, bytes | None, bytes | None]] = {
    "enter": (b"\r", b"\r", b"\r"),
    "tab": (b"\t", b"\t", b"\t"),
    "backspace": (b"\x7f", b"\x7f", b"\x7f"),
    "escape": (b"\x1b", b"\x1b", b"\x1b"),
    "up": (b"\x1b[A", b"\x1bOA", b"\x1b[A"),
    "down": (b"\x1b[B", b"\x1bOB", b"\x1b[B"),
    "right": (b"\x1b[C", b"\x1bOC", b"\x1b[C"),
    "left": (b"\x1b[D", b"\x1bOD", b"\x1b[D"),
    "kp_begin": (b"\x1b[E", b"\x1bOE", b"\x1b[E"),
    "end": (b"\x1b[F", b"\x1bOF", b"\x1b[F"),
    "home": (b"\x1b[H", b"\x1bOH", b"\x1b[H"),
    "insert": (b"\x1b[2~", b"\x1b[2~", b"\x1b[2~"),
    "delete": (b"\x1b[3~", b"\x1b[3~", b"\x1b[3~"),
    "pageup": (b"\x1b[5~", b"\x1b[5~", b"\x1b[5~"),
    "pagedown": (b"\x1b[6~", b"\x1b[6~", b"\x1b[6~"),
    "f1": (b"\x1bOP", b"\x1bOP", b"\x1bOP"),
    "f2": (b"\x1bOQ", b"\x1bOQ", b"\x1bOQ"),
    "f3": (b"\x1bOR", b"\x1bOR", b"\x1bOR"),
    "f4": (b"\x1bOS", b"\x1bOS", b"\x1bOS"),
    "f5": (b"\x1b[15~", b"\x1b[15~", b"\x1b[15~"),
    "f6": (b"\x1b[17~", b"\x1b[17~", b"\x1b[17~"),
    "f7": (b"\x1b[18~", b"\x1b[18~", b"\x1b[18~"),
    "f8": (b"\x1b[19~", b"\x1b[19~", b"\x1b[19~"),
    "f9": (b"\x1b[20~", b"\x1b[20~", b"\x1b[20~"),
    "f10": (b"\x1b[21~", b"\x1b[21~", b"\x1b[21~"),
    "f11": (b"\x1b[23~", b"\x1b[23~", b"\x1b[23~"),
    "f12": (b"\x1b[24~", b"\x1b[24~", b"\x1b[24~"),
    "f13": (b"\x1b[1;2P", b"\x1b[1;2P", b"\x1b[1;2P"),
    "f14": (b"\x1b[1;2Q", b"\x1b[1;2Q", b"\x1b[1;2Q"),
    "f15": (b"\x1b[1;2R", b"\x1b[1;2R", b"\x1b[1;2R"),
    "f16": (b"\x1b[1;2S", b"\x1b[1;2S", b"\x1b[1;2S"),
    "f17": (b"\x1b[15;2~", b"\x1b[15;2~", b"\x1b[15;2~"),
    "f18": (b"\x1b[17;2~", b"\x1b[17;2~", b"\x1b[17;2~"),
    "f19": (b"\x1b[18;2~", b"\x1b[18;2~", b"\x1b[18;2~"),
    "f20": (b"\x1b[19;2~", b"\x1b[19;2~", b"\x1b[19;2~"),
    "f21": (b"\x1b[20;2~", b"\x1b[20;2~", b"\x1b[20;2~"),
    "f22": (b"\x1b[21;2~", b"\x1b[21;2~", b"\x1b[21;2~"),
    "f23": (b"\x1b[23;2~", b"\x1b[23;2~", b"\x1b[23;2~"),
    "f24": (b"\x1b[24;2~", b"\x1b[24;2~", b"\x1b[24;2~"),
    "multiply": (b"*", b"*", b"\x1bOj"),
    "add": (b"+", b"+", b"\x1bOk"),
    "separator": (b",", b",", b"\x1bOl"),
    "subtract": (b"-", b"-", b"\x1bOm"),
    "decimal": (b".", b".", b"\x1bOn"),
    "divide": (b"/", b"/", b"\x1bOo"),
    "equal": (b"=", b"=", b"\x1bOX"),
}
UNENCODABLE = [
    "shift", "ctrl", "alt", "meta", "super", "hyper",
    "left_shift", "left_control", "left_alt", "left_super", "left_hyper", "left_meta",
    "right_shift", "right_control", "right_alt", "right_super", "right_hyper", "right_meta",
    "iso_level3_shift", "iso_level5_shift", "caps_lock", "scroll_lock", "num_lock", "print_screen", "pause", "menu",
    "media_play", "media_pause", "media_play_pause", "media_reverse", "media_stop", "media_fast_forward",
    "media_rewind", "media_track_next", "media_track_previous", "media_record", "lower_volume", "raise_volume",
    "mute_volume", *[f"f{n}" for n in range(25, 36)],
]  # fmt: skip
TABLE_EXPECTED.update({name: (None, None, None) for name in UNENCODABLE})


def test_every_table_row_has_an_expectation() -> None:
    assert set(TABLE_EXPECTED) == set(KEY_TABLE)


@pytest.mark.parametrize("name", sorted(TABLE_EXPECTED))
def test_table_row(name: str) -> None:
    default, decckm, deckpam = TABLE_EXPECTED[name]
    assert encode_key(name, None) == default
    assert encode_key(name, None, cursor_keys_application=True) == decckm
    assert encode_key(name, None, keypad_application=True) == deckpam


def test_every_textual_functional_key_is_in_the_table_or_is_text() -> None:
    from textual._keyboard_protocol import FUNCTIONAL_KEYS

    for name in FUNCTIONAL_KEYS.values():
        assert name in KEY_TABLE or len(name) == 1, name


# --------------------------------------------------------------------------- modifiers on named keys

# Modifier name sets and xterm's parameter m = 1 + shift + 2*alt + 4*ctrl (Textual's "meta" counts as alt).
MODIFIER_CLASSES = [
    ("shift", 2),
    ("alt", 3),
    ("meta", 3),
    ("alt+shift", 4),
    ("ctrl", 5),
    ("ctrl+shift", 6),
    ("alt+ctrl", 7),
    ("alt+ctrl+shift", 8),
]
# name: (CSI form parameter before ";m", final) for every key taking the modifier parameter.
CSI_FORMS = {
    "up": (b"1", b"A"), "down": (b"1", b"B"), "right": (b"1", b"C"), "left": (b"1", b"D"), "kp_begin": (b"1", b"E"),
    "end": (b"1", b"F"), "home": (b"1", b"H"), "f1": (b"1", b"P"), "f2": (b"1", b"Q"), "f3": (b"1", b"R"),
    "f4": (b"1", b"S"), "insert": (b"2", b"~"), "delete": (b"3", b"~"), "pageup": (b"5", b"~"),
    "pagedown": (b"6", b"~"), "f5": (b"15", b"~"), "f6": (b"17", b"~"), "f7": (b"18", b"~"), "f8": (b"19", b"~"),
    "f9": (b"20", b"~"), "f10": (b"21", b"~"), "f11": (b"23", b"~"), "f12": (b"24", b"~"),
}  # fmt: skip


@pytest.mark.parametrize("modifiers,m", MODIFIER_CLASSES)
@pytest.mark.parametrize("name", sorted(CSI_FORMS))
def test_modifier_parameter(name: str, modifiers: str, m: int) -> None:
    number, final = CSI_FORMS[name]
    expected = CSI + number + b";%d" % m + final
    assert encode_key(f"{modifiers}+{name}", None) == expected
    # DECCKM only changes unmodified keys.
    assert encode_key(f"{modifiers}+{name}", None, cursor_keys_application=True) == expected


@pytest.mark.parametrize("modifiers,m", MODIFIER_CLASSES)
def test_modifiers_on_f13_to_f24_add_to_the_implied_shift(modifiers: str, m: int) -> None:
    with_shift = ((m - 1) | 1) + 1  # F13-F24 are xterm's shift+F1-F12: shift is always in the parameter
    assert encode_key(f"{modifiers}+f13", None) == b"\x1b[1;%dP" % with_shift
    assert encode_key(f"{modifiers}+f24", None) == b"\x1b[24;%d~" % with_shift


def test_modifier_spot_checks() -> None:
    assert encode_key("ctrl+delete", None) == b"\x1b[3;5~"
    assert encode_key("shift+f5", None) == b"\x1b[15;2~"
    assert encode_key("ctrl+up", None) == b"\x1b[1;5A"
    assert encode_key("ctrl+f1", None) == b"\x1b[1;5P"
    assert encode_key("ctrl+f13", None) == b"\x1b[1;6P"
    assert encode_key("shift+up", None, cursor_keys_application=True) == b"\x1b[1;2A"


def test_modifier_order_does_not_matter() -> None:
    assert encode_key("shift+ctrl+up", None) == encode_key("ctrl+shift+up", None) == b"\x1b[1;6A"
    assert encode_key("shift+alt+a", None) == encode_key("alt+shift+a", None) == b"\x1bA"


@pytest.mark.parametrize("modifier", ["super", "hyper"])
@pytest.mark.parametrize("name", ["up", "a", "enter", "f5", "shift+tab"])
def test_super_and_hyper_cannot_be_encoded(modifier: str, name: str) -> None:
    assert encode_key(f"{modifier}+{name}", None) is None
    assert encode_key(f"ctrl+{modifier}+{name}", None) is None


@pytest.mark.parametrize(
    "key,expected",
    [
        ("shift+enter", b"\r"),
        ("ctrl+enter", b"\r"),
        ("alt+enter", b"\x1b\r"),
        ("ctrl+tab", b"\t"),
        ("alt+tab", b"\x1b\t"),
        ("shift+tab", b"\x1b[Z"),
        ("ctrl+shift+tab", b"\x1b[Z"),
        ("alt+shift+tab", b"\x1b\x1b[Z"),
        ("shift+backspace", b"\x7f"),
        ("ctrl+backspace", b"\x08"),
        ("alt+backspace", b"\x1b\x7f"),
        ("alt+ctrl+backspace", b"\x1b\x08"),
        ("alt+escape", b"\x1b\x1b"),
        ("shift+escape", b"\x1b"),
        ("meta+enter", b"\x1b\r"),
    ],
)
def test_modifiers_on_plain_keys(key: str, expected: bytes) -> None:
    assert encode_key(key, None) == expected


@pytest.mark.parametrize(
    "key,expected,deckpam",
    [("alt+divide", b"\x1b/", b"\x1b\x1bOo"), ("ctrl+add", b"+", b"\x1bOk"), ("shift+subtract", b"-", b"\x1bOm")],
)
def test_modifiers_on_keypad_keys(key: str, expected: bytes, deckpam: bytes) -> None:
    assert encode_key(key, None) == expected
    assert encode_key(key, None, keypad_application=True) == deckpam


# --------------------------------------------------------------------------- text keys


@pytest.mark.parametrize("char", [*string.ascii_letters, *string.digits, *string.punctuation, " ", "é", "日", "🙂"])
def test_printable_characters_are_their_utf8(char: str) -> None:
    assert encode_key(char, char) == char.encode()


def test_character_wins_over_the_name_for_text() -> None:
    assert encode_key("exclamation_mark", "!") == b"!"
    assert encode_key("shift+space", " ") == b" "
    assert encode_key("A", "A") == b"A"
    assert encode_key("a", None) == b"a"  # Textual fills character from a one-letter key; do the same
    assert encode_key("euro_sign", None) == "€".encode()


@pytest.mark.parametrize("letter", string.ascii_lowercase)
def test_ctrl_letters(letter: str) -> None:
    c0 = bytes([ord(letter) - ord("a") + 1])
    assert encode_key(f"ctrl+{letter}", None) == c0  # kitty protocol: no character
    assert encode_key(f"ctrl+{letter}", c0.decode()) == c0  # legacy: the C0 character
    assert encode_key(f"ctrl+shift+{letter}", None) == c0
    assert encode_key(f"alt+ctrl+{letter}", None) == ESC + c0
    assert encode_key(f"alt+{letter}", letter) == ESC + letter.encode()
    assert encode_key(f"alt+{letter}", None) == ESC + letter.encode()
    assert encode_key(f"shift+{letter}", None) == letter.upper().encode()
    assert encode_key(f"alt+shift+{letter}", letter.upper()) == ESC + letter.upper().encode()
    assert encode_key(f"alt+shift+{letter}", None) == ESC + letter.upper().encode()


@pytest.mark.parametrize(
    "key,expected",
    [
        ("ctrl+space", b"\x00"),
        ("ctrl+@", b"\x00"),
        ("ctrl+at", b"\x00"),
        ("ctrl+left_square_bracket", b"\x1b"),
        ("ctrl+[", b"\x1b"),
        ("ctrl+backslash", b"\x1c"),
        ("ctrl+\\", b"\x1c"),
        ("ctrl+right_square_bracket", b"\x1d"),
        ("ctrl+circumflex_accent", b"\x1e"),
        ("ctrl+^", b"\x1e"),
        ("ctrl+underscore", b"\x1f"),
        ("ctrl+_", b"\x1f"),
        ("ctrl+question_mark", b"\x7f"),
        ("ctrl+?", b"\x7f"),
        ("ctrl+slash", b"\x1f"),
        ("ctrl+grave_accent", b"\x00"),
        ("ctrl+2", b"\x00"),
        ("ctrl+3", b"\x1b"),
        ("ctrl+4", b"\x1c"),
        ("ctrl+5", b"\x1d"),
        ("ctrl+6", b"\x1e"),
        ("ctrl+7", b"\x1f"),
        ("ctrl+8", b"\x7f"),
        ("ctrl+1", b"1"),
        ("ctrl+9", b"9"),
        ("ctrl+0", b"0"),
        ("ctrl+semicolon", b";"),
        ("ctrl+é", "é".encode()),
        # kitty protocol names the unshifted key; the shifted symbol is taken from a US layout
        ("ctrl+shift+2", b"\x00"),
        ("ctrl+shift+6", b"\x1e"),
        ("ctrl+shift+minus", b"\x1f"),
        ("ctrl+shift+slash", b"\x7f"),
        ("alt+shift+1", b"\x1b!"),
        ("alt+shift+semicolon", b"\x1b:"),
        ("alt+ctrl+space", b"\x1b\x00"),
        ("alt+space", b"\x1b "),
        ("alt+é", "\x1bé".encode()),
        ("alt+left_pointing_double_angle_quotation_mark", "\x1b«".encode()),
        ("alt+plus", b"\x1b+"),
        ("alt++", b"\x1b+"),
        ("+", b"+"),
        ("meta+x", b"\x1bx"),
    ],
)
def test_text_keys_with_modifiers(key: str, expected: bytes) -> None:
    assert encode_key(key, None) == expected


@pytest.mark.parametrize(
    "key,character,expected",
    [
        ("backspace", "\x08", b"\x08"),  # legacy: Textual names 0x08 "backspace" too; the character tells
        ("backspace", "\x7f", b"\x7f"),
        ("enter", "\r", b"\r"),
        ("tab", "\t", b"\t"),
        ("escape", "\x1b", b"\x1b"),
        ("ctrl+@", "\x00", b"\x00"),
        ("ctrl+j", "\n", b"\n"),
        ("shift+escape", "\x9b", b"\x1b"),
        ("enter", "\n", b"\r"),  # a character that is not one of the row's own bytes is not trusted
    ],
)
def test_control_characters_from_legacy_input(key: str, character: str, expected: bytes) -> None:
    assert encode_key(key, character) == expected


@pytest.mark.parametrize(
    "key",
    ["", "<ignore>", "<scroll-up>", "no_such_key", "ctrl+", "a+", "foo+a", "ctrl+no_such_key", "ctrl+f99", "++",
     "ctrl+left_shift", "shift+caps_lock", "tab_character_that_does_not_exist_at_all_in_unicode_or_anywhere"],
)  # fmt: skip
def test_unencodable_keys(key: str) -> None:
    assert encode_key(key, None) is None


def test_lone_surrogates_do_not_raise() -> None:
    assert encode_key("\udcff", "\udcff") == b"?"
    assert encode_key("alt+\udcff", None) == b"\x1b?"
    assert encode_paste("a\udcffb", bracketed=False) == b"a?b"


# --------------------------------------------------------------------------- round trips through Textual's parser


def textual_keys(raw: bytes) -> list[events.Key]:
    """The key events Textual delivers for bytes the outer terminal sends."""
    parser = XTermParser()
    messages = [*parser.feed(raw.decode()), *parser.feed("")]  # "" is end of input: flushes a pending ESC
    return [message for message in messages if isinstance(message, events.Key)]


@pytest.fixture(params=["kitty", "legacy"])
def parser_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(constants, "DISABLE_KITTY_KEY", request.param == "legacy")
    return request.param


XTERM_INPUT = [
    b"\x1b[A", b"\x1b[B", b"\x1b[C", b"\x1b[D", b"\x1b[H", b"\x1b[F",
    b"\x1b[1;5A", b"\x1b[1;2B", b"\x1b[1;6C", b"\x1b[1;5D", b"\x1b[1;5H", b"\x1b[1;2F", b"\x1b[1;6H",
    b"\x1bOP", b"\x1bOQ", b"\x1bOR", b"\x1bOS", b"\x1b[1;5P", b"\x1b[1;2Q", b"\x1b[1;6S",
    b"\x1b[15~", b"\x1b[17~", b"\x1b[18~", b"\x1b[19~", b"\x1b[20~", b"\x1b[21~", b"\x1b[23~", b"\x1b[24~",
    b"\x1b[15;2~", b"\x1b[17;5~", b"\x1b[24;2~", b"\x1b[24;6~",
    b"\x1b[2~", b"\x1b[3~", b"\x1b[5~", b"\x1b[6~", b"\x1b[3;5~", b"\x1b[3;2~", b"\x1b[5;5~", b"\x1b[6;2~",
    b"\x1b[Z", b"\x7f", b"\x08", b"\r", b"\t", b"\x1b", b"\x00", b"\x1c", b"\x1d", b"\x1e", b"\x1f",
    *[bytes([c]) for c in range(0x01, 0x1B)],
    b"\x1bx", b"\x1bA", b"\x1bz",
    b"a", b"Z", b"5", b" ", b"~", b"!", "é".encode(), "日".encode(), "🙂".encode(),
]  # fmt: skip


@pytest.mark.parametrize("raw", XTERM_INPUT, ids=repr)
def test_round_trip_xterm_input(raw: bytes, parser_mode: str) -> None:
    keys = textual_keys(raw)
    assert len(keys) == 1, keys
    key = keys[0]
    assert encode_key(key.key, key.character) == raw, (key.key, key.character)


@pytest.mark.parametrize("raw", [b"\x1bOA", b"\x1bOB", b"\x1bOC", b"\x1bOD", b"\x1bOH", b"\x1bOF"], ids=repr)
def test_round_trip_application_cursor_keys(raw: bytes, parser_mode: str) -> None:
    (key,) = textual_keys(raw)
    assert encode_key(key.key, key.character, cursor_keys_application=True) == raw


@pytest.mark.parametrize("raw", [b"\x1b[1;3A", b"\x1b[1;7D", b"\x1b[1;8B", b"\x1b[2;3~", b"\x1b[3;3~"], ids=repr)
def test_round_trip_alt_on_named_keys(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(constants, "DISABLE_KITTY_KEY", False)
    (key,) = textual_keys(raw)
    assert encode_key(key.key, key.character) == raw


def test_legacy_parser_splits_alt_on_named_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the kitty parser Textual delivers alt+up as two events; encoded one by one they become ESC + up,
    # the form readline/emacs read as meta+up.
    monkeypatch.setattr(constants, "DISABLE_KITTY_KEY", True)
    keys = textual_keys(b"\x1b[1;3A")
    assert [key.key for key in keys] == ["escape", "up"]
    assert b"".join(encode_key(key.key, key.character) or b"" for key in keys) == b"\x1b\x1b[A"


# What a kitty-protocol terminal sends (flags 1|8|16, as Textual asks) -> what xterm would send the child.
KITTY_INPUT: list[tuple[bytes, dict[str, bool], bytes | None]] = [
    (b"\x1b[97u", {}, b"a"),
    (b"\x1b[97;;97u", {}, b"a"),
    (b"\x1b[97;2;65u", {}, b"A"),
    (b"\x1b[97;2u", {}, b"A"),
    (b"\x1b[97;5u", {}, b"\x01"),
    (b"\x1b[97;6u", {}, b"\x01"),
    (b"\x1b[97;3u", {}, b"\x1ba"),
    (b"\x1b[97;4u", {}, b"\x1bA"),
    (b"\x1b[97;7u", {}, b"\x1b\x01"),
    (b"\x1b[105;5u", {}, b"\t"),
    (b"\x1b[109;5u", {}, b"\r"),
    (b"\x1b[104;5u", {}, b"\x08"),
    (b"\x1b[32;;32u", {}, b" "),
    (b"\x1b[32;2;32u", {}, b" "),
    (b"\x1b[32;5u", {}, b"\x00"),
    (b"\x1b[13u", {}, b"\r"),
    (b"\x1b[13;2u", {}, b"\r"),
    (b"\x1b[13;3u", {}, b"\x1b\r"),
    (b"\x1b[13;5u", {}, b"\r"),
    (b"\x1b[9u", {}, b"\t"),
    (b"\x1b[9;2u", {}, b"\x1b[Z"),
    (b"\x1b[9;3u", {}, b"\x1b\t"),
    (b"\x1b[9;5u", {}, b"\t"),
    (b"\x1b[127u", {}, b"\x7f"),
    (b"\x1b[127;3u", {}, b"\x1b\x7f"),
    (b"\x1b[127;5u", {}, b"\x08"),
    (b"\x1b[27u", {}, b"\x1b"),
    (b"\x1b[27;3u", {}, b"\x1b\x1b"),
    (b"\x1b[50;5u", {}, b"\x00"),
    (b"\x1b[51;5u", {}, b"\x1b"),
    (b"\x1b[56;5u", {}, b"\x7f"),
    (b"\x1b[49;5u", {}, b"1"),
    (b"\x1b[50;6u", {}, b"\x00"),
    (b"\x1b[54;6u", {}, b"\x1e"),
    (b"\x1b[45;6u", {}, b"\x1f"),
    (b"\x1b[47;5u", {}, b"\x1f"),
    (b"\x1b[47;6u", {}, b"\x7f"),
    (b"\x1b[91;5u", {}, b"\x1b"),
    (b"\x1b[92;5u", {}, b"\x1c"),
    (b"\x1b[93;5u", {}, b"\x1d"),
    (b"\x1b[59;3u", {}, b"\x1b;"),
    (b"\x1b[233;3u", {}, "\x1bé".encode()),
    (b"\x1b[171;3u", {}, "\x1b«".encode()),
    (b"\x1b[1;33A", {}, b"\x1b[1;3A"),  # kitty's meta -> xterm's alt
    (b"\x1b[1;9A", {}, None),  # super
    (b"\x1b[97;9u", {}, None),
    (b"\x1b[1;17A", {}, None),  # hyper
    (b"\x1b[57441;2u", {}, None),  # left shift pressed alone
    (b"\x1b[57358u", {}, None),  # caps lock
    (b"\x1b[57363u", {}, None),  # menu
    (b"\x1b[57376u", {}, b"\x1b[1;2P"),  # F13
    (b"\x1b[E", {}, b"\x1b[E"),  # keypad 5 without NumLock
    (b"\x1b[1;2E", {}, b"\x1b[1;2E"),
    (b"\x1b[57410;;47u", {}, b"/"),  # keypad /
    (b"\x1b[57410;;47u", {"keypad_application": True}, b"\x1bOo"),
    (b"\x1b[57413;;43u", {"keypad_application": True}, b"\x1bOk"),
    (b"\x1b[57409;;46u", {"keypad_application": True}, b"\x1bOn"),
    # Textual names keypad digits and keypad Enter like the main keys: DECKPAM cannot apply to them.
    (b"\x1b[57399;;48u", {"keypad_application": True}, b"0"),
    (b"\x1b[57414u", {"keypad_application": True}, b"\r"),
]


@pytest.mark.parametrize("raw,modes,expected", KITTY_INPUT, ids=repr)
def test_kitty_protocol_input(
    raw: bytes, modes: dict[str, bool], expected: bytes | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(constants, "DISABLE_KITTY_KEY", False)
    keys = textual_keys(raw)
    assert len(keys) == 1, keys
    assert encode_key(keys[0].key, keys[0].character, **modes) == expected, (keys[0].key, keys[0].character)


@pytest.mark.parametrize("char", [*(chr(c) for c in range(0x20, 0x7F)), "€", "«", "é", "ß", "—"])
def test_textual_names_for_every_character_resolve(char: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # alt+<char> with no text makes Textual name the key by its Unicode-derived name; we must get the char back.
    monkeypatch.setattr(constants, "DISABLE_KITTY_KEY", False)
    (key,) = textual_keys(b"\x1b[%d;3u" % ord(char))
    assert key.character is None
    assert encode_key(key.key, key.character) == ESC + char.encode()


# --------------------------------------------------------------------------- paste


def test_paste_unbracketed() -> None:
    assert encode_paste("hello", bracketed=False) == b"hello"
    assert encode_paste("é日", bracketed=False) == "é日".encode()


def test_paste_bracketed() -> None:
    assert encode_paste("hello", bracketed=True) == b"\x1b[200~hello\x1b[201~"
    assert encode_paste("", bracketed=True) == b"\x1b[200~\x1b[201~"


@pytest.mark.parametrize("bracketed", [False, True])
def test_paste_line_endings_become_cr(bracketed: bool) -> None:
    data = encode_paste("a\r\nb\nc\rd\n\re\r\n", bracketed=bracketed)
    body = data.removeprefix(b"\x1b[200~").removesuffix(b"\x1b[201~") if bracketed else data
    assert body == b"a\rb\rc\rd\r\re\r"
    assert b"\n" not in data


@pytest.mark.parametrize("bracketed", [False, True])
@pytest.mark.parametrize(
    "text,expected",
    [
        ("a\x1b[201~b", b"ab"),
        ("\x1b[201~\x1b[201~", b""),
        ("x\x1b[20\x1b[201~1~y", b"xy"),  # removing one marker must not leave another behind
        ("x\x9b201~y", b"xy"),  # 8-bit CSI form
        ("keep \x1b[200~ and \x1b[A", b"keep \x1b[200~ and \x1b[A"),
    ],
)
def test_paste_end_marker_removed(text: str, expected: bytes, bracketed: bool) -> None:
    data = encode_paste(text, bracketed=bracketed)
    if bracketed:
        assert data == b"\x1b[200~" + expected + b"\x1b[201~"
        assert data.count(b"\x1b[201~") == 1
    else:
        assert data == expected


# --------------------------------------------------------------------------- mouse

TRACKINGS = [9, 1000, 1002, 1003]
ENCODINGS = ["sgr", "urxvt", "utf8", "x10"]


def report(encoding: str, code: int, col: int, row: int, release: bool = False) -> bytes:
    """An independent formatter for the four encodings (1-based col/row)."""
    if encoding == "sgr":
        return f"\x1b[<{code};{col};{row}{'m' if release else 'M'}".encode()
    if encoding == "urxvt":
        return f"\x1b[{code + 32};{col};{row}M".encode()
    if encoding == "utf8":
        return b"\x1b[M" + (chr(code + 32) + chr(col + 32) + chr(row + 32)).encode()
    return b"\x1b[M" + bytes([code + 32, col + 32, row + 32])


# (action, button, shift, meta, ctrl) -> {tracking: SGR button code, or None when that mode does not report it}
MOUSE_CASES = [
    ("press", 1, False, False, False, {9: 0, 1000: 0, 1002: 0, 1003: 0}),
    ("press", 2, False, False, False, {9: 1, 1000: 1, 1002: 1, 1003: 1}),
    ("press", 3, False, False, False, {9: 2, 1000: 2, 1002: 2, 1003: 2}),
    ("press", 0, False, False, False, {9: None, 1000: None, 1002: None, 1003: None}),
    ("press", 1, True, False, False, {9: None, 1000: 4, 1002: 4, 1003: 4}),
    ("press", 1, False, True, False, {9: None, 1000: 8, 1002: 8, 1003: 8}),
    ("press", 3, False, False, True, {9: None, 1000: 18, 1002: 18, 1003: 18}),
    ("press", 2, True, True, True, {9: None, 1000: 29, 1002: 29, 1003: 29}),
    ("release", 1, False, False, False, {9: None, 1000: 0, 1002: 0, 1003: 0}),
    ("release", 3, False, False, False, {9: None, 1000: 2, 1002: 2, 1003: 2}),
    ("release", 2, False, False, True, {9: None, 1000: 17, 1002: 17, 1003: 17}),
    ("move", 1, False, False, False, {9: None, 1000: None, 1002: 32, 1003: 32}),
    ("move", 3, False, False, False, {9: None, 1000: None, 1002: 34, 1003: 34}),
    ("move", 0, False, False, False, {9: None, 1000: None, 1002: None, 1003: 35}),
    ("move", 0, True, False, True, {9: None, 1000: None, 1002: None, 1003: 55}),
    ("scroll_up", 0, False, False, False, {9: 64, 1000: 64, 1002: 64, 1003: 64}),
    ("scroll_down", 0, False, False, False, {9: 65, 1000: 65, 1002: 65, 1003: 65}),
    ("scroll_left", 0, False, False, False, {9: 66, 1000: 66, 1002: 66, 1003: 66}),
    ("scroll_right", 0, False, False, False, {9: 67, 1000: 67, 1002: 67, 1003: 67}),
    ("scroll_up", 0, False, False, True, {9: None, 1000: 80, 1002: 80, 1003: 80}),
    ("scroll_down", 0, True, True, False, {9: None, 1000: 77, 1002: 77, 1003: 77}),
]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("tracking", TRACKINGS)
@pytest.mark.parametrize("action,button,shift,meta,ctrl,codes", MOUSE_CASES)
def test_mouse_matrix(
    action: str, button: int, shift: bool, meta: bool, ctrl: bool, codes: dict[int, int | None], tracking: int,
    encoding: str,
) -> None:  # fmt: skip
    data = encode_mouse(action, button, 4, 9, shift=shift, meta=meta, ctrl=ctrl, tracking=tracking, encoding=encoding)
    code = codes[tracking]
    if code is None:
        assert data is None
        return
    release = action == "release"
    if release and encoding != "sgr":
        code = 3 | (code & ~3)  # legacy encodings say "a button was released", not which one
    assert data == report(encoding, code, 5, 10, release)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_mouse_without_tracking_sends_nothing(encoding: str) -> None:
    for action in ["press", "release", "move", "scroll_up", "scroll_down", "scroll_left", "scroll_right"]:
        assert encode_mouse(action, 1, 0, 0, tracking=None, encoding=encoding) is None


def test_mouse_literal_reports() -> None:
    assert encode_mouse("press", 1, 0, 0, tracking=1000, encoding="sgr") == b"\x1b[<0;1;1M"
    assert encode_mouse("release", 1, 0, 0, tracking=1000, encoding="sgr") == b"\x1b[<0;1;1m"
    assert encode_mouse("press", 3, 9, 19, tracking=1000, encoding="urxvt") == b"\x1b[34;10;20M"
    assert encode_mouse("press", 1, 0, 0, tracking=1000, encoding="x10") == b"\x1b[M !!"
    assert encode_mouse("release", 1, 0, 0, tracking=1000, encoding="x10") == b"\x1b[M#!!"
    assert encode_mouse("scroll_up", 0, 2, 3, tracking=1000, encoding="x10") == b"\x1b[M`#$"
    assert encode_mouse("press", 1, 300, 0, tracking=1000, encoding="utf8") == b"\x1b[M " + "ō".encode() + b"!"


def test_mouse_x10_coordinate_limit() -> None:
    # One byte carries value + 32 <= 255: the last column/row is 223 (1-based), 222 here.
    assert encode_mouse("press", 1, 222, 222, tracking=1000, encoding="x10") == b"\x1b[M \xff\xff"
    assert encode_mouse("press", 1, 223, 0, tracking=1000, encoding="x10") is None
    assert encode_mouse("press", 1, 0, 223, tracking=1000, encoding="x10") is None
    # utf8 (1005) goes to 2015; sgr and urxvt have no limit.
    assert encode_mouse("press", 1, 2014, 0, tracking=1000, encoding="utf8") == b"\x1b[M " + chr(2047).encode() + b"!"
    assert encode_mouse("press", 1, 2015, 0, tracking=1000, encoding="utf8") is None
    assert encode_mouse("press", 1, 5000, 7000, tracking=1000, encoding="sgr") == b"\x1b[<0;5001;7001M"
    assert encode_mouse("press", 1, 5000, 7000, tracking=1000, encoding="urxvt") == b"\x1b[32;5001;7001M"


def test_mouse_negative_coordinates_clamp_to_the_pane() -> None:
    assert encode_mouse("release", 1, -5, -1, tracking=1002, encoding="sgr") == b"\x1b[<0;1;1m"


def test_mouse_bad_arguments() -> None:
    with pytest.raises(ValueError):
        encode_mouse("click", 1, 0, 0, tracking=1000, encoding="sgr")
    with pytest.raises(ValueError):
        encode_mouse("press", 1, 0, 0, tracking=1000, encoding="bogus")
    with pytest.raises(ValueError):
        encode_mouse("press", 1, 0, 0, tracking=1001, encoding="sgr")


def test_mouse_buttons_match_textual_numbering() -> None:
    # Textual's parser turns SGR codes 0/1/2 into buttons 1/2/3; encoding them back must give the same codes.
    for sgr_code in (0, 1, 2):
        parser = XTermParser()
        (down,) = [m for m in parser.feed(f"\x1b[<{sgr_code};5;7M") if isinstance(m, events.MouseDown)]
        data = encode_mouse("press", down.button, int(down.x), int(down.y), tracking=1000, encoding="sgr")
        assert data == f"\x1b[<{sgr_code};5;7M".encode()


# --------------------------------------------------------------------------- focus


def test_focus() -> None:
    assert encode_focus(True) == b"\x1b[I"
    assert encode_focus(False) == b"\x1b[O"
