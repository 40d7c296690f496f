"""The Terminal: what every event of the Stream means, over a primary and an alternate Screen.

Owns: the listener protocol (pyte's events plus mux's extensions: REP, SU/SD, CHT/CBT, DECSCUSR, DECRQM, DA2,
XTVERSION, DECRQSS, DECDSR, DECID, XTSAVE/XTRESTORE, kitty keyboard flags, OSC 7/8/9/52/133/777, colours, DECSLRM
(`set_left_right_margins`, which is SCOSC while DECLRMM is reset), DECBI/DECFI (`back_index`, `forward_index`),
DECIC/DECDC (`insert_columns`, `delete_columns`), character protection (DECSCA, SPA/EPA) and the selective erases
(DECSED, DECSEL, DECSERA), the VT420 rectangles DECFRA, DECERA and DECCRA), the modes (one `Modes` shared by both
screens: each mode has one source of truth), the alternate screen, the pen (SGR), charsets, tab stops, saved
cursors, titles, colours, replies to the child (through `on_reply`), desktop notifications (OSC 9 text,
iTerm2/Ghostty, and OSC 777 `notify;title;body`, rxvt/Ghostty, handed to `on_notify(title, body)`;
`OSC 9;<number>;...` is ConEmu's progress and other subcommands, not a notification, and is ignored), and resize.
Cells are written by the active `Screen`.

Colours, as xterm keeps them (specs are read by `mux.terminal.colors`; a reply is `rgb:rrrr/gggg/bbbb` then ST):
- OSC 4 `;index;spec` pairs: the 256-colour `palette`, and at 256-260 the special colours (`special_colors`:
  bold, underline, blink, reverse, italic). OSC 5 `;n;spec` pairs address the special colours as 0-4. A spec `?`
  is a query, answered in order with the index mux parsed; a spec that does not parse leaves its entry alone.
- OSC 10-19 the dynamic colours (`colors`: 10 foreground, 11 background, 12 cursor, 13/14 mouse foreground and
  background, 15/16 Tek foreground and background, 17 highlight background, 18 Tek cursor, 19 highlight
  foreground): `OSC 10;a;b;c` sets or queries 10, 11 and 12 in turn.
- OSC 104 resets the entries it lists (256-260 being the special colours), all 256 palette entries when it lists
  none; OSC 105 the special colours it lists (all when none); OSC 110-119 dynamic colour 10-19. RIS resets all.

Invariants:
- `screen` is `primary` or `alternate`; the alternate never keeps history (its PageList has no scrollback).
- A handler never raises on bad parameters: out-of-range values are clamped or ignored.
- Replies never echo text the child chose (no title report): they would be an injection vector. A reply is built
  from mux's state, fixed words and the numbers of a recognised request (DECRQSS's setting name, DECCKSR's id). The
  screen is never read back to the child either (no DECRQCRA checksum): it would let any program read what others
  wrote.
- Character protection is one bit of the pen's Style (styles.PROTECTED), carried into each cell written; `protection`
  remembers which kind the child used last, as xterm does: after SPA (ISO) ED, EL and ECH keep protected cells,
  after DECSCA (DEC) only DECSED, DECSEL and DECSERA do (DECSED and DECSEL keep them after SPA too, as xterm).
- Memory is bounded: the primary screen by the scrollback limits, the alternate by its active area, clusters by
  MAX_KEPT_CLUSTER codepoints, links by MAX_URI_BYTES, titles by MAX_TITLE.
- What `on_title` and `on_notify` get has no control characters (C0, DEL, C1: no ESC, no BEL) and is bounded
  (MAX_TITLE; MAX_NOTIFY_TITLE and MAX_NOTIFY_BODY), whatever the child wrote.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from mux import __version__
from mux.terminal.colors import format_color, parse_color
from mux.terminal.page import Page
from mux.terminal.pagelist import DEFAULT_LIMIT_BYTES, PageList
from mux.terminal.screen import Modes, Screen
from mux.terminal.styles import (
    DEFAULT_STYLE,
    PROTECTED,
    SGR_CACHE,
    XTERM_BACKGROUND,
    XTERM_FOREGROUND,
    XTERM_PALETTE,
    Style,
    apply_sgr,
    sgr_report,
)

MAX_URI_BYTES = 8192
MAX_TITLE = 4096
MAX_NOTIFY_TITLE = 256      # characters of a desktop notification's title...
MAX_NOTIFY_BODY = 1024      # ...and of its body (what is longer is cut)
MAX_DIMENSION = 4096

# DEC private modes mux implements (others are accepted and ignored; DECRQM reports them as "not recognised", or as
# permanently set or reset: PERMANENT_PRIVATE).
DECCKM, DECCOLM, DECSCNM, DECOM, DECAWM, BLINKING_CURSOR, DECTCEM = 1, 3, 5, 6, 7, 12, 25
ALLOW_DECCOLM = 40          # xterm's "allow 80 <-> 132": DECCOLM does nothing without it
MORE_FIX = 41               # xterm's more(1) fix: a TAB after a full line wraps first (old curses output)
MOUSE_X10, MOUSE_NORMAL, MOUSE_BUTTON, MOUSE_ANY = 9, 1000, 1002, 1003
FOCUS_EVENTS, MOUSE_UTF8, MOUSE_SGR, ALT_SCROLL, MOUSE_URXVT = 1004, 1005, 1006, 1007, 1015
ALT_47, ALT_1047, SAVE_CURSOR_1048, ALT_1049 = 47, 1047, 1048, 1049
BRACKETED_PASTE, SYNC_OUTPUT, GRAPHEME_CLUSTERING = 2004, 2026, 2027
REVERSE_WRAP = 45           # xterm's reverse-wraparound: BS / CUB at the left margin go to the row above
DECNKM = 66                 # numeric keypad mode: the same state as DECKPAM / DECKPNM (ESC = / ESC >)
DECLRMM = 69                # left/right margin mode: CSI Pl ; Pr s is DECSLRM while it is set (else SCOSC)
KNOWN_PRIVATE = {DECCKM, DECCOLM, ALLOW_DECCOLM, MORE_FIX, DECSCNM, DECOM, DECAWM, BLINKING_CURSOR, DECTCEM, MOUSE_X10,
                 MOUSE_NORMAL, DECNKM,
                 MOUSE_BUTTON, MOUSE_ANY, FOCUS_EVENTS, MOUSE_UTF8, MOUSE_SGR, ALT_SCROLL, MOUSE_URXVT,
                 ALT_47, ALT_1047, SAVE_CURSOR_1048, ALT_1049, BRACKETED_PASTE, SYNC_OUTPUT, GRAPHEME_CLUSTERING,
                 REVERSE_WRAP, DECLRMM}
ALT_MODES = (ALT_47, ALT_1047, ALT_1049)
MOUSE_TRACKING = (MOUSE_X10, MOUSE_NORMAL, MOUSE_BUTTON, MOUSE_ANY)
MOUSE_ENCODINGS = (MOUSE_UTF8, MOUSE_SGR, MOUSE_URXVT)
# Private modes kept as named attributes of Modes (the cell writer reads them); the rest live in Modes.dec.
NAMED_PRIVATE = {DECAWM: "autowrap", DECOM: "origin", GRAPHEME_CLUSTERING: "clustering",
                 REVERSE_WRAP: "reverse_wrap"}
#: Private modes whose whole effect is their membership in Modes.dec (the compiled hot path sets these itself).
PLAIN_PRIVATE = frozenset(KNOWN_PRIVATE - set(NAMED_PRIVATE) - set(ALT_MODES) - set(MOUSE_TRACKING)
                          - set(MOUSE_ENCODINGS) - {SAVE_CURSOR_1048, DECSCNM, DECCOLM, DECLRMM, DECNKM})
#: The private modes XTSAVE / XTRESTORE keep (1048 is an action, saving the cursor, not a state).
SAVEABLE_PRIVATE = frozenset(KNOWN_PRIVATE - {SAVE_CURSOR_1048})
# ANSI modes
IRM, LNM = 4, 20
NAMED_ANSI = {IRM: "insert", LNM: "newline"}

# xterm's special colours, entries 256+ of its colour table (OSC 4) and 0+ of OSC 5; they default to the foreground.
PALETTE_SIZE = 256
SPECIAL_COLORS = ("bold", "underline", "blink", "reverse", "italic")
# The dynamic colours (OSC 10-19; OSC 110-119 reset them) default to the foreground or the background, as xterm's
# do; 12 (the cursor) has its own default.
DYNAMIC_COLORS = range(10, 20)
_DYNAMIC_ON_BACKGROUND = frozenset({11, 14, 16, 19})
# Character protection the child used last (Terminal.protection): none, DECSCA (DEC) or SPA/EPA (ISO).
PROTECT_OFF, PROTECT_DEC, PROTECT_ISO = 0, 1, 2
# DECFRA fills only with the characters xterm accepts: printable ASCII and Latin-1.
_FILL_CHARS = frozenset([*range(32, 127), *range(160, 256)])
# DECRQM's answer for the modes a pane can never have: 4 "permanently reset" or 3 "permanently set". It tells a
# program that setting the mode does nothing, where 0 ("not recognised") would leave it guessing.
PERMANENTLY_RESET, PERMANENTLY_SET = 4, 3
PERMANENT_ANSI = {
    1: PERMANENTLY_RESET,       # GATM guarded area transfer
    2: PERMANENTLY_RESET,       # KAM keyboard action: a child never locks the user's keyboard
    3: PERMANENTLY_RESET,       # CRM control representation: controls are never shown as glyphs
    5: PERMANENTLY_RESET,       # SRTM status report transfer
    7: PERMANENTLY_RESET,       # VEM vertical editing
    10: PERMANENTLY_RESET,      # HEM horizontal editing
    11: PERMANENTLY_RESET,      # PUM positioning unit
    12: PERMANENTLY_SET,        # SRM send/receive: set means no local echo, and a pane never echoes locally
    13: PERMANENTLY_RESET,      # FEAM format effector action
    14: PERMANENTLY_RESET,      # FETM format effector transfer
    15: PERMANENTLY_RESET,      # MATM multiple area transfer
    16: PERMANENTLY_RESET,      # TTM transfer termination
    17: PERMANENTLY_RESET,      # SATM selected area transfer
    18: PERMANENTLY_RESET,      # TSM tabulation stop
    19: PERMANENTLY_RESET,      # EBM editing boundary
}
PERMANENT_PRIVATE = {
    4: PERMANENTLY_RESET,       # DECSCLM smooth scrolling: scrolling is always a jump
    8: PERMANENTLY_SET,         # DECARM auto-repeat: keys repeat as the user's own terminal repeats them
    18: PERMANENTLY_RESET,      # DECPFF print form feed: there is no printer
    19: PERMANENTLY_RESET,      # DECPEX print extent: there is no printer
    35: PERMANENTLY_RESET,      # DECHEBM Hebrew keyboard mapping
    42: PERMANENTLY_RESET,      # DECNRCM national replacement character sets
    60: PERMANENTLY_RESET,      # DECHCCM horizontal cursor coupling: there is no horizontal scrolling
    67: PERMANENTLY_RESET,      # DECBKM: the backarrow key always sends DEL (mux.session.keys)
}

#: DECDSR (CSI ? Ps n) requests -> the fixed status mux answers.
DECDSR_STATUS = {
    15: "13",       # printer: none
    25: "21",       # user-defined keys: locked (there are none to define)
    26: "27;0",     # keyboard: language unknown (the VT220 form: no status or type)
    53: "50",       # locator (DEC's request): none
    55: "50",       # locator (xterm's request): none
    56: "57;0",     # locator type: none
    75: "70",       # data integrity: no errors
    85: "83",       # multiple sessions: not configured
}

#: DECSCL's operating levels run from 1 (VT100) to 5 (VT500). mux starts at the highest, the level of the newest
#: sequences it implements (DECSCUSR, DECRQSS, DECRQM); a program may ask for a lower one, where the reports of the
#: higher levels stay unanswered as on a real terminal (DECRQM is a VT300 report). DA1 still says VT220 (62), as
#: Ghostty's does: programs read DA1 to pick features, and a higher class would promise ones a pane lacks.
MAX_OPERATING_LEVEL = 5
DECRQM_LEVEL = 3
DECSLRM_LEVEL = 4     # left/right margins are a VT420 feature

# OSC 133 semantic prompt marks stored in row flags
PROMPT_MARKS = {"A": 1, "B": 2, "C": 3, "D": 0}

_DEC_GRAPHICS = str.maketrans(dict(zip(
    "`abcdefghijklmnopqrstuvwxyz{|}~",
    "◆▒␉␌␍␊°±␤␋┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·", strict=True)))
# The charsets ESC ( / ESC ) designate, beyond ASCII (B): their str.translate tables.
_CHARSETS = {"0": _DEC_GRAPHICS, "A": str.maketrans({"#": "£"})}      # DEC special graphics, UK
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """`text` without C0, DEL and C1 controls: a child's title is shown by the UI, which must never write a
    child's escape sequences to the real terminal."""
    return _CONTROLS.sub("", text)


