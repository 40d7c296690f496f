"""Byte parser of the terminal emulator: PTY output bytes -> listener events.

This module owns exactly one thing: turning the bytes a child process writes into method calls
("events") on a *listener* (the Terminal).  It does not keep any screen state.  ``Stream`` subclasses
:class:`pyte.ByteStream`, uses pyte's event names and argument conventions, and keeps pyte's
event tables (``escape``, ``sharp``) for the rare two-character ``ESC`` sequences, but never its FSM.  Everything
that dominates real output is handled by fast paths that work on whole decoded chunks:

* the decoded chunk is cut by one regex (``token_regex(bulk).split``; on the compiled path by its C twin
  ``split``, which returns exactly the same list) into alternating printable runs and control *tokens* (a C0/C1
  control, ``CR LF``, a complete CSI/OSC/DCS/ESC sequence);
* a printable run becomes exactly one ``draw(text)`` call;
* a token is looked up in a per-listener cache that maps the token's text to a ready-to-call
  callable (for example ``"\\x1b[1;31m"`` -> ``partial(select_graphic_rendition, 1, 31)``), so a
  repeated SGR or cursor motion costs one dict lookup and one call (a CSI followed by
  parameterless CSIs, like ``ESC[1;31m ESC[K``, is one token);
* with a listener that has ``draw_lines``, when a ``CR LF`` is followed by two or more complete
  non-empty plain lines (``<printable>\\r\\n``), those lines are delivered as one
  ``draw_lines(list_of_str)`` call, meaning exactly ``draw(line); carriage_return(); linefeed()``
  for each line (the run's first line, whose text precedes that ``CR LF``, arrives as plain calls).
  Without ``draw_lines`` the listener gets the expanded calls.

Invariants:

* Feeding a byte string whole or split at any points produces the same events, except that a
  printable run cut by a chunk boundary may arrive as several consecutive ``draw`` calls (their
  concatenation is the same), ``draw_lines`` groups may be cut differently (their expansion is
  the same), and adjacent SGRs seen together arrive as one call with their parameters concatenated
  (the same meaning; an empty SGR counts as 0).  UTF-8 is decoded incrementally; invalid bytes become U+FFFD.
* After every ``feed()`` the parser is in ground state or holds an incomplete sequence: a CSI/ESC
  prefix of at most ``CSI_MAX`` characters, or an open OSC/DCS/SOS/PM/APC string.  An OSC payload
  is buffered up to ``OSC_MAX`` characters; a longer one is consumed and dropped.  A DCS payload is
  buffered only up to ``DCS_MAX`` characters (enough for the short requests, such as DECRQSS's ``$q Pt``,
  that are dispatched); a longer one (sixel, ...) is consumed and dropped without being kept or copied.
  SOS/PM/APC payloads are never buffered.  No string payload is ever drawn.  Strings end only at their
  terminator (ST, or BEL for OSC) or are aborted by CAN/SUB; an ESC inside one that does not start ST is payload.
  Memory is bounded whatever the input.
* CSI parameters are clamped to ``PARAM_MAX`` and truncated to ``MAX_PARAMS``.  CSI sequences with
  a ``<=>?`` prefix or intermediates only reach the handler they belong to; unsupported ones go to
  ``debug(raw_sequence)`` (unknown ``ESC x`` finals too),
  invalid ones are dropped.
* An exception raised by a listener handler never escapes ``feed()`` and never loses the rest of
  the chunk: it is counted in ``self.errors`` (once per failing token) and parsing resumes after
  the offending event.

Event conventions (pyte's): a CSI written without any parameter calls the handler with no
arguments so the handler's default applies (``CSI H`` -> ``cursor_position()``); an empty
parameter inside a list is 0 (``CSI ;5H`` -> ``cursor_position(0, 5)``); extra parameters beyond
what the handler takes are dropped; ``report_device_status`` has no default and gets 0 (its DEC form,
``CSI ? Ps ; Pid n``, may pass a second parameter).  ``ESC Z`` (DECID) is ``report_device_attributes()``.
``CSI Pl ; Pc " p`` (DECSCL) is ``select_conformance_level(Pl, Pc)``.
``CSI ? Pm s`` / ``CSI ? Pm r`` (XTSAVE / XTRESTORE) are ``save_modes(*modes)`` / ``restore_modes(*modes)``, unlike
the bare ``CSI s``; a DCS ``$q Pt`` (DECRQSS) is ``request_status_string(Pt)``.  SGR
parameters with ``:`` sub-parameters arrive as tuples of ints (an empty sub-parameter is -1).
Events beyond pyte's are optional on the listener; when one is missing its sequences are ignored.
These always receive explicit values (VT defaults when the parameter is absent; an explicit 0 is
passed through), except the rectangle operations (DECFRA, DECERA, DECSERA, DECCRA), which get every
parameter, an absent one as 0: their defaults (the screen's edges) are the listener's to know.
Deviations from pyte: ``SO``/``SI`` and ``ESC ( x`` / ``ESC ) x`` are dispatched in UTF-8 mode too
(DEC line drawing), ``ESC % @`` does not switch away from UTF-8, ``ESC V`` / ``ESC W`` are SPA / EPA
(character protection), and other C0/C1 controls are never drawn.  ``CSI Pl ; Pr s`` goes to
``set_left_right_margins`` (DECSLRM, or SCOSC when bare: the listener knows whether DECLRMM is set), and to
``save_cursor`` only when bare and the listener lacks it.  NEL (``ESC E``, ``0x85``) is ``linefeed`` then
``carriage_return``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

import pyte

from mux.terminal import fastpath

__all__ = ["Stream"]

Handler = Callable[[], Any]

#: Longest CSI / ESC sequence (in characters) that is still dispatched; longer ones are dropped.
CSI_MAX = 1024
#: Longest OSC payload (in characters) that is dispatched; longer ones are consumed and dropped.
OSC_MAX = 64 * 1024
#: Longest DCS payload (in characters) that is kept and dispatched; longer ones are consumed and dropped.
DCS_MAX = 64
#: Numeric parameters are clamped to this value.
PARAM_MAX = 65535
#: CSI parameter lists are truncated to this many entries.
MAX_PARAMS = 32
#: Only tokens up to this length are memoised, and the memo is reset when it grows past
#: ``_CACHE_MAX`` entries.
_CACHEABLE_LEN = 64
_CACHE_MAX = 4096

_CTRL = "\x00-\x1f\x7f-\x9f"
_CSI_BODY = r"[^@-~\x18\x1a\x1b\x80-\x9f]*[@-~]?"
# A well-formed CSI followed by parameterless ones is one token (one match, one cache lookup for,
# e.g., gcc's ubiquitous ``ESC[01;31m ESC[K`` and ``ESC[m ESC[K``).  Only parameterless sequences
# are appended so that the number of distinct tokens stays small and the cache keeps hitting.
# Anything else after ``ESC [`` takes the permissive single form. A run may also continue with SGRs, which
# _compile_run merges into one call.
_CSI_RUN = r"[0-?]*+[ -/]*+[@-~](?:\x1b\[(?:[0-9;:]*+m|[@-~]))*+"
# Inside a string only the terminators end it; an ESC that does not start ST is payload, CAN/SUB
# abort.  An ESC at the very end of the input may be the first half of ST and stays pending.
_OSC_CHARS = r"[^\x07\x18\x1a\x1b\x9c]*+"
_STR_CHARS = r"[^\x18\x1a\x1b\x9c]*+"
_PAYLOAD_ESC = r"\x1b(?!\\|\Z)"
_OSC_BODY = _OSC_CHARS + "(?:" + _PAYLOAD_ESC + _OSC_CHARS + r")*+(?:\x07|\x9c|\x1b\\|\x1b\Z)?"
_STR_BODY = _STR_CHARS + "(?:" + _PAYLOAD_ESC + _STR_CHARS + r")*+(?:\x9c|\x1b\\|\x1b\Z)?"


def token_regex(bulk: bool) -> re.Pattern[str]:
    """The tokenizer: one capturing group, so ``split`` alternates text and tokens.

    Every alternative starts with the same character class, which lets ``re`` skip printable
    text with its fast charset prefix scan.  The look-behinds then pick the sequence shape.
    """
    after_esc = [
        r"\[(?:" + _CSI_RUN + "|" + _CSI_BODY + ")",
        r"\]" + _OSC_BODY,
        "[P_^X]" + _STR_BODY,
        "[ -/]*[0-~]?",
    ]
    alternatives = [
        r"(?<=\x1b)(?:" + "|".join(after_esc) + ")",
        r"(?<=\r)\n(?:[^" + _CTRL + r"]++\r\n){2,}" if bulk else None,
        r"(?<=\r)\n",
        r"(?<=\x9b)" + _CSI_BODY,
        r"(?<=\x9d)" + _OSC_BODY,
        r"(?<=[\x90\x98\x9e\x9f])" + _STR_BODY,
        "",
    ]
    body = "|".join(a for a in alternatives if a is not None)
    return re.compile("([" + _CTRL + "](?:" + body + "))")


_TOKENS = token_regex(bulk=False)
_TOKENS_BULK = token_regex(bulk=True)
_CSI_FORM = re.compile(r"([<-?]?)([0-9:;]*)([ -/]*)([@-~])")
_OSC_END = re.compile(r"[\x07\x18\x1a\x1b\x9c]")
_STR_END = re.compile(r"[\x18\x1a\x1b\x9c]")

# Token kinds.
_CTL, _CSI, _OSC, _STR, _ESC = range(5)
_INTRODUCERS = frozenset("\x1b\x9b\x9d\x90\x98\x9e\x9f")

# Plain CSI (no prefix, no intermediate): final -> (event, max params, value when absent or None).
_PLAIN_CSI: dict[str, tuple[str, int, int | None]] = {
    "@": ("insert_characters", 1, None),
    "A": ("cursor_up", 1, None),
    "B": ("cursor_down", 1, None),
    "C": ("cursor_forward", 1, None),
    "D": ("cursor_back", 1, None),
    "E": ("cursor_down1", 1, None),
    "F": ("cursor_up1", 1, None),
    "G": ("cursor_to_column", 1, None),
    "`": ("cursor_to_column", 1, None),
    "H": ("cursor_position", 2, None),
    "f": ("cursor_position", 2, None),
    "J": ("erase_in_display", 1, None),
    "K": ("erase_in_line", 1, None),
    "L": ("insert_lines", 1, None),
    "M": ("delete_lines", 1, None),
    "P": ("delete_characters", 1, None),
    "X": ("erase_characters", 1, None),
    "a": ("cursor_forward", 1, None),
    "e": ("cursor_down", 1, None),
    "c": ("report_device_attributes", 1, None),
    "d": ("cursor_to_line", 1, None),
    "g": ("clear_tab_stop", 1, None),
    "h": ("set_mode", MAX_PARAMS, None),
    "l": ("reset_mode", MAX_PARAMS, None),
    "n": ("report_device_status", 1, 0),
    "r": ("set_margins", 2, None),
    "b": ("repeat_last", 1, 1),
    "S": ("scroll_up", 1, 1),
    "T": ("scroll_down", 1, 1),
    "I": ("cursor_forward_tab", 1, 1),
    "Z": ("cursor_back_tab", 1, 1),
    "t": ("window_operation", 3, None),
    "s": ("set_left_right_margins", 2, None),
}
# Plain CSI finals that are only valid without parameters (``CSI s`` is this only for a listener without
# ``set_left_right_margins``, which decides between DECSLRM and SCOSC itself).
_BARE_CSI = {"s": "save_cursor", "u": "restore_cursor"}
# ``CSI Pn ' final``: DEC's column editing (DECIC, DECDC).
_QUOTE_CSI = {"}": "insert_columns", "~": "delete_columns"}
# ``ESC final`` beyond pyte's table: DECBI, DECFI.
_EXTRA_ESC = {"6": "back_index", "9": "forward_index"}
# ``CSI ? ... final`` forms that take ``private=True``.
_PRIVATE_CSI: dict[str, tuple[str, int, int | None]] = {
    "h": ("set_mode", MAX_PARAMS, None),
    "l": ("reset_mode", MAX_PARAMS, None),
    "J": ("erase_in_display", 1, None),
    "K": ("erase_in_line", 1, None),
    "n": ("report_device_status", 2, 0),
}

#: Events beyond pyte's; optional on the listener.
OPTIONAL_EVENTS = (
    "draw_lines",
    "window_operation",
    "repeat_last",
    "scroll_up",
    "scroll_down",
    "cursor_forward_tab",
    "cursor_back_tab",
    "set_cursor_style",
    "soft_reset",
    "request_mode",
    "report_secondary_device_attributes",
    "report_version",
    "set_keypad_application",
    "report_keyboard_flags",
    "push_keyboard_flags",
    "pop_keyboard_flags",
    "set_keyboard_flags",
    "set_hyperlink",
    "osc",
    "set_character_protection",
    "start_protected_area",
    "end_protected_area",
    "fill_rectangle",
    "erase_rectangle",
    "selective_erase_rectangle",
    "copy_rectangle",
    "set_left_right_margins",
    "back_index",
    "forward_index",
    "insert_columns",
    "delete_columns",
    "save_modes",
    "restore_modes",
    "request_status_string",
    "select_conformance_level",
)
# ``CSI Pm $ final`` rectangle operations (VT420): final -> (event, parameters). Every parameter is passed, an
# absent one as 0, which the handler reads as its default (the screen's edge is not the stream's to know).
_RECT_CSI: dict[str, tuple[str, int]] = {
    "x": ("fill_rectangle", 5),             # DECFRA Pch ; Pt ; Pl ; Pb ; Pr
    "z": ("erase_rectangle", 4),            # DECERA Pt ; Pl ; Pb ; Pr
    "{": ("selective_erase_rectangle", 4),  # DECSERA
    "v": ("copy_rectangle", 8),             # DECCRA Pts ; Pls ; Pbs ; Prs ; Pps ; Ptd ; Pld ; Ppd
}


def _noop() -> None:
    pass


def _chain(*calls: Handler) -> Handler:
    """One handler running several events; each runs even if an earlier one raised."""

    def run() -> None:
        error = None
        for call in calls:
            try:
                call()
            except Exception as exc:
                error = error or exc
        if error is not None:
            raise error

    return run


def _num(text: str) -> int:
    """A decimal parameter, clamped to PARAM_MAX (also for digit strings too long for ``int``)."""
    if len(text) > 9:
        text = text.lstrip("0")
        if len(text) > 9:
            return PARAM_MAX
        if not text:
            return 0
    value = int(text)
    return PARAM_MAX if value > PARAM_MAX else value


_SGR_BODY = re.compile(r"([0-9:;]*)m")


def _sgr_complete(params: list[Any]) -> bool:
    """True if no ``38``/``48``/``58`` in `params` lacks the values its ``;`` form needs (so that concatenating
    it with the next SGR's parameters cannot change either's meaning)."""
    i, n = 0, len(params)
    while i < n:
        p = params[i]
        i += 1
        if p in (38, 48, 58) and not isinstance(p, tuple):
            kind = params[i] if i < n else None
            need = {5: 2, 2: 4}.get(kind) if isinstance(kind, int) else None
            if need is None or i + need > n:
                return False
            i += need
    return True


def _parse_params(text: str) -> list[Any]:
    """``"1;;38:2::255"`` -> ``[1, 0, (38, 2, -1, 255)]``; at most MAX_PARAMS entries."""
    out: list[Any] = []
    for item in text.split(";", MAX_PARAMS)[:MAX_PARAMS]:
        if ":" in item:
            out.append(tuple(_num(sub) if sub else -1 for sub in item.split(":", MAX_PARAMS)[:MAX_PARAMS]))
        else:
            out.append(_num(item) if item else 0)
    return out


def _kind(tok: str) -> tuple[int, int]:
    """(token kind, length of its introducer)."""
    c = tok[0]
    if c == "\x1b":
        if len(tok) > 1:
            c1 = tok[1]
            if c1 == "[":
                return _CSI, 2
            if c1 == "]":
                return _OSC, 2
            if c1 in "P_^X":
                return _STR, 2
        return _ESC, 1
    if c == "\x9b":
        return _CSI, 1
    if c == "\x9d":
        return _OSC, 1
    if c in "\x90\x98\x9e\x9f":
        return _STR, 1
    return _CTL, 0


def _is_dcs(tok: str) -> bool:
    """Whether a string token (``_STR``) is a DCS (not SOS/PM/APC)."""
    return tok[0] == "\x90" or tok[:2] == "\x1bP"


def _string_terminated(tok: str, start: int, bel_ends: bool) -> bool:
    if len(tok) <= start:
        return False
    last = tok[-1]
    if last == "\x9c" or (bel_ends and last == "\x07"):
        return True
    return len(tok) >= start + 2 and last == "\\" and tok[-2] == "\x1b"


def _complete(tok: str) -> bool:
    """Whether a token found at the very end of the input can no longer grow."""
    kind, start = _kind(tok)
    if kind == _CSI:
        return len(tok) > start and "@" <= tok[-1] <= "~"
    if kind == _ESC:
        return len(tok) > 1 and "0" <= tok[-1] <= "~"
    if kind == _OSC:
        return _string_terminated(tok, start, True)
    if kind == _STR:
        return _string_terminated(tok, start, False)
    return True


class Stream(pyte.ByteStream):
    """Bytes -> listener events, by regex tokenizing and a per-token handler cache.

    ``errors`` counts exceptions raised by listener handlers (each one is swallowed; parsing
    resumes after the offending event).
    """

    _draw: Callable[[str], Any]

    def __init__(self, screen: Any = None, strict: bool = True, compiled: bool = True) -> None:
        self.errors: int = 0
        self.compiled = compiled     # use the compiled hot path when there is one (False: pure Python)
        self._kernel: Callable[..., int] | None = None
        self._cache: dict[str, Handler] = {}
        self._base: dict[str, Handler] = {}
        self._split = _TOKENS.split
        self._optional: dict[str, Callable[..., Any] | None] = {}
        self._reset_state()
        super().__init__(screen, strict)

    # -- state -------------------------------------------------------------------------------

    def _reset_state(self) -> None:
        self._pending = ""  # incomplete CSI/ESC prefix, re-parsed in front of the next chunk
        self._overlong = False  # ``_pending`` is the introducer of a sequence already too long
        self._overlong_marker = ""
        self._str_kind = _CTL  # _OSC or _STR while inside a string, else _CTL
        self._str_esc = False  # the last chunk ended with ESC inside a string (maybe ST)
        # The open string's payload is kept only for an OSC (up to OSC_MAX) or a DCS (up to DCS_MAX); the
        # bound is 0 for the strings that are never dispatched (SOS/PM/APC).
        self._str_limit = 0
        self._str_parts: list[str] = []  # the kept payload of the open OSC or DCS
        self._str_len = 0
        self._str_overflow = False

    def attach(self, screen: Any) -> None:
        """Attach a listener; binds every event once (pyte's events are required when strict)."""
        super().attach(screen)
        self._reset_state()
        get = partial(getattr, screen)
        self._draw = get("draw")
        self._optional = {name: getattr(screen, name, None) for name in OPTIONAL_EVENTS}
        self._split = self._splitter(bulk=self._optional["draw_lines"] is not None)
        cr = get("carriage_return")
        lf = get("linefeed")

        def crlf() -> None:
            try:
                cr()
            finally:  # zero-cost unless cr() raises; then lf() still runs
                lf()

        def nel() -> None:
            # NEL is a line feed, then CR: the index sees the cursor where it was (outside the left/right margins
            # nothing scrolls, as in xterm), which CR first would move to the left margin.
            try:
                lf()
            finally:
                cr()

        base: dict[str, Handler] = {chr(c): _noop for c in [*range(0x20), *range(0x7F, 0xA0)]}
        base.update(
            {
                "": _noop,
                "\x07": get("bell"),
                "\x08": get("backspace"),
                "\t": get("tab"),
                "\n": lf,
                "\x0b": lf,
                "\x0c": lf,
                "\r": cr,
                "\r\n": crlf,
                "\x0e": get("shift_out"),
                "\x0f": get("shift_in"),
                "\x84": get("index"),
                "\x85": nel,  # NEL: next line, column 1
                "\x88": get("set_tab_stop"),
                "\x8d": get("reverse_index"),
                "\x96": self._optional["start_protected_area"] or _noop,     # SPA
                "\x97": self._optional["end_protected_area"] or _noop,       # EPA
                "\x9a": get("report_device_attributes"),  # DECID (SCI in ECMA-48, DEC's DA request)
            }
        )
        self._base = base
        self._cache = dict(base)
        self._kernel = fastpath.kernel_for(screen) if self.compiled else None

    def _splitter(self, bulk: bool) -> Callable[[str], list[str]]:
        """The tokenizer: the compiled one when the compiled path is on (it returns exactly what the regex's
        split returns), else the regex."""
        split = fastpath.compiled.split if self.compiled and fastpath.compiled is not None else None
        if split is None:
            return (_TOKENS_BULK if bulk else _TOKENS).split
        return lambda text: split(text, bulk)

    # -- feeding -----------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:  # type: ignore[override]
        """Parse a chunk of PTY output and dispatch its events to the listener."""
        if self.listener is None:
            raise RuntimeError("Listener is not set")
        s = self.utf8_decoder.decode(data)
        if self._pending:
            s = self._pending + s
            self._pending = ""
        if self._str_kind != _CTL and s:
            s = self._continue_string(s)
        if s:
            self._parse(s)

    def _parse(self, s: str) -> None:
        parts = self._split(s)
        tail = None
        if len(parts) > 1 and not parts[-1]:
            tok = parts[-2]
            if tok[0] in _INTRODUCERS and not _complete(tok):
                del parts[-2:]
                tail = tok
        if self._overlong:
            if tail is not None and len(parts) == 1:
                self._pending = self._overlong_marker
                return
            self._overlong = False
            # The over-long sequence that just completed is dropped (a run keeps the rest).
            rest = parts[1].find("\x1b", 1)
            parts[1] = parts[1][rest:] if rest > 0 else ""
        if len(parts) > 1 or parts[0]:
            self._dispatch(parts)
        if tail is not None:
            self._hold(tail)

    def _dispatch(self, parts: list[str]) -> None:
        """Run ``[text, token, text, token, ..., text]``.

        One try/except around the whole loop: on an exception the loop is re-entered on the same
        iterator, so parsing resumes right after the event that raised.  ``fn`` is None while a
        ``draw`` runs, which tells the handler whether the text after a failed token still needs
        drawing.

        With the compiled hot path the kernel runs the same loop, calling back here for what it leaves to
        Python; an internal error of the kernel counts as one handler error.
        """
        kernel = self._kernel
        if kernel is not None:
            try:
                self.errors += kernel(parts, self.listener, self._draw, self._cache, self._compile)
            except Exception:
                self.errors += 1
            return
        draw = self._draw
        get = self._cache.get
        compile_ = self._compile
        it = iter(parts)
        text = next(it)
        pairs = zip(it, it, strict=False)
        fn = None
        while True:
            try:
                if text:
                    draw(text)
                for tok, text in pairs:
                    fn = get(tok)
                    if fn is None:
                        fn = compile_(tok)
                    fn()
                    fn = None
                    if text:
                        draw(text)
                return
            except Exception:
                self.errors += 1
                if fn is None:
                    text = ""
                fn = None

    def _hold(self, tok: str) -> None:
        """Keep an incomplete trailing token for the next feed()."""
        kind, start = _kind(tok)
        if kind == _CSI or kind == _ESC:
            if len(tok) > CSI_MAX:
                self._pending = self._overlong_marker = tok[: start if kind == _CSI else 2]
                self._overlong = True
            else:
                self._pending = tok
            return
        self._str_kind = kind
        self._str_esc = tok[-1] == "\x1b" and len(tok) > start
        self._str_limit = OSC_MAX if kind == _OSC else DCS_MAX if _is_dcs(tok) else 0
        self._str_parts = []
        self._str_len = 0
        self._str_overflow = False
        end = len(tok) - 1 if self._str_esc else len(tok)
        if self._str_limit and end - start <= self._str_limit:
            self._str_append(tok[start:end])
        else:
            self._str_overflow = True

    def _str_append(self, piece: str) -> None:
        """Keep a piece of the open OSC or DCS payload (all of it is dropped once it passes its bound)."""
        if self._str_overflow or not piece:
            return
        self._str_len += len(piece)
        if self._str_len > self._str_limit:
            self._str_overflow = True
            self._str_parts = []
        else:
            self._str_parts.append(piece)

    def _continue_string(self, s: str) -> str:
        """Consume the rest of an open OSC/DCS/SOS/PM/APC string; return what follows it."""
        osc = self._str_kind == _OSC
        # Only an OSC or a short DCS is kept: a payload past its bound (a sixel image) is never sliced or copied.
        keep = not self._str_overflow
        if self._str_esc:
            self._str_esc = False
            if s[0] == "\\":
                self._end_string(True)
                return s[1:]
            if keep:
                self._str_append("\x1b")
        search = (_OSC_END if osc else _STR_END).search
        start = at = 0
        while True:
            m = search(s, at)
            if m is None:
                if keep:
                    self._str_append(s[start:])
                return ""
            j = m.start()
            if s[j] == "\x1b":
                if j + 1 < len(s) and s[j + 1] != "\\":
                    at = j + 1  # an ESC that is not ST: payload
                    continue
                if keep:
                    self._str_append(s[start:j])
                if j + 1 == len(s):
                    self._str_esc = True
                    return ""
                self._end_string(True)
                return s[j + 2 :]
            if keep:
                self._str_append(s[start:j])
            self._end_string(s[j] != "\x18" and s[j] != "\x1a")
            return s[j + 1 :]

    def _end_string(self, terminated: bool) -> None:
        kept = terminated and not self._str_overflow
        osc = self._str_kind == _OSC
        payload = "".join(self._str_parts)
        self._str_kind = _CTL
        self._str_limit = 0
        self._str_parts = []
        self._str_len = 0
        self._str_overflow = False
        if kept:
            try:
                if osc:
                    self._osc_dispatch(payload)
                else:
                    self._dcs_dispatch(payload)
            except Exception:
                self.errors += 1

    # -- slow path: turning a token into a handler ---------------------------------------------

    def _compile(self, tok: str) -> Handler:
        """Build (and maybe memoise) the zero-argument callable for a token not in the cache."""
        try:
            kind, start = _kind(tok)
            if kind == _CSI:
                if start == 2 and tok.find("\x1b", 2) > 0:  # a run of sequences
                    return self._compile_run(tok)
                fn = self._compile_csi(tok, start)
            elif kind == _ESC:
                fn = self._compile_esc(tok)
            elif kind == _OSC:
                return self._compile_osc(tok, start)
            elif kind == _STR:
                return self._compile_dcs(tok, start)  # SOS/PM/APC and long DCS: consumed, never drawn
            elif tok[:2] == "\r\n" and len(tok) > 2:
                return self._compile_lines(tok)
            else:
                return _noop
        except Exception:
            self.errors += 1
            return _noop
        self._memo(tok, fn)
        return fn

    def _memo(self, tok: str, fn: Handler) -> None:
        if len(tok) <= _CACHEABLE_LEN:
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
                self._cache.update(self._base)
            self._cache[tok] = fn

    def _compile_run(self, tok: str) -> Handler:
        """A run of CSI sequences: each one compiled (and memoised) on its own, then chained. Adjacent SGRs
        (``ESC[1m ESC[34m``, common in compiler output) become one ``select_graphic_rendition`` call with the
        parameters concatenated, which means the same thing when each SGR is complete on its own."""
        get = self._cache.get
        calls = []
        sgr_params: list[Any] = []
        sgr_bodies: list[str] = []
        sgr = self.listener.select_graphic_rendition

        def add(one: str) -> None:
            fn = get(one) or self._compile(one)
            if fn is not _noop:
                calls.append(fn)

        def end_sgr() -> None:
            # A lone SGR is compiled as it would be alone (``ESC[m`` calls the handler with no argument).
            if len(sgr_bodies) == 1:
                add("\x1b[" + sgr_bodies[0])
            elif sgr_bodies:
                calls.append(partial(sgr, *sgr_params))
            sgr_params.clear()
            sgr_bodies.clear()

        for body in tok[2:].split("\x1b["):
            m = _SGR_BODY.fullmatch(body)
            if m is not None:
                params = _parse_params(m.group(1)) if m.group(1) else [0]
                if _sgr_complete(params):
                    sgr_params.extend(params)
                    sgr_bodies.append(body)
                    continue
            end_sgr()
            add("\x1b[" + body)
        end_sgr()
        fn = _chain(*calls) if len(calls) > 1 else calls[0] if calls else _noop
        self._memo(tok, fn)
        return fn

    def _compile_lines(self, tok: str) -> Handler:
        """``CR LF`` followed by two or more complete plain lines (only with ``draw_lines``)."""
        cr = self._base["\r"]
        lf = self._base["\n"]
        draw_lines = self._optional["draw_lines"]
        assert draw_lines is not None
        return _chain(cr, lf, lambda: draw_lines(tok[2:-2].split("\r\n")))

    def _compile_csi(self, tok: str, start: int) -> Handler:
        if len(tok) > CSI_MAX:
            return _noop
        body = tok[start:]
        complete = bool(body) and "@" <= body[-1] <= "~"
        m = _CSI_FORM.fullmatch(body) if complete else None
        if m is not None:
            return self._csi_handler(tok, *m.groups())
        # Rare: C0 controls inside the sequence (executed first, as a VT does), DEL, misplaced
        # prefix bytes or non-ASCII (the sequence is then ignored), or an aborted sequence.
        base = self._base
        calls = [base[c] for c in body if c < " " and base[c] is not _noop]
        if complete:
            m = _CSI_FORM.fullmatch("".join(c for c in body if c >= " " and c != "\x7f"))
            if m is not None:
                calls.append(self._csi_handler(tok, *m.groups()))
        if not calls:
            return _noop
        return calls[0] if len(calls) == 1 else _chain(*calls)

    def _csi_handler(self, tok: str, prefix: str, params: str, inter: str, final: str) -> Handler:
        """The handler for a well-formed CSI, by (prefix, intermediates, final); see the contract."""
        listener = self.listener
        opt = self._optional
        if final == "m" and not prefix and not inter:
            sgr = listener.select_graphic_rendition
            return partial(sgr, *_parse_params(params)) if params else sgr
        if ":" in params:
            return partial(listener.debug, tok)
        args = _parse_params(params) if params else []
        spec = None
        private = False
        if not inter:
            if not prefix:
                spec = _PLAIN_CSI.get(final)
                if spec is None and final in _BARE_CSI and not args:
                    return getattr(listener, _BARE_CSI[final])
            elif prefix == "?":
                spec = _PRIVATE_CSI.get(final)
                private = True
                if final == "u" and not args:
                    return opt["report_keyboard_flags"] or _noop
                if final == "s" or final == "r":  # XTSAVE / XTRESTORE of DEC private modes
                    return self._optional_call("save_modes" if final == "s" else "restore_modes", *args)
            elif prefix == ">":
                if final == "c" and args in ([], [0]):
                    return opt["report_secondary_device_attributes"] or _noop
                if final == "q" and args in ([], [0]):
                    return opt["report_version"] or _noop
                if final == "u":
                    return self._optional_call("push_keyboard_flags", args[0] if args else 0)
            elif prefix == "<":
                if final == "u":
                    return self._optional_call("pop_keyboard_flags", args[0] if args else 1)
            elif prefix == "=" and final == "u":
                return self._optional_call(
                    "set_keyboard_flags", args[0] if args else 0, args[1] if len(args) > 1 else 1
                )
        elif inter == " " and final == "q" and not prefix:
            return self._optional_call("set_cursor_style", args[0] if args else 0)
        elif inter == "!" and final == "p" and not prefix and not args:
            return opt["soft_reset"] or _noop
        elif inter == '"' and final == "p" and not prefix:
            return self._optional_call(
                "select_conformance_level", args[0] if args else 0, args[1] if len(args) > 1 else 0
            )
        elif inter == "$" and final == "p" and prefix in ("", "?"):
            return self._optional_call("request_mode", args[0] if args else 0, prefix == "?")
        elif inter == "$" and final in _RECT_CSI and not prefix:
            name, arity = _RECT_CSI[final]
            return self._optional_call(name, *(args + [0] * arity)[:arity])
        elif inter == '"' and final == "q" and not prefix:
            return self._optional_call("set_character_protection", args[0] if args else 0)
        elif inter == "'" and final in _QUOTE_CSI and not prefix:
            return self._optional_call(_QUOTE_CSI[final], max(1, args[0]) if args else 1)
        if spec is None:
            return partial(listener.debug, tok)
        name, arity, default = spec
        if final == "T" and len(args) > 1:  # xterm's mouse highlight tracking, not SD
            return partial(listener.debug, tok)
        if name in opt:
            fn = opt[name]
            if fn is None:
                if final in _BARE_CSI and not args:
                    return getattr(listener, _BARE_CSI[final])
                return _noop
        else:
            fn = getattr(listener, name)
        args = args[:arity]
        if not args and default is not None:
            args = [default]
        if private:
            return partial(fn, *args, private=True)
        return partial(fn, *args) if args else fn

    def _optional_call(self, name: str, *args: Any) -> Handler:
        fn = self._optional[name]
        return _noop if fn is None else partial(fn, *args)

    def _compile_esc(self, tok: str) -> Handler:
        if len(tok) < 2 or len(tok) > CSI_MAX or not "0" <= tok[-1] <= "~":
            return _noop  # a lone or aborted ESC
        inter, final = tok[1:-1], tok[-1]
        if not inter:
            if final == "=" or final == ">":
                return self._optional_call("set_keypad_application", final == "=")
            if final == "\\":
                return _noop  # a stray ST
            if final == "E":
                return self._base["\x85"]  # NEL: LF then CR (pyte maps it to a bare LF)
            if final == "V" or final == "W":
                return self._base["\x96" if final == "V" else "\x97"]  # SPA / EPA
            if final in _EXTRA_ESC:
                return self._optional_call(_EXTRA_ESC[final])
            if final == "Z":
                return self._base["\x9a"]  # DECID: the obsolete form of primary DA
            return self._event(self.escape.get(final), tok)
        if inter == "(" or inter == ")":
            return partial(self.listener.define_charset, final, mode=inter)
        if inter == "#":
            return self._event(self.sharp.get(final), tok)
        if inter == "%":
            return _noop  # select another character set: input is always UTF-8
        return partial(self.listener.debug, tok)

    def _event(self, name: str | None, tok: str) -> Handler:
        """The listener's handler for one of pyte's ESC events (its public ``escape``/``sharp`` tables), or
        ``debug`` for a final pyte does not know."""
        if name is None:
            return partial(self.listener.debug, tok)
        return getattr(self.listener, name)

    def _compile_osc(self, tok: str, start: int) -> Handler:
        if _string_terminated(tok, start, True):
            end = -2 if tok[-1] == "\\" else -1
            return partial(self._osc_dispatch, tok[start:end])
        return _noop  # aborted by CAN/SUB

    def _compile_dcs(self, tok: str, start: int) -> Handler:
        # The length test comes first, so that a sixel image (one huge token) is never sliced or copied.
        if len(tok) - start > DCS_MAX + 2 or not _is_dcs(tok) or not _string_terminated(tok, start, False):
            return _noop
        end = -2 if tok[-1] == "\\" else -1
        fn = partial(self._dcs_dispatch, tok[start:end])
        self._memo(tok, fn)
        return fn

    def _dcs_dispatch(self, payload: str) -> None:
        """A complete DCS payload of at most DCS_MAX characters: ``$q Pt`` is DECRQSS (``request_status_string(Pt)``);
        others are ignored."""
        if len(payload) <= DCS_MAX and payload.startswith("$q"):
            fn = self._optional["request_status_string"]
            if fn is not None:
                fn(payload[2:])

    def _osc_dispatch(self, payload: str) -> None:
        """``code;data``: 0/1/2 titles, 8 hyperlinks, other numeric codes to ``osc``."""
        if len(payload) > OSC_MAX:
            return
        code, _, data = payload.partition(";")
        if not code or len(code) > 9 or not (code.isascii() and code.isdigit()):
            return
        n = int(code)
        listener = self.listener
        if n == 0:
            _chain(partial(listener.set_icon_name, data), partial(listener.set_title, data))()
        elif n == 1:
            listener.set_icon_name(data)
        elif n == 2:
            listener.set_title(data)
        elif n == 8:
            params, sep, uri = data.partition(";")
            fn = self._optional["set_hyperlink"]
            if sep and fn is not None:
                fn(params, uri)
        else:
            fn = self._optional["osc"]
            if fn is not None:
                fn(n, data)
