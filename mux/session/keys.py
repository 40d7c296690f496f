"""Input encoding: Textual key, paste, mouse and focus events turned into the bytes xterm would send a child.

Owns: the one translation from what Textual reports (``events.Key.key`` / ``.character``, paste text, mouse
actions with Textual's button numbers, focus changes) to the byte sequences a program running in a pane
expects from an xterm with default settings (modifyOtherKeys off, metaSendsEscape on). Named keys are driven by
``KEY_TABLE``: adding a key is adding one row. Text keys (letters, digits, punctuation, anything else with a
character) are encoded by rule: UTF-8, Ctrl folds to C0 the way X11 does for xterm, Alt adds an ESC prefix; the
character a key name stands for is mux.session.keynames' (the names the bindings use too).

Invariants:
- Pure: no I/O, no state, no Textual import; the same arguments always give the same bytes.
- ``encode_key`` never raises for any ``key``/``character`` strings; it returns None for what xterm would not
  send anything for (bare modifier keys, lock and media keys, F25 and up, Super/Hyper combinations, unknown
  names).
- Modifiers reach the child the xterm way: as the parameter m = 1 + shift + 2*alt + 4*ctrl on cursor, function
  and editing keys (Textual's ``meta`` counts as alt), as an ESC prefix (alt) or a C0 fold (ctrl) on text keys
  and on enter/tab/backspace/escape. Cursor keys use SS3 only in DECCKM and only without modifiers.
- A paste never contains the bracketed-paste end marker (``ESC[201~``, nor its 8-bit form ``CSI 201~``), so
  pasted text can never end bracketed paste mode early; its line endings are CR only.
- Mouse reports follow the child's tracking mode exactly: nothing without tracking, unmodified presses (and
  wheel) only in X10 mode 9, no motion in 1000, motion only with a button held in 1002. Coordinates that an
  encoding cannot carry give None rather than a wrapped or truncated value.

What Textual 8.2.8 delivers (checked against ``textual/_xterm_parser.py``, ``_ansi_sequences.py``,
``_keyboard_protocol.py`` and ``keys.py``):
- Names are ``[modifier+]...key`` with modifiers sorted alphabetically (``alt``, ``ctrl``, ``hyper``, ``meta``,
  ``shift``, ``super``). Printable keys are named by Unicode name (``exclamation_mark``, ``left_square_bracket``)
  with ``slash``, ``backslash``, ``at``, ``minus``, ``plus``, ``underscore`` as replacements; letters and
  digits are themselves. ``character`` is set for plain text; with modifiers it is often None.
- Kitty protocol on (the default): ``ctrl+i``/``tab``, ``ctrl+m``/``enter``, ``ctrl+space``,
  ``ctrl+backspace``, ``ctrl+enter``, ``shift+a`` (no text) and ``ctrl+shift+6`` (the unshifted key, so the
  shifted symbol is assumed from a US layout) all arrive distinctly. ``alt+up`` arrives as one event.
- Legacy bytes (a terminal without the kitty protocol): 0x08 and 0x7f both arrive as ``backspace`` and only the
  ``character`` tells them apart, so it is honoured; ESC + letter arrives as ``alt+x``, but ESC + digit is taken
  for a macOS Option character (ESC 5 -> ``∞``), and ESC before punctuation, space, CR or a control character
  loses the alt (``\\x1b\\x7f`` even becomes ``ctrl+w``). ``ESC[1;5R`` / ``ESC[1;2R`` (ctrl/shift+F3) are taken
  for cursor position reports and never arrive as keys. Modified CSI keys (``ESC[1;3A``) still go through the
  kitty parser and arrive as one event (``alt+up``) unless ``TEXTUAL_DISABLE_KITTY_KEY`` is set; then alt+up
  arrives as two events, ``escape`` then ``up``, and ``ESC[1;2P``..``ESC[24;2~`` arrive as ``f13``..``f24``,
  which is why those rows are xterm's shift+F1..F12.
- Keypad: Textual never puts the outer terminal in DECKPAM and names keypad digits and keypad Enter exactly like
  the main keys (``0``..``9``, ``enter``), so DECKPAM cannot apply to them. With the kitty protocol the keypad
  operators are distinct (``decimal``, ``divide``, ``multiply``, ``subtract``, ``add``, ``separator``, ``equal``)
  and do get SS3 forms; ``kp_begin`` (keypad 5 without NumLock) is a cursor-style key.
- Mouse buttons: 1 left, 2 middle, 3 right, 0 none (motion without a button).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from mux.session.keynames import name_to_char

__all__ = [
    "KEY_TABLE",
    "KeyKind",
    "KeySpec",
    "encode_focus",
    "encode_key",
    "encode_mouse",
    "encode_paste",
    "MOUSE_ACTIONS",
    "MOUSE_ENCODINGS",
    "MOUSE_TRACKING_MODES",
    "PASTE_START",
    "PASTE_END",
]

ESC: Final = b"\x1b"
CSI: Final = b"\x1b["
SS3: Final = b"\x1bO"

# xterm's modifier bits; the parameter sent is 1 + the sum.
SHIFT: Final = 1
ALT: Final = 2
CTRL: Final = 4

_MODIFIERS: Final = {"shift": SHIFT, "alt": ALT, "meta": ALT, "ctrl": CTRL}
_UNENCODABLE_MODIFIERS: Final = frozenset({"super", "hyper"})


class KeyKind(Enum):
    """How a named key is encoded (one encoder per kind)."""

    CURSOR = "cursor"  # CSI X; SS3 X in DECCKM; CSI 1;m X with modifiers
    SS3 = "ss3"  # SS3 X; CSI 1;m X with modifiers (F1-F4)
    TILDE = "tilde"  # CSI n ~; CSI n;m ~ with modifiers
    PLAIN = "plain"  # fixed bytes, a shift/ctrl variant, ESC prefix for alt
    KEYPAD = "keypad"  # its character; SS3 X in DECKPAM; ESC prefix for alt
    NONE = "none"  # xterm sends nothing


@dataclass(frozen=True, slots=True)
class KeySpec:
    """One row of KEY_TABLE."""

    kind: KeyKind
    code: bytes = b""  # CURSOR/SS3/KEYPAD: the final byte; TILDE: the number; PLAIN: the bytes
    text: bytes = b""  # KEYPAD: what it sends outside DECKPAM
    shifted: bytes | None = None  # PLAIN: bytes sent when shift is held (None: same as unmodified)
    controlled: bytes | None = None  # PLAIN: bytes sent when ctrl is held (None: same as unmodified)
    implied: int = 0  # modifier bits always added (F13-F24 are xterm's shift+F1-F12)


def _cursor(final: bytes) -> KeySpec:
    return KeySpec(KeyKind.CURSOR, final)


def _ss3(final: bytes, implied: int = 0) -> KeySpec:
    return KeySpec(KeyKind.SS3, final, implied=implied)


def _tilde(number: int, implied: int = 0) -> KeySpec:
    return KeySpec(KeyKind.TILDE, b"%d" % number, implied=implied)


def _plain(data: bytes, *, shifted: bytes | None = None, controlled: bytes | None = None) -> KeySpec:
    return KeySpec(KeyKind.PLAIN, data, shifted=shifted, controlled=controlled)


def _keypad(text: bytes, final: bytes) -> KeySpec:
    return KeySpec(KeyKind.KEYPAD, final, text=text)


_NONE: Final = KeySpec(KeyKind.NONE)

KEY_TABLE: Final[dict[str, KeySpec]] = {
    # name (Textual's, without modifiers): spec                    unmodified bytes
    "enter": _plain(b"\r"),  # CR (ctrl/shift ignored)
    "tab": _plain(b"\t", shifted=CSI + b"Z"),  # HT; shift+tab = CSI Z
    "backspace": _plain(b"\x7f", controlled=b"\x08"),  # DEL; ctrl+backspace = BS
    "escape": _plain(ESC),  # ESC
    "up": _cursor(b"A"),  # CSI A / SS3 A
    "down": _cursor(b"B"),  # CSI B / SS3 B
    "right": _cursor(b"C"),  # CSI C / SS3 C
    "left": _cursor(b"D"),  # CSI D / SS3 D
    "kp_begin": _cursor(b"E"),  # CSI E / SS3 E (keypad 5, NumLock off)
    "end": _cursor(b"F"),  # CSI F / SS3 F
    "home": _cursor(b"H"),  # CSI H / SS3 H
    "insert": _tilde(2),  # CSI 2~
    "delete": _tilde(3),  # CSI 3~
    "pageup": _tilde(5),  # CSI 5~
    "pagedown": _tilde(6),  # CSI 6~
    "f1": _ss3(b"P"),  # SS3 P
    "f2": _ss3(b"Q"),  # SS3 Q
    "f3": _ss3(b"R"),  # SS3 R
    "f4": _ss3(b"S"),  # SS3 S
    "f5": _tilde(15),  # CSI 15~
    "f6": _tilde(17),  # CSI 17~
    "f7": _tilde(18),  # CSI 18~
    "f8": _tilde(19),  # CSI 19~
    "f9": _tilde(20),  # CSI 20~
    "f10": _tilde(21),  # CSI 21~
    "f11": _tilde(23),  # CSI 23~
    "f12": _tilde(24),  # CSI 24~
    "f13": _ss3(b"P", SHIFT),  # CSI 1;2P
    "f14": _ss3(b"Q", SHIFT),  # CSI 1;2Q
    "f15": _ss3(b"R", SHIFT),  # CSI 1;2R
    "f16": _ss3(b"S", SHIFT),  # CSI 1;2S
    "f17": _tilde(15, SHIFT),  # CSI 15;2~
    "f18": _tilde(17, SHIFT),  # CSI 17;2~
    "f19": _tilde(18, SHIFT),  # CSI 18;2~
    "f20": _tilde(19, SHIFT),  # CSI 19;2~
    "f21": _tilde(20, SHIFT),  # CSI 20;2~
    "f22": _tilde(21, SHIFT),  # CSI 21;2~
    "f23": _tilde(23, SHIFT),  # CSI 23;2~
    "f24": _tilde(24, SHIFT),  # CSI 24;2~
    "multiply": _keypad(b"*", b"j"),  # * / SS3 j
    "add": _keypad(b"+", b"k"),  # + / SS3 k
    "separator": _keypad(b",", b"l"),  # , / SS3 l
    "subtract": _keypad(b"-", b"m"),  # - / SS3 m
    "decimal": _keypad(b".", b"n"),  # . / SS3 n
    "divide": _keypad(b"/", b"o"),  # / / SS3 o
    "equal": _keypad(b"=", b"X"),  # = / SS3 X
    # Keys xterm sends nothing for.
    **dict.fromkeys(
        [
            "shift", "ctrl", "alt", "meta", "super", "hyper",
            "left_shift", "left_control", "left_alt", "left_super", "left_hyper", "left_meta",
            "right_shift", "right_control", "right_alt", "right_super", "right_hyper", "right_meta",
            "iso_level3_shift", "iso_level5_shift", "caps_lock", "scroll_lock", "num_lock",
            "print_screen", "pause", "menu",
            "media_play", "media_pause", "media_play_pause", "media_reverse", "media_stop",
            "media_fast_forward", "media_rewind", "media_track_next", "media_track_previous",
            "media_record", "lower_volume", "raise_volume", "mute_volume",
        ],
        _NONE,
    ),
    **{f"f{n}": _NONE for n in range(25, 36)},
}
"""Every named (non-text) key Textual can deliver, by its name without modifiers."""

# Shift on a US keyboard, for keys Textual names by their unshifted symbol (kitty protocol, no text).
_US_SHIFT: Final = dict(zip("`1234567890-=[]\\;',./", "~!@#$%^&*()_+{}|:\"<>?", strict=True))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "replace")


def _shift(char: str) -> str:
    upper = char.upper()
    if upper != char and len(upper) == 1:
        return upper
    return _US_SHIFT.get(char, char)


def _ctrl(char: str) -> bytes:
    """Ctrl applied to a character the way X11 does it for xterm (plus ctrl+? = DEL)."""
    if len(char) == 1:
        code = ord(char)
        if 0x40 <= code <= 0x7E or code == 0x20:
            return bytes([code & 0x1F])
        if char == "2":
            return b"\x00"
        if "3" <= char <= "7":
            return bytes([code - ord("3") + 0x1B])
        if char in "8?":
            return b"\x7f"
        if char == "/":
            return b"\x1f"
    return _utf8(char)


def _split(key: str) -> tuple[int, str] | None:
    """(xterm modifier bits, base name) for a Textual key name; None for malformed names or Super/Hyper."""
    if key.endswith("+"):  # the "+" key itself (Textual says "plus", but accept it)
        head = key[:-1]
        if head and not head.endswith("+"):
            return None
        names, base = (head[:-1].split("+") if head else []), "+"
    else:
        *names, base = key.split("+")
    if not base:
        return None
    bits = 0
    for name in names:
        if name in _MODIFIERS:
            bits |= _MODIFIERS[name]
        else:  # Super/Hyper have no xterm encoding; anything else is not a modifier
            return None
    return bits, base


def _encode_named(
    spec: KeySpec, bits: int, character: str | None, cursor_keys_application: bool, keypad_application: bool
) -> bytes | None:
    kind = spec.kind
    if kind is KeyKind.NONE:
        return None
    if kind is KeyKind.PLAIN:
        if bits & SHIFT and spec.shifted is not None:
            data = spec.shifted
        elif bits & CTRL and spec.controlled is not None:
            data = spec.controlled
        elif not bits and character and _utf8(character) in (spec.code, spec.controlled):
            data = _utf8(character)  # legacy input: 0x08 and 0x7f are both "backspace"
        else:
            data = spec.code
        return ESC + data if bits & ALT else data
    if kind is KeyKind.KEYPAD:
        data = SS3 + spec.code if keypad_application else spec.text
        return ESC + data if bits & ALT else data
    bits |= spec.implied
    if kind is KeyKind.TILDE:
        return CSI + spec.code + (b";%d" % (1 + bits) if bits else b"") + b"~"
    if bits:
        return CSI + b"1;%d" % (1 + bits) + spec.code
    if kind is KeyKind.SS3 or cursor_keys_application:
        return SS3 + spec.code
    return CSI + spec.code


def encode_key(
    key: str, character: str | None, *, cursor_keys_application: bool = False, keypad_application: bool = False
) -> bytes | None:
    """The bytes xterm sends for a Textual key event (``event.key``, ``event.character``), or None.

    ``cursor_keys_application`` is the child's DECCKM (mode 1), ``keypad_application`` its DECKPAM.
    """
    split = _split(key)
    if split is None:
        return None
    bits, base = split
    spec = KEY_TABLE.get(base)
    if spec is not None:
        return _encode_named(spec, bits, character, cursor_keys_application, keypad_application)
    if character and character.isprintable():
        text = character  # what the terminal says was typed: shift is already in it
    else:
        char = name_to_char(base)
        if char is None:
            return None
        text = _shift(char) if bits & SHIFT else char
    data = _ctrl(text) if bits & CTRL else _utf8(text)
    return ESC + data if bits & ALT else data


PASTE_START: Final = b"\x1b[200~"
PASTE_END: Final = b"\x1b[201~"
_PASTE_END_MARKERS: Final = ("\x1b[201~", "\x9b201~")


def encode_paste(text: str, *, bracketed: bool) -> bytes:
    """Pasted text as sent to the child: CR line endings, end markers removed, bracketed if asked (mode 2004)."""
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    while True:  # removing one marker can join the pieces of another
        cleaned = text
        for marker in _PASTE_END_MARKERS:
            cleaned = cleaned.replace(marker, "")
        if cleaned == text:
            break
        text = cleaned
    data = _utf8(text)
    return PASTE_START + data + PASTE_END if bracketed else data


MOUSE_ACTIONS: Final = ("press", "release", "move", "scroll_up", "scroll_down", "scroll_left", "scroll_right")
MOUSE_TRACKING_MODES: Final = (9, 1000, 1002, 1003)
MOUSE_ENCODINGS: Final = ("sgr", "urxvt", "utf8", "x10")
_WHEEL: Final = {"scroll_up": 64, "scroll_down": 65, "scroll_left": 66, "scroll_right": 67}
_X10_LIMIT: Final = 255 - 32  # largest 1-based coordinate in one byte
_UTF8_LIMIT: Final = 2047 - 32  # largest 1-based coordinate in a two-byte UTF-8 character


def encode_mouse(
    action: str,
    button: int,
    x: int,
    y: int,
    *,
    shift: bool = False,
    meta: bool = False,
    ctrl: bool = False,
    tracking: int | None,
    encoding: str,
) -> bytes | None:
    """The mouse report the child asked for, or None when its tracking mode does not report this event.

    ``button`` is Textual's (1 left, 2 middle, 3 right, 0 none); ``x``, ``y`` are 0-based cells in the pane
    (negative values are clamped to 0). ``tracking`` is 9, 1000, 1002, 1003 or None; ``encoding`` is
    "sgr" (1006), "urxvt" (1015), "utf8" (1005) or "x10". Raises ValueError for an unknown action, tracking
    mode or encoding.
    """
    if action not in MOUSE_ACTIONS:
        raise ValueError(f"unknown mouse action {action!r}")
    if encoding not in MOUSE_ENCODINGS:
        raise ValueError(f"unknown mouse encoding {encoding!r}")
    if tracking is None:
        return None
    if tracking not in MOUSE_TRACKING_MODES:
        raise ValueError(f"unknown mouse tracking mode {tracking!r}")
    held = button - 1 if button in (1, 2, 3) else None
    if action == "press":
        if held is None:
            return None
        code = held
    elif action == "release":
        if tracking == 9:
            return None
        code = held if encoding == "sgr" and held is not None else 3
    elif action == "move":
        if tracking in (9, 1000) or (tracking == 1002 and held is None):
            return None
        code = 32 + (3 if held is None else held)
    else:
        code = _WHEEL[action]
    modifiers = 4 * shift + 8 * meta + 16 * ctrl
    if tracking == 9:
        if modifiers:  # X10 mode reports unmodified presses only
            return None
    else:
        code += modifiers
    col, row = max(0, x) + 1, max(0, y) + 1
    if encoding == "sgr":
        return b"\x1b[<%d;%d;%d%s" % (code, col, row, b"m" if action == "release" else b"M")
    if encoding == "urxvt":
        return b"\x1b[%d;%d;%dM" % (code + 32, col, row)
    limit = _X10_LIMIT if encoding == "x10" else _UTF8_LIMIT
    if col > limit or row > limit:
        return None
    if encoding == "x10":
        return b"\x1b[M" + bytes([code + 32, col + 32, row + 32])
    return b"\x1b[M" + (chr(code + 32) + chr(col + 32) + chr(row + 32)).encode("utf-8")


def encode_focus(focused: bool) -> bytes:
    """The focus report (mode 1004): CSI I when the pane gains focus, CSI O when it loses it."""
    return b"\x1b[I" if focused else b"\x1b[O"