def _palette_index(text: str, limit: int = PALETTE_SIZE) -> int | None:
    """An index 0 to limit-1 written in ASCII digits, else None (`str.isdigit` also accepts "²", which `int`
    refuses, and `int` refuses more than 4300 digits)."""
    if 0 < len(text) <= 9 and text.isascii() and text.isdigit():
        n = int(text)
        return n if n < limit else None
    return None


class SavedCursor:
    """What DECSC saves. Not DECAWM: as in xterm, Ghostty and tmux, DECRC leaves autowrap as it is."""

    __slots__ = ("x", "y", "pen", "origin", "pending_wrap", "g", "active_g")

    def __init__(self, x: int, y: int, pen: Style, origin: bool, pending_wrap: bool,
                 g: list[str], active_g: int) -> None:
        self.x, self.y, self.pen, self.origin = x, y, pen, origin
        self.pending_wrap, self.g, self.active_g = pending_wrap, list(g), active_g


class Terminal:
    def __init__(self, columns: int = 80, lines: int = 24, *, scrollback_limit: int = DEFAULT_LIMIT_BYTES,
                 scrollback_lines: int | None = None, on_reply: Callable[[bytes], None] | None = None,
                 on_title: Callable[[str], None] | None = None, on_bell: Callable[[], None] | None = None,
                 on_clipboard: Callable[[str, str], None] | None = None,
                 on_notify: Callable[[str, str], None] | None = None,
                 palette: tuple[int, ...] = XTERM_PALETTE, default_fg: int = XTERM_FOREGROUND,
                 default_bg: int = XTERM_BACKGROUND, cursor_color: int = XTERM_FOREGROUND) -> None:
        columns = max(1, min(MAX_DIMENSION, columns))
        lines = max(1, min(MAX_DIMENSION, lines))
        self.columns = columns
        self.lines = lines
        self.on_reply = on_reply
        self.on_title = on_title
        self.on_bell = on_bell
        self.on_clipboard = on_clipboard
        self.on_notify = on_notify
        self.modes = Modes(columns, lines)
        self.primary = Screen(PageList(columns, lines, limit_bytes=scrollback_limit, limit_lines=scrollback_lines),
                              self.modes, keeps_history=True)
        self.alternate: Screen | None = None
        self.screen = self.primary
        self.base_palette = palette
        self.palette = list(palette)
        self.base_colors = {n: default_bg if n in _DYNAMIC_ON_BACKGROUND else default_fg for n in DYNAMIC_COLORS}
        self.base_colors[12] = cursor_color
        self.colors = dict(self.base_colors)
        self.base_special_colors = (default_fg,) * len(SPECIAL_COLORS)
        self.special_colors = list(self.base_special_colors)
        self.title = ""
        self.icon_name = ""
        self.cwd = ""
        self.bell_count = 0
        self.notify_count = 0
        self.errors = 0
        self._reset_state()

    # ------------------------------------------------------------------ state

    def _reset_state(self) -> None:
        modes = self.modes
        modes.reset(self.columns, self.lines)
        modes.dec |= {DECTCEM}
        s = self.screen
        s.move_to(0, 0)
        s.pen = DEFAULT_STYLE
        s.link = None
        s.last_char = ""
        self.keypad_application = False
        self.cursor_style = 0
        self.tabstops = set(range(8, self.columns, 8))
        self.g = ["B", "B"]
        self.active_g = 0
        self.saved: dict[bool, SavedCursor] = {}
        self.saved_modes: dict[int, bool] = {}      # XTSAVE: at most one entry per SAVEABLE_PRIVATE mode
        self.operating_level = MAX_OPERATING_LEVEL  # DECSCL
        self.keyboard_flags: list[int] = [0]
        self.protection = PROTECT_OFF

    # Where the cursor is, for the layers above (the active screen's).
    @property
    def x(self) -> int:
        return self.screen.x

    @property
    def y(self) -> int:
        return self.screen.y

    @property
    def pen(self) -> Style:
        return self.screen.pen

    @property
    def pagelist(self) -> PageList:
        """The active screen's PageList."""
        return self.screen.pages

    @property
    def margin_top(self) -> int:
        return self.modes.margin_top

    @property
    def margin_bottom(self) -> int:
        return self.modes.margin_bottom

    @property
    def in_alternate(self) -> bool:
        return self.screen is not self.primary

    def mode_is_set(self, mode: int, private: bool = True) -> bool:
        """Whether a mode is set, wherever it is kept (named attribute or number set)."""
        modes = self.modes
        if private:
            if mode in NAMED_PRIVATE:
                return getattr(modes, NAMED_PRIVATE[mode])
            if mode == ALT_1049:
                return self.in_alternate
            if mode == DECNKM:
                return self.keypad_application
            return mode in modes.dec
        return mode in NAMED_ANSI and getattr(modes, NAMED_ANSI[mode])

    @property
    def private_modes(self) -> set[int]:
        """Every DEC private mode that is set (a derived view, for tests and dumps)."""
        named = {mode for mode, name in NAMED_PRIVATE.items() if getattr(self.modes, name)}
        if self.keypad_application:
            named.add(DECNKM)
        return named | self.modes.dec

    @property
    def autowrap(self) -> bool:
        return self.modes.autowrap

    @property
    def cursor_visible(self) -> bool:
        return DECTCEM in self.modes.dec

    @property
    def grapheme_clustering(self) -> bool:
        return self.modes.clustering

    # Named modes for the layers above, which never test mode numbers themselves.
    @property
    def cursor_keys_application(self) -> bool:
        return DECCKM in self.modes.dec

    @property
    def bracketed_paste(self) -> bool:
        return BRACKETED_PASTE in self.modes.dec

    @property
    def focus_events(self) -> bool:
        return FOCUS_EVENTS in self.modes.dec

    @property
    def synchronized_output(self) -> bool:
        return SYNC_OUTPUT in self.modes.dec

    @property
    def reverse_video(self) -> bool:
        return DECSCNM in self.modes.dec

    @property
    def reports_all_motion(self) -> bool:
        return MOUSE_ANY in self.modes.dec

    @property
    def mouse_tracking(self) -> int | None:
        """The mouse tracking mode the child asked for (9, 1000, 1002, 1003), or None."""
        for mode in (MOUSE_ANY, MOUSE_BUTTON, MOUSE_NORMAL, MOUSE_X10):
            if mode in self.modes.dec:
                return mode
        return None

    @property
    def mouse_encoding(self) -> str:
        dec = self.modes.dec
        if MOUSE_SGR in dec:
            return "sgr"
        if MOUSE_URXVT in dec:
            return "urxvt"
        if MOUSE_UTF8 in dec:
            return "utf8"
        return "x10"

    # ------------------------------------------------------------------ drawing and simple controls

    def draw(self, text: str) -> None:
        self.screen.draw(text)

    def draw_lines(self, lines: list[str]) -> None:
        self.screen.draw_lines(lines)

    def repeat_last(self, count: int = 1) -> None:
        self.screen.repeat_last(count)

    def bell(self, *args: object) -> None:
        self.bell_count += 1
        if self.on_bell is not None:
            self.on_bell()

    def backspace(self) -> None:
        self.screen.backspace()

    def tab(self) -> None:
        if self.screen.pending_wrap and MORE_FIX in self.modes.dec:
            self.screen.wrap_pending()
        self.cursor_forward_tab(1)

    def carriage_return(self) -> None:
        self.screen.carriage_return()

    def linefeed(self) -> None:
        self.screen.linefeed()

    def index(self) -> None:
        self.screen.index()

    def reverse_index(self) -> None:
        self.screen.reverse_index()

    def shift_out(self) -> None:
        self.active_g = 1
        self._update_translate()

    def shift_in(self) -> None:
        self.active_g = 0
        self._update_translate()

    def define_charset(self, code: str, mode: str) -> None:
        slot = {"(": 0, ")": 1}.get(mode)
        if slot is not None:
            self.g[slot] = code
            self._update_translate()

    def _update_translate(self) -> None:
        self.screen.flush()
        self.modes.translate = _CHARSETS.get(self.g[self.active_g])

    # ------------------------------------------------------------------ scrolling and editing

    def scroll_up(self, count: int = 1) -> None:
        self.screen.scroll_up(count)

    def scroll_down(self, count: int = 1) -> None:
        self.screen.scroll_down(count)

    def insert_characters(self, count: int = 1) -> None:
        self.screen.insert_characters(count)

    def delete_characters(self, count: int = 1) -> None:
        self.screen.delete_characters(count)

    def erase_characters(self, count: int = 1) -> None:
        if self.protection == PROTECT_ISO:
            self.screen.selective_erase_characters(count)
        else:
            self.screen.erase_characters(count)

    def insert_lines(self, count: int = 1) -> None:
        self.screen.insert_lines(count)

    def delete_lines(self, count: int = 1) -> None:
        self.screen.delete_lines(count)

    def erase_in_line(self, how: int = 0, private: bool = False) -> None:
        """EL, and DECSEL (`private`), which keeps protected cells."""
        if self.keeps_protected(private):
            self.screen.selective_erase_in_line(how)
        else:
            self.screen.erase_in_line(how)

    def erase_in_display(self, how: int = 0, private: bool = False, *args: object) -> None:
        """ED, and DECSED (`private`), which keeps protected cells."""
        if self.keeps_protected(private):
            self.screen.selective_erase_in_display(how)
        else:
            self.screen.erase_in_display(how)

    def keeps_protected(self, selective: bool) -> bool:
        """Whether an erase keeps protected cells: a selective one (DECSED, DECSEL) whenever protection was used,
        ED, EL and ECH only when it was SPA's (ISO) last."""
        if selective:
            return self.protection != PROTECT_OFF
        return self.protection == PROTECT_ISO

    # ------------------------------------------------------------------ character protection and rectangles

    def _protect_pen(self, on: bool) -> None:
        s = self.screen
        fg, bg, ul, attrs = s.pen
        new = attrs | PROTECTED if on else attrs & ~PROTECTED
        if new != attrs:        # an unchanged pen stays the same object (the cell writer compares pens by identity)
            pen = (fg, bg, ul, new)
            s.pen = DEFAULT_STYLE if pen == DEFAULT_STYLE else pen

    def set_character_protection(self, mode: int = 0) -> None:
        """DECSCA: 1 protects the cells written from now on (against DECSED, DECSEL, DECSERA), 0 and 2 stop."""
        if mode in (0, 1, 2):
            self.protection = PROTECT_DEC
            self._protect_pen(mode == 1)

    def start_protected_area(self) -> None:
        """SPA: cells written from now on are protected (ISO: also against ED, EL and ECH)."""
        self.protection = PROTECT_ISO
        self._protect_pen(True)

    def end_protected_area(self) -> None:
        """EPA: cells written from now on are not protected."""
        self._protect_pen(False)

    def _rectangle_origin(self) -> tuple[int, int]:
        """(x, y) of the cell a rectangle's 1;1 names: the margins' top-left corner in origin mode."""
        modes = self.modes
        return (modes.margin_left, modes.margin_top) if modes.origin else (0, 0)

    def _rectangle(self, top: int, left: int, bottom: int, right: int) -> tuple[int, int, int, int] | None:
        """A rectangle's 1-based inclusive parameters (0: the default, the screen's edge) as screen cells
        (x0, y0, x1, y1), columns [x0, x1) of rows [y0, y1): relative to the margins' top-left corner in origin
        mode, clamped to the screen. None when empty."""
        ox, oy = self._rectangle_origin()
        y0 = max(1, top) - 1 + oy
        x0 = max(1, left) - 1 + ox
        y1 = min(self.lines, bottom + oy if bottom > 0 else self.lines)
        x1 = min(self.columns, right + ox if right > 0 else self.columns)
        if y0 >= y1 or x0 >= x1:
            return None
        return x0, y0, x1, y1

    def fill_rectangle(self, char: int = 0, top: int = 0, left: int = 0, bottom: int = 0, right: int = 0) -> None:
        """DECFRA: fill a rectangle with one character (printable ASCII or Latin-1, else ignored) in the pen."""
        rect = self._rectangle(top, left, bottom, right)
        if rect is not None and char in _FILL_CHARS:
            self.screen.fill_rect(*rect, chr(char))

    def erase_rectangle(self, top: int = 0, left: int = 0, bottom: int = 0, right: int = 0) -> None:
        """DECERA: blank a rectangle, protected cells included."""
        rect = self._rectangle(top, left, bottom, right)
        if rect is not None:
            self.screen.erase_rect(*rect)

    def selective_erase_rectangle(self, top: int = 0, left: int = 0, bottom: int = 0, right: int = 0) -> None:
        """DECSERA: blank a rectangle, keeping DEC-protected cells (after SPA nothing is kept, as in xterm)."""
        rect = self._rectangle(top, left, bottom, right)
        if rect is not None:
            self.screen.erase_rect(*rect, keep_protected=self.protection == PROTECT_DEC)

    def copy_rectangle(self, top: int = 0, left: int = 0, bottom: int = 0, right: int = 0, page: int = 0,
                       dest_top: int = 0, dest_left: int = 0, *args: int) -> None:
        """DECCRA: copy a rectangle to (dest_top, dest_left), clipped to the screen; page numbers are ignored
        (mux has one page)."""
        rect = self._rectangle(top, left, bottom, right)
        if rect is None:
            return
        ox, oy = self._rectangle_origin()
        dy = max(1, dest_top) - 1 + oy
        dx = max(1, dest_left) - 1 + ox
        if dy < self.lines and dx < self.columns:
            self.screen.copy_rect(*rect, dx, dy)

    def back_index(self) -> None:
        """DECBI (ESC 6)."""
        self.screen.back_index()

    def forward_index(self) -> None:
        """DECFI (ESC 9)."""
        self.screen.forward_index()

    def insert_columns(self, count: int = 1) -> None:
        """DECIC (CSI Pn ' })."""
        self.screen.insert_columns(count)

    def delete_columns(self, count: int = 1) -> None:
        """DECDC (CSI Pn ' ~)."""
        self.screen.delete_columns(count)

    def alignment_display(self) -> None:
        """DECALN: fill the screen with E, reset margins, home the cursor."""
        self.modes.reset_margins(self.columns, self.lines)
        self.screen.fill("E")
        self.screen.move_to(0, 0)

    # ------------------------------------------------------------------ cursor motion

    def _clamp_y(self, y: int) -> int:
        modes = self.modes
        if modes.origin:
            return max(modes.margin_top, min(modes.margin_bottom, y))
        return max(0, min(self.lines - 1, y))

    def _clamp_x(self, column: int) -> int:
        """A 0-based column of CUP/HVP/CHA/HPA: in origin mode relative to the left margin and kept inside the
        margins (xterm, Ghostty)."""
        modes = self.modes
        if modes.origin:
            return min(column + modes.margin_left, modes.margin_right)
        return min(column, self.columns - 1)

    def cursor_position(self, line: int | None = None, column: int | None = None) -> None:
        line = max(1, line or 1) - 1
        column = max(1, column or 1) - 1
        if self.modes.origin:
            line += self.modes.margin_top
        self.screen.move_to(self._clamp_x(column), self._clamp_y(line))

    def cursor_to_column(self, column: int | None = None) -> None:
        s = self.screen
        s.move_to(self._clamp_x(max(1, column or 1) - 1), s.y)

    def cursor_to_line(self, line: int | None = None) -> None:
        line = max(1, line or 1) - 1
        if self.modes.origin:
            line += self.modes.margin_top
        s = self.screen
        s.move_to(s.x, self._clamp_y(line))

    def cursor_up(self, count: int | None = None) -> None:
        s = self.screen
        top = self.modes.margin_top if s.y >= self.modes.margin_top else 0
        s.move_to(s.x, max(top, s.y - max(1, count or 1)))

    def cursor_down(self, count: int | None = None) -> None:
        s = self.screen
        bottom = self.modes.margin_bottom if s.y <= self.modes.margin_bottom else self.lines - 1
        s.move_to(s.x, min(bottom, s.y + max(1, count or 1)))

    def cursor_up1(self, count: int | None = None) -> None:
        """CPL: up, then to the left margin as CR goes there."""
        self.cursor_up(count)
        self.screen.carriage_return()

    def cursor_down1(self, count: int | None = None) -> None:
        """CNL: down, then to the left margin as CR goes there."""
        self.cursor_down(count)
        self.screen.carriage_return()

    def cursor_back(self, count: int | None = None) -> None:
        s = self.screen
        s.cursor_left(count or 1)
        s.last_cluster = ""         # a moved cursor: what follows never joins the last cluster (BS keeps it)

    def cursor_forward(self, count: int | None = None) -> None:
        """CUF/HPR: right, stopping at the right margin (at the last column when the cursor is right of it)."""
        s = self.screen
        right = self.modes.margin_right
        limit = right if s.x <= right else self.columns - 1
        s.move_to(min(limit, s.x + max(1, count or 1)), s.y)

    def set_tab_stop(self) -> None:
        self.tabstops.add(self.screen.x)

    def clear_tab_stop(self, how: int = 0) -> None:
        if how == 0:
            self.tabstops.discard(self.screen.x)
        elif how == 3:
            self.tabstops.clear()

    def cursor_forward_tab(self, count: int = 1) -> None:
        """HT/CHT: to the next tab stop, stopping at the right margin (at the last column when the cursor is right
        of it), as DEC terminals and xterm do."""
        s = self.screen
        x = s.x
        right = self.modes.margin_right
        limit = right if x <= right else self.columns - 1
        for _ in range(max(1, min(count, self.columns))):
            nxt = [t for t in self.tabstops if x < t < limit]
            x = min(nxt) if nxt else max(x, limit)
        s.x = x
        s.last_cluster = ""

    def cursor_back_tab(self, count: int = 1) -> None:
        """CBT: to the previous tab stop, stopping at the left margin in origin mode (Ghostty)."""
        s = self.screen
        x = s.x
        limit = self.modes.margin_left if self.modes.origin else 0
        for _ in range(max(1, min(count, self.columns))):
            prev = [t for t in self.tabstops if limit < t < x]
            x = max(prev) if prev else min(x, limit)
        s.move_to(x, s.y)

    def set_margins(self, top: int | None = None, bottom: int | None = None, *args: object) -> None:
        """DECSTBM; the cursor goes home."""
        top = max(1, top or 1) - 1
        bottom = min((bottom or self.lines) - 1, self.lines - 1)
        if bottom - top < 1:
            return
        self.screen.flush()
        self.modes.margin_top, self.modes.margin_bottom = top, bottom
        self.cursor_position()

    def set_left_right_margins(self, *args: int) -> None:
        """CSI Pl ; Pr s: DECSLRM while DECLRMM (mode 69) is set: left/right margins (1-based, defaults the full
        width, ignored unless left < right), then the cursor goes home (honouring origin mode). While DECLRMM is
        reset, a bare `CSI s` is SCOSC (save the cursor) and one with parameters is ignored (as Ghostty); so too
        below the VT420 operating level (DECSCL)."""
        if DECLRMM not in self.modes.dec or self.operating_level < DECSLRM_LEVEL:
            if not args:
                self.save_cursor()
            return
        left = max(1, args[0] if args and args[0] else 1) - 1
        right = min(args[1] if len(args) > 1 and args[1] else self.columns, self.columns) - 1
        if left >= right:
            return
        self.screen.flush()
        self.modes.margin_left, self.modes.margin_right = left, right
        self.cursor_position()

    # ------------------------------------------------------------------ save/restore, reset

    def save_cursor(self) -> None:
        s = self.screen
        self.saved[self.in_alternate] = SavedCursor(s.x, s.y, s.pen, self.modes.origin,
                                                    s.pending_wrap, self.g, self.active_g)

    def restore_cursor(self) -> None:
        s = self.screen
        saved = self.saved.get(self.in_alternate)
        if saved is None:
            self.modes.origin = False
            self.cursor_position()
            s.pen = DEFAULT_STYLE
            return
        s.flush()
        s.move_to(min(saved.x, self.columns - 1), min(saved.y, self.lines - 1))
        s.pen = saved.pen
        self.modes.origin = saved.origin
        # DECAWM is not restored: xterm and Ghostty keep the current one (esctest's SaveRestoreCursor_Wrap), and a
        # pending wrap means something only under autowrap.
        s.pending_wrap = (saved.pending_wrap and self.modes.autowrap
                          and s.x in (self.columns - 1, self.modes.margin_right))
        self.g = list(saved.g)
        self.active_g = saved.active_g
        self._update_translate()

    def reset(self) -> None:
        """RIS: back to the power-on state. Scrollback is kept (as in tmux)."""
        self.screen.flush()
        if self.in_alternate:
            self._leave_alternate()
        self._reset_state()
        self.screen.clear()
        self.palette = list(self.base_palette)
        self.colors = dict(self.base_colors)
        self.special_colors = list(self.base_special_colors)
        self.title = self.icon_name = ""

    def soft_reset(self) -> None:
        """DECSTR: modes, margins, pen and saved cursor back to defaults; the screen is kept."""
        s = self.screen
        s.flush()
        s.pen = DEFAULT_STYLE
        modes = self.modes
        modes.reset_margins(self.columns, self.lines)
        modes.dec.discard(DECLRMM)
        modes.reverse_wrap = False
        modes.origin = False
        modes.autowrap = True
        modes.insert = False
        modes.dec |= {DECTCEM}
        modes.dec.discard(DECCKM)
        self.keypad_application = False
        self.g = ["B", "B"]
        self.active_g = 0
        self._update_translate()
        self.saved.pop(self.in_alternate, None)
        s.pending_wrap = False

    # ------------------------------------------------------------------ modes

    def set_mode(self, *modes: int, private: bool = False) -> None:
        for mode in modes:
            self._mode(mode, private, True)

    def reset_mode(self, *modes: int, private: bool = False) -> None:
        for mode in modes:
            self._mode(mode, private, False)

    def _mode(self, mode: int, private: bool, on: bool) -> None:
        self.screen.flush()
        if not isinstance(mode, int):
            return
        modes = self.modes
        if not private:
            if mode in NAMED_ANSI:
                setattr(modes, NAMED_ANSI[mode], on)
            return
        if mode not in KNOWN_PRIVATE:
            return
        if mode in ALT_MODES:
            self._alternate(mode, on)
            return
        if mode == SAVE_CURSOR_1048:
            self.save_cursor() if on else self.restore_cursor()
            return
        if mode == DECNKM:
            self.keypad_application = on
            return
        if mode in NAMED_PRIVATE:
            setattr(modes, NAMED_PRIVATE[mode], on)
            if mode == DECAWM and not on:
                self.screen.pending_wrap = False
            elif mode == DECOM:
                self.cursor_position()
            return
        if on and mode in MOUSE_TRACKING:
            modes.dec.difference_update(MOUSE_TRACKING)
        if on and mode in MOUSE_ENCODINGS:
            modes.dec.difference_update(MOUSE_ENCODINGS)
        if on:
            modes.dec.add(mode)
        else:
            modes.dec.discard(mode)
        if mode == DECSCNM:
            self.screen.mark_all_dirty()
        elif mode == DECLRMM and not on:
            modes.reset_left_right_margins(self.columns)
            if self.screen.x != self.columns - 1:
                self.screen.pending_wrap = False    # it was at the right margin, which is gone
        elif mode == DECCOLM and ALLOW_DECCOLM in modes.dec:
            # xterm and Ghostty: switching 80/132 columns clears the screen, resets the margins and homes the
            # cursor. The width stays the pane's: the program is in a pane, the pane's size is the layout's. The
            # clear is the screen's, not ED's: protected cells go too.
            self.screen.flush()
            modes.reset_margins(self.columns, self.lines)
            self.screen.erase_in_display(2)
            self.cursor_position()

    def save_modes(self, *modes: int) -> None:
        """XTSAVE (CSI ? Pm s): remember the state of each DEC private mode named that mux knows."""
        for mode in modes:
            if mode in SAVEABLE_PRIVATE:
                self.saved_modes[mode] = self.mode_is_set(mode)

    def restore_modes(self, *modes: int) -> None:
        """XTRESTORE (CSI ? Pm r): set each mode named back to its XTSAVE state (a mode never saved is left)."""
        for mode in modes:
            on = self.saved_modes.get(mode) if isinstance(mode, int) else None
            if on is not None and on != self.mode_is_set(mode):
                self._mode(mode, True, on)

    def set_keypad_application(self, on: bool) -> None:
        self.keypad_application = on

    def set_cursor_style(self, style: int = 0) -> None:
        """DECSCUSR: 0/1 blinking block, 2 block, 3/4 underline, 5/6 bar."""
        if 0 <= style <= 6:
            self.cursor_style = style

    # ------------------------------------------------------------------ alternate screen

    def _switch_to(self, screen: Screen) -> None:
        screen.copy_cursor(self.screen)
        self.screen = screen

    def _alternate(self, mode: int, on: bool) -> None:
        if on == self.in_alternate:
            if on and mode in (ALT_1047, ALT_1049):
                self.screen.clear()
            return
        if on:
            if mode == ALT_1049:
                self.save_cursor()
            if self.alternate is None:
                self.alternate = Screen(PageList(self.columns, self.lines, limit_bytes=0, preheat=1, max_free=2),
                                        self.modes, keeps_history=False)
            self._switch_to(self.alternate)
            self.modes.dec.add(mode)
            if mode == ALT_1049:
                self.screen.clear()
                self.saved[True] = self.saved[False]
        else:
            self._leave_alternate(clear=mode in (ALT_1047, ALT_1049))
            if mode == ALT_1049:
                self.restore_cursor()
        self.screen.mark_all_dirty()

    def _leave_alternate(self, clear: bool = True) -> None:
        if clear:
            self.screen.clear()
        self.modes.dec.difference_update(ALT_MODES)
        self._switch_to(self.primary)
        self.screen.mark_all_dirty()

    # ------------------------------------------------------------------ SGR, titles, OSC

    def select_graphic_rendition(self, *attrs: int | tuple, private: bool = False) -> None:
        if not private:
            s = self.screen
            s.pen = SGR_CACHE.get((s.pen, attrs)) or apply_sgr(s.pen, attrs)

    def set_title(self, text: str) -> None:
        self.title = strip_controls(text)[:MAX_TITLE]
        if self.on_title is not None:
            self.on_title(self.title)

    def set_icon_name(self, text: str) -> None:
        self.icon_name = strip_controls(text)[:MAX_TITLE]

    def set_hyperlink(self, params: str, uri: str) -> None:
        """OSC 8: start a link (cells drawn from now on carry it), or end it with an empty URI."""
        s = self.screen
        s.flush()
        if not uri or len(uri.encode("utf-8", "replace")) > MAX_URI_BYTES:
            s.link = None
            return
        link_id = ""
        for part in params.split(":"):
            if part.startswith("id="):
                link_id = part[3:][:256]
        s.link = (link_id, uri)

    def osc(self, code: int, data: str) -> None:
        if code == 7:
            self.cwd = data[:MAX_TITLE]
        elif code == 52:
            self._osc_clipboard(data)
        elif code == 9:
            subcommand = data.partition(";")[0]
            if not (subcommand.isascii() and subcommand.isdigit()):     # OSC 9;4;... is ConEmu's progress
                self.notify("", data)
        elif code == 777:
            kind, _, rest = data.partition(";")
            if kind == "notify":
                title, _, body = rest.partition(";")
                self.notify(title, body)
        elif code == 133:
            mark = PROMPT_MARKS.get(data[:1])
            if mark is not None:
                self.screen.set_prompt_mark(mark)
        elif code == 4:
            self._osc_palette(data)
        elif code == 5:
            self._osc_special(data)
        elif code in DYNAMIC_COLORS:
            self._osc_dynamic(code, data)
        elif code == 104:
            self._osc_reset_palette(data)
        elif code == 105:
            self._osc_reset_special(data)
        elif code - 100 in DYNAMIC_COLORS:
            self.colors[code - 100] = self.base_colors[code - 100]

    def notify(self, title: str, body: str) -> None:
        """A desktop notification from the child (OSC 9, OSC 777): sanitised, bounded, handed to `on_notify`.
        One with neither title nor text is ignored."""
        title = strip_controls(title).strip()[:MAX_NOTIFY_TITLE]
        body = strip_controls(body).strip()[:MAX_NOTIFY_BODY]
        if not (title or body):
            return
        self.notify_count += 1
        if self.on_notify is not None:
            self.on_notify(title, body)

    def _osc_clipboard(self, data: str) -> None:
        """OSC 52 writes are handed to the app, which decides (off by default). Reads are never answered."""
        target, _, payload = data.partition(";")
        if payload == "?" or self.on_clipboard is None:
            return
        try:
            text = base64.b64decode(payload, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return
        self.on_clipboard(target or "c", text)

    def _osc_palette(self, data: str) -> None:
        """OSC 4: `index;spec` pairs; 0-255 the palette, 256-260 the special colours (xterm's one table)."""
        parts = data.split(";")
        for i in range(0, len(parts) - 1, 2):
            n = _palette_index(parts[i], PALETTE_SIZE + len(SPECIAL_COLORS))
            if n is None:
                continue
            spec = parts[i + 1]
            if spec == "?":
                rgb = self.palette[n] if n < PALETTE_SIZE else self.special_colors[n - PALETTE_SIZE]
                self._reply(f"\x1b]4;{n};{format_color(rgb)}\x1b\\")
                continue
            rgb = parse_color(spec)
            if rgb is None:
                continue
            if n < PALETTE_SIZE:
                self.palette[n] = rgb
                self.screen.mark_all_dirty()
            else:
                self.special_colors[n - PALETTE_SIZE] = rgb

    def _osc_special(self, data: str) -> None:
        """OSC 5: `n;spec` pairs on the special colours alone (0 bold ... 4 italic)."""
        parts = data.split(";")
        for i in range(0, len(parts) - 1, 2):
            n = _palette_index(parts[i], len(SPECIAL_COLORS))
            if n is None:
                continue
            spec = parts[i + 1]
            if spec == "?":
                self._reply(f"\x1b]5;{n};{format_color(self.special_colors[n])}\x1b\\")
                continue
            rgb = parse_color(spec)
            if rgb is not None:
                self.special_colors[n] = rgb

    def _osc_dynamic(self, code: int, data: str) -> None:
        """OSC 10-19: each spec goes to the next dynamic colour (`OSC 10;fg;bg`), up to 19."""
        for offset, spec in enumerate(data.split(";")[:len(DYNAMIC_COLORS)]):
            which = code + offset
            if which not in self.colors:
                break
            if spec == "?":
                self._reply(f"\x1b]{which};{format_color(self.colors[which])}\x1b\\")
            else:
                rgb = parse_color(spec)
                if rgb is not None:
                    self.colors[which] = rgb

    def _osc_reset_palette(self, data: str) -> None:
        """OSC 104: the listed entries (special colours too, at 256+), or the whole palette when none is listed."""
        if not data:
            self.palette = list(self.base_palette)
            self.screen.mark_all_dirty()
            return
        for part in data.split(";"):
            n = _palette_index(part, PALETTE_SIZE + len(SPECIAL_COLORS))
            if n is None:
                continue
            if n < PALETTE_SIZE:
                self.palette[n] = self.base_palette[n]
                self.screen.mark_all_dirty()
            else:
                self.special_colors[n - PALETTE_SIZE] = self.base_special_colors[n - PALETTE_SIZE]

    def _osc_reset_special(self, data: str) -> None:
        """OSC 105: the listed special colours (0-4), or all of them when none is listed."""
        if not data:
            self.special_colors = list(self.base_special_colors)
            return
        for part in data.split(";"):
            n = _palette_index(part, len(SPECIAL_COLORS))
            if n is not None:
                self.special_colors[n] = self.base_special_colors[n]

    # ------------------------------------------------------------------ replies

    def _reply(self, text: str) -> None:
        if self.on_reply is not None:
            self.on_reply(text.encode())

    def report_device_attributes(self, mode: int = 0, private: bool = False, **kwargs: object) -> None:
        if mode == 0 and not private:
            self._reply("\x1b[?62;22c")      # VT220 with ANSI colour

    def report_secondary_device_attributes(self) -> None:
        self._reply("\x1b[>1;10;0c")

    def report_version(self) -> None:
        self._reply(f"\x1bP>|mux {__version__}\x1b\\")

    def report_device_status(self, mode: int = 0, *args: int, private: bool = False, **kwargs: object) -> None:
        """DSR (CSI Ps n) and DECDSR (CSI ? Ps n). DECXCPR has no page (mux says it is a VT220); the DEC
        reports answer what a pane has: no printer, no user-defined keys, an unknown keyboard, no locator, no
        macros, a good link, no multiple sessions."""
        if mode == 5:
            self._reply("\x1b[0n")
        elif mode == 6:
            s = self.screen
            origin = self.modes.origin
            y = s.y - (self.modes.margin_top if origin else 0)
            x = s.x - (self.modes.margin_left if origin else 0)
            self._reply(f"\x1b[{'?' if private else ''}{y + 1};{max(0, x) + 1}R")
        elif private:
            if mode == 63:      # DECCKSR: the checksum of the (empty) macro memory, tagged with the request's id
                pid = args[0] if args and isinstance(args[0], int) else 0
                self._reply(f"\x1bP{max(0, min(pid, 65535))}!~0000\x1b\\")
            elif mode == 62:    # DECMSR: no macro space
                self._reply("\x1b[0*{")
            else:
                status = DECDSR_STATUS.get(mode)
                if status is not None:
                    self._reply(f"\x1b[?{status}n")

    def window_operation(self, operation: int = 0, *args: int) -> None:
        """XTWINOPS (CSI Ps t): only the size reports, in characters: 18 the text area (`CSI 8 ; rows ; cols t`)
        and 19 the screen (`CSI 9 ; rows ; cols t`), both the pane's size here. The title reports (20, 21) stay
        off, as in tmux and Ghostty: they echo text a program chose back as input. The rest moves or resizes the
        outer window, which a pane must not do."""
        if operation in (18, 19):
            self._reply(f"\x1b[{operation - 10};{self.lines};{self.columns}t")

    def request_mode(self, mode: int, private: bool = False) -> None:
        """DECRQM: 1 set, 2 reset, 3 permanently set, 4 permanently reset, 0 not recognised."""
        if self.operating_level < DECRQM_LEVEL:
            return
        if private:
            state = (1 if self.mode_is_set(mode) else 2) if mode in KNOWN_PRIVATE else PERMANENT_PRIVATE.get(mode, 0)
            self._reply(f"\x1b[?{mode};{state}$y")
        else:
            known = mode in NAMED_ANSI
            state = (1 if self.mode_is_set(mode, private=False) else 2) if known else PERMANENT_ANSI.get(mode, 0)
            self._reply(f"\x1b[{mode};{state}$y")

    def select_conformance_level(self, level: int = 0, controls: int = 0) -> None:
        """DECSCL (CSI Pl ; Pc " p): 61-65 pick the operating level (VT100-VT500) and soft-reset, as xterm does;
        other values are ignored. Replies stay 7-bit whatever `controls` asks."""
        if 61 <= level <= 60 + MAX_OPERATING_LEVEL:
            self.soft_reset()
            self.operating_level = level - 60

    def request_status_string(self, request: str) -> None:
        """DECRQSS (DCS $ q Pt ST): `DCS 1 $ r <value><Pt> ST` for a setting mux has, else `DCS 0 $ r ST`. The
        reply is built from mux's state and the recognised request only: nothing else the child sent is echoed."""
        report = STATUS_REPORTS.get(request)
        value = None if report is None else report(self)
        if value is None:
            self._reply("\x1bP0$r\x1b\\")
        else:
            self._reply(f"\x1bP1$r{value}{request}\x1b\\")

    def _status_sgr(self) -> str:
        return sgr_report(self.screen.pen)

    def _status_margins(self) -> str:
        return f"{self.modes.margin_top + 1};{self.modes.margin_bottom + 1}"

    def _status_side_margins(self) -> str:
        return f"{self.modes.margin_left + 1};{self.modes.margin_right + 1}"

    def _status_cursor_style(self) -> str:
        return str(self.cursor_style or 1)     # 0 means the default, a blinking block: 1

    def _status_lines(self) -> str:
        return str(self.lines)

    def report_keyboard_flags(self) -> None:
        self._reply(f"\x1b[?{self.keyboard_flags[-1]}u")

    def push_keyboard_flags(self, flags: int = 0) -> None:
        if len(self.keyboard_flags) < 16:
            self.keyboard_flags.append(flags & 0b11111)

    def pop_keyboard_flags(self, count: int = 1) -> None:
        for _ in range(max(1, count)):
            if len(self.keyboard_flags) > 1:
                self.keyboard_flags.pop()

    def set_keyboard_flags(self, flags: int = 0, mode: int = 1) -> None:
        flags &= 0b11111
        current = self.keyboard_flags[-1]
        self.keyboard_flags[-1] = {1: flags, 2: current | flags, 3: current & ~flags}.get(mode, current)

    def debug(self, *args: object, **kwargs: object) -> None:
        """Unknown sequences are ignored."""

    # ------------------------------------------------------------------ resize

    def resize(self, lines: int | None = None, columns: int | None = None) -> None:
        """Rows changing moves lines between screen and history; columns changing reflows soft-wrapped lines
        (primary screen), keeping the cursor on its character."""
        lines = max(1, min(MAX_DIMENSION, self.lines if lines is None else lines))
        columns = max(1, min(MAX_DIMENSION, self.columns if columns is None else columns))
        if (lines, columns) == (self.lines, self.columns):
            return
        for screen in (self.primary, self.alternate):
            if screen is not None:
                screen.resize(columns, lines, active=screen is self.screen)
        # Tab stops the user set are kept; the new columns get the default stop every 8.
        self.tabstops = {t for t in self.tabstops if t < columns} | set(range(8 * (self.columns // 8 + 1), columns, 8))
        self.lines, self.columns = lines, columns
        self.modes.reset_margins(columns, lines)

    # ------------------------------------------------------------------ reading back

    def line(self, y: int) -> tuple[Page, int]:
        """Where active row y lives (page, row index in page)."""
        return self.screen.line(y)

    def display(self) -> list[str]:
        """The active screen as text, one string per row (spacers omitted, clusters whole)."""
        return self.screen.display()

    def history_text(self) -> list[str]:
        self.screen.flush()
        pl = self.primary.pages
        return pl.row_texts(0, pl.history_rows())

    def style_of(self, page: Page, r: int, col: int) -> Style:
        return self.screen.style_of(page, r, col)

    def close(self) -> None:
        """Release all page memory (both screens)."""
        self.primary.close()
        if self.alternate is not None:
            self.alternate.close()

    def maintain_memory(self, budget_s: float) -> int:
        """Freeze the primary screen's idle history pages for about `budget_s` (the alternate screen has no
        history). Returns the pages frozen."""
        self.screen.flush()
        return self.primary.pages.maintain(budget_s=budget_s)

    def stats(self) -> dict:
        self.screen.flush()
        return self.primary.pages.stats()

    def check(self) -> None:
        """Assert the invariants of both screens."""
        assert self.screen is self.primary or self.screen is self.alternate
        for screen in (self.primary, self.alternate):
            if screen is not None:
                assert (screen.columns, screen.lines) == (self.columns, self.lines)
                screen.check()


#: DECRQSS requests -> the value they report (None: not supported). DECSLPP (`t`) and DECSNLS (`*|`) are the pane's
#: rows (a program cannot change them); DECSCA is 1 while the pen protects what it writes; the status line
#: settings (DECSASD, DECSSDT) and DECSACE have their fixed values (no status line, stream extent).
STATUS_REPORTS: dict[str, Callable[[Terminal], str | None]] = {
    "m": Terminal._status_sgr,
    "r": Terminal._status_margins,
    "s": Terminal._status_side_margins,
    " q": Terminal._status_cursor_style,
    "t": Terminal._status_lines,
    "*|": Terminal._status_lines,
    '"q': lambda t: "1" if t.screen.pen[3] & PROTECTED else "0",
    '"p': lambda t: f"6{t.operating_level};1",     # always 7-bit controls: mux never sends 8-bit ones
    "$}": lambda t: "0",
    "$~": lambda t: "0",
    "*x": lambda t: "0",
}

__all__ = ["Terminal", "strip_controls"]
