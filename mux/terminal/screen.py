"""The Screen: a complete pyte listener that keeps its cells in PageLists (primary with scrollback, alternate
without), and the terminal state around them (cursor, pen, margins, modes, tabs, charsets, titles, links).

Owns: the meaning of every event the Stream produces (pyte's listener protocol plus mux's extensions: REP,
SU/SD, CHT/CBT, DECSCUSR, DECRQM, DA2, XTVERSION, kitty keyboard flags, OSC 7/8/52/133/4/10/11/12), replies to
the child (through `on_reply`), resize with reflow, and reading rows back for rendering and dumps.

Invariants:
- 0 <= x < columns and 0 <= y < lines at all times; `pending_wrap` means the last column was just written.
- Every row's cells fit its width: a wide character always has its spacer tail in the next cell, and a spacer
  tail always has its wide character; half-overwritten wide characters are blanked.
- `self._locs[y]` is where active row y lives; it is refreshed after every structural PageList change.
- A handler never raises on bad parameters: out-of-range values are clamped or ignored.
- Memory is bounded: the primary screen by the scrollback limits, the alternate screen by its active area
  (it never grows history), clusters by MAX_CLUSTER_CODEPOINTS, links by MAX_URI_BYTES.
"""

from __future__ import annotations

import base64
import binascii
import re
from array import array
from collections.abc import Callable

from mux import __version__
from mux.terminal.graphemes import (
    JOINS,
    SIMPLE_NARROW,
    SIMPLE_WIDE,
    char_width,
    cluster_width,
    clusters,
    extends,
    width_classes,
)
from mux.terminal.graphemes import _char_widths as _CHAR_WIDTHS
from mux.terminal.page import (
    CELL_GRAPHEME,
    CELL_SPACER_HEAD,
    CELL_SPACER_TAIL,
    CELL_WIDE,
    ROW_DIRTY,
    ROW_PROMPT_SHIFT,
    ROW_WRAP,
    ROW_WRAP_CONTINUATION,
    Page,
    PageOverflow,
)
from mux.terminal.pagelist import DEFAULT_LIMIT_BYTES, PageList
from mux.terminal.styles import COLOR_PALETTE, COLOR_RGB, DEFAULT_STYLE, XTERM_PALETTE, Style, apply_sgr
from mux.terminal.styles import _cache as _SGR_CACHE

MAX_URI_BYTES = 8192
MAX_TITLE = 4096
MAX_DIMENSION = 4096

# DEC private modes mux implements (others are accepted and reported as "not recognised").
DECCKM, DECCOLM, DECSCNM, DECOM, DECAWM, BLINKING_CURSOR, DECTCEM = 1, 3, 5, 6, 7, 12, 25
MOUSE_X10, MOUSE_NORMAL, MOUSE_BUTTON, MOUSE_ANY = 9, 1000, 1002, 1003
FOCUS_EVENTS, MOUSE_UTF8, MOUSE_SGR, ALT_SCROLL, MOUSE_URXVT = 1004, 1005, 1006, 1007, 1015
ALT_47, ALT_1047, SAVE_CURSOR_1048, ALT_1049 = 47, 1047, 1048, 1049
BRACKETED_PASTE, SYNC_OUTPUT, GRAPHEME_CLUSTERING = 2004, 2026, 2027
KNOWN_PRIVATE = {DECCKM, DECCOLM, DECSCNM, DECOM, DECAWM, BLINKING_CURSOR, DECTCEM, MOUSE_X10, MOUSE_NORMAL,
                 MOUSE_BUTTON, MOUSE_ANY, FOCUS_EVENTS, MOUSE_UTF8, MOUSE_SGR, ALT_SCROLL, MOUSE_URXVT,
                 ALT_47, ALT_1047, SAVE_CURSOR_1048, ALT_1049, BRACKETED_PASTE, SYNC_OUTPUT, GRAPHEME_CLUSTERING}
# ANSI modes
IRM, LNM = 4, 20
KNOWN_ANSI = {IRM, LNM}

# OSC 133 semantic prompt marks stored in row flags
PROMPT_MARKS = {"A": 1, "B": 2, "C": 3, "D": 0}

_DEC_GRAPHICS = str.maketrans(dict(zip(
    "`abcdefghijklmnopqrstuvwxyz{|}~",
    "◆▒␉␌␍␊°±␤␋┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·", strict=True)))
_WIDE_FLAGS = array("H", [CELL_WIDE, CELL_SPACER_TAIL])
_WIDE_PAIR = (CELL_WIDE, CELL_SPACER_TAIL)
_SID_BYTES = [sid.to_bytes(2, "little") for sid in range(256)]
# A zone that may hold multi-codepoint clusters: joining characters with the simple characters next to them.
_JOIN_ZONE = re.compile(f"[{SIMPLE_NARROW}{SIMPLE_WIDE}]?{JOINS}+(?:[{SIMPLE_NARROW}{SIMPLE_WIDE}]{JOINS}+)*"
                        f"[{SIMPLE_NARROW}{SIMPLE_WIDE}]?")
_CLASS_RUN = re.compile(f"{SIMPLE_NARROW}+|{SIMPLE_WIDE}+")


_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """`text` without C0, DEL and C1 controls: a child's title is shown by the UI, which must never write a
    child's escape sequences to the real terminal."""
    return _CONTROLS.sub("", text)


def _palette_index(text: str) -> int | None:
    """A palette index 0-255 written in ASCII digits, else None (`str.isdigit` also accepts "²", which `int`
    refuses, and `int` refuses more than 4300 digits)."""
    if 0 < len(text) <= 9 and text.isascii() and text.isdigit():
        n = int(text)
        return n if n < 256 else None
    return None


class _Cursor:
    """What DECSC saves."""

    __slots__ = ("x", "y", "pen", "origin", "autowrap", "pending_wrap", "g", "active_g")

    def __init__(self, x: int, y: int, pen: Style, origin: bool, autowrap: bool, pending_wrap: bool,
                 g: list[str], active_g: int) -> None:
        self.x, self.y, self.pen, self.origin, self.autowrap = x, y, pen, origin, autowrap
        self.pending_wrap, self.g, self.active_g = pending_wrap, list(g), active_g


class Screen:
    def __init__(self, columns: int = 80, lines: int = 24, *, scrollback_limit: int = DEFAULT_LIMIT_BYTES,
                 scrollback_lines: int | None = None, on_reply: Callable[[bytes], None] | None = None,
                 on_title: Callable[[str], None] | None = None, on_bell: Callable[[], None] | None = None,
                 on_clipboard: Callable[[str, str], None] | None = None,
                 palette: tuple[int, ...] = XTERM_PALETTE, default_fg: int = 0xE5E5E5,
                 default_bg: int = 0x000000, cursor_color: int = 0xE5E5E5) -> None:
        columns = max(1, min(MAX_DIMENSION, columns))
        lines = max(1, min(MAX_DIMENSION, lines))
        self.columns = columns
        self.lines = lines
        self.on_reply = on_reply
        self.on_title = on_title
        self.on_bell = on_bell
        self.on_clipboard = on_clipboard
        self.primary = PageList(columns, lines, limit_bytes=scrollback_limit, limit_lines=scrollback_lines)
        self.alternate: PageList | None = None
        self.pagelist = self.primary
        self._locs = self.primary.active_locations()
        self.base_palette = palette
        self.palette = list(palette)
        self.base_colors = {10: default_fg, 11: default_bg, 12: cursor_color}
        self.colors = dict(self.base_colors)
        self.title = ""
        self.icon_name = ""
        self.cwd = ""
        self.bell_count = 0
        self.errors = 0
        self._reset_state()

    # ------------------------------------------------------------------ state

    def _reset_state(self) -> None:
        self.x = 0
        self.y = 0
        self.pending_wrap = False
        self.pen: Style = DEFAULT_STYLE
        self.margin_top = 0
        self.margin_bottom = self.lines - 1
        self.private_modes: set[int] = {DECAWM, DECTCEM, GRAPHEME_CLUSTERING}
        self.ansi_modes: set[int] = set()
        self.autowrap = True
        self.origin = False
        self.insert = False
        self.newline_mode = False
        self.keypad_application = False
        self.cursor_style = 0
        self.tabstops = set(range(8, self.columns, 8))
        self.g = ["B", "B"]
        self.active_g = 0
        self._translate: dict | None = None
        self.saved: dict[bool, _Cursor] = {}
        self.link: tuple[str, str] | None = None
        self.last_char = ""
        self._last_cluster = ""
        self._last_pos = (0, 0)
        self.keyboard_flags: list[int] = [0]
        # The pending run: contiguous ASCII draws on one row, written with one set of slice copies by _flush().
        self._run_page: Page | None = None
        self._run_y = self._run_row = self._run_x0 = self._run_end = 0
        self._run_texts: list[str] = []
        self._run_styles: list[Style] = []
        self._run_eol: Style | None = None      # EL 0 at the run's end: clear from the final end with this
        self._run_pen: Style | None = None      # the run's one style, or None when it has several

    @property
    def in_alternate(self) -> bool:
        return self.pagelist is not self.primary

    @property
    def cursor_visible(self) -> bool:
        return DECTCEM in self.private_modes

    @property
    def grapheme_clustering(self) -> bool:
        return GRAPHEME_CLUSTERING in self.private_modes

    # Named modes for the layers above, which never test mode numbers themselves.
    @property
    def cursor_keys_application(self) -> bool:
        return DECCKM in self.private_modes

    @property
    def bracketed_paste(self) -> bool:
        return BRACKETED_PASTE in self.private_modes

    @property
    def focus_events(self) -> bool:
        return FOCUS_EVENTS in self.private_modes

    @property
    def synchronized_output(self) -> bool:
        return SYNC_OUTPUT in self.private_modes

    @property
    def reverse_video(self) -> bool:
        return DECSCNM in self.private_modes

    @property
    def reports_all_motion(self) -> bool:
        return MOUSE_ANY in self.private_modes

    def _refresh_locs(self) -> None:
        self._locs = self.pagelist.active_locations()

    def _grow_page(self, page: Page, dimension: str) -> Page | None:
        """Replace `page` by a bigger copy (an oversized page). None past the maximum page size."""
        try:
            new = self.pagelist.adjust_capacity(page, dimension)
        except PageOverflow:
            return None
        self._refresh_locs()
        return new

    def _style_id(self, y: int, style: Style) -> tuple[Page, int]:
        page, r = self._locs[y]
        sid = page._style_index.get(style)
        if sid is not None:
            return page, sid
        while True:
            try:
                return page, page.intern_style(style)
            except PageOverflow as overflow:
                grown = self._grow_page(page, overflow.dimension)
                if grown is None:
                    return page, 0
                page = grown

    def _bce_style(self) -> Style:
        """Erased cells take the pen's background colour (xterm BCE) and nothing else."""
        bg = self.pen[1]
        return (0, bg, 0, 0) if bg else DEFAULT_STYLE

    # ------------------------------------------------------------------ drawing

    def draw(self, text: str) -> None:
        if self._translate is not None:
            text = text.translate(self._translate)
        if text.isascii():
            if not self._batch(text):
                self._flush()
                self._draw_narrow(text)
        else:
            self._flush()
            self._draw_unicode(text)

    def _batch(self, text: str) -> bool:
        """Add narrow text to the pending run if it continues it on this row without reaching the last column
        (cells are written when the run ends, see _flush). False if the text needs the general path."""
        x = self.x
        end = x + len(text)
        if end >= self.columns or self.pending_wrap or self.insert or self.link is not None:
            return False
        y = self.y
        pen = self.pen
        if self._run_page is None or self._run_end != x or self._run_y != y:
            self._flush()
            page, r = self._locs[y]
            self._run_page, self._run_y, self._run_row, self._run_x0 = page, y, r, x
            self._run_pen = pen
        elif pen is not self._run_pen:
            self._run_pen = None            # more than one style in the run
        self._run_texts.append(text)
        self._run_styles.append(pen)
        self._run_end = self.x = end
        self.last_char = self._last_cluster = text[-1]      # _last_pos is set by _flush
        return True

    def _flush(self) -> None:
        """Write the pending run of batched draws into its row (one slice copy per cell array)."""
        page = self._run_page
        if page is None:
            return
        self._run_page = None
        y, r, x0, end = self._run_y, self._run_row, self._run_x0, self._run_end
        self._last_pos = (y, end - 1)
        texts, styles = self._run_texts, self._run_styles
        text = texts[0] if len(texts) == 1 else "".join(texts)
        fl = page.fl
        base = page.slots[r] * page.cols
        if fl[base + x0] & CELL_SPACER_TAIL or (end < page.cols and fl[base + end] & CELL_SPACER_TAIL):
            self._fix_wide_edges(page, r, x0, end - x0)
        if self._run_pen is not None:
            sid = page._style_index.get(self._run_pen)
            if sid is None:
                page, sid = self._style_id(y, self._run_pen)
            page.write_text(r, x0, text, sid)
        else:
            index = page._style_index
            ids: dict[Style, bytes] = {}
            for style in styles:
                if style not in ids:
                    sid = index.get(style)
                    if sid is None:
                        page, sid = self._style_id(y, style)     # a grown page keeps every style id
                        index = page._style_index
                    ids[style] = _SID_BYTES[sid] if sid < 256 else sid.to_bytes(2, "little")
            st = b"".join([ids[style] * len(t) for style, t in zip(styles, texts, strict=True)])
            page.write_text(r, x0, text, styles=st)
        texts.clear()
        styles.clear()
        if self._run_eol is not None:
            eol, self._run_eol = self._run_eol, None
            page, sid = self._style_id(y, eol)
            page.clear_cells(r, end, self.columns, sid)
            page.rflags[r] &= ~ROW_WRAP

    def draw_lines(self, lines: list[str]) -> None:
        """Each line drawn, then CR LF (the Stream's bulk path for plain logs).

        The common case (ASCII lines, cursor at the bottom of a full-screen region on the primary screen, plain
        pen, autowrap on) is inlined: one slice write per row and one PageList.grow per row, soft-wrapping lines
        wider than the screen exactly as drawing them would."""
        self._flush()
        cols = self.columns
        bottom = self.lines - 1
        simple = (self._translate is None and not self.insert and self.link is None and self.pen[1] == 0
                  and self.autowrap and self.margin_top == 0 and self.margin_bottom == bottom
                  and not self.in_alternate)
        locs = self._locs
        grow = self.primary.grow
        pen = self.pen
        for line in lines:
            if not (simple and self.x == 0 and self.y == bottom and not self.pending_wrap and line.isascii()):
                if line:
                    self.draw(line)
                self.x = 0
                self.pending_wrap = False
                self.linefeed()
                continue
            n = len(line)
            if n:
                page, r = locs[bottom]
                sid = page._style_index.get(pen)
                if sid is None:
                    page, sid = self._style_id(bottom, pen)
                start = 0
                while n - start > cols:
                    # A full row that continues on the next one.
                    page.write_text(r, 0, line[start:start + cols], sid)
                    page.rflags[r] |= ROW_WRAP
                    del locs[0]
                    locs.append(grow())
                    page, r = locs[bottom]
                    page.rflags[r] |= ROW_WRAP_CONTINUATION
                    sid = page._style_index.get(pen)
                    if sid is None:
                        page, sid = self._style_id(bottom, pen)
                    start += cols
                rest = n - start
                if rest < cols and page.fl[page.slots[r] * page.cols + rest] & CELL_SPACER_TAIL:
                    page.clear_cells(r, rest, rest + 1, page.st[page.slots[r] * page.cols + rest])
                page.write_text(r, 0, line[start:] if start else line, sid)
                self.last_char = line[-1]
            del locs[0]
            locs.append(grow())
        self.pending_wrap = False
        self._last_cluster = ""

    def _wrap(self) -> None:
        """Soft-wrap: mark the row as continued, go to the start of the next row."""
        page, r = self._locs[self.y]
        page.rflags[r] |= ROW_WRAP
        self.x = 0
        self.pending_wrap = False
        self.index()
        page, r = self._locs[self.y]
        page.rflags[r] |= ROW_WRAP_CONTINUATION

    def _fix_wide_edges(self, page: Page, r: int, x: int, n: int) -> None:
        """Before overwriting columns [x, x+n): blank the other half of any wide character cut at the edges."""
        base = page.slots[r] * page.cols
        fl = page.fl
        if fl[base + x] & CELL_SPACER_TAIL and x > 0:
            page.clear_cells(r, x - 1, x, page.st[base + x - 1])
        end = x + n
        if end < page.cols and fl[base + end] & CELL_SPACER_TAIL:
            page.clear_cells(r, end, end + 1, page.st[base + end])

    def _draw_narrow(self, text: str) -> None:
        """Text whose every character takes one cell."""
        cols = self.columns
        while text:
            if self.pending_wrap:
                self._wrap()
            x = self.x
            room = cols - x
            if len(text) <= room:
                chunk, text = text, ""
            elif self.autowrap:
                chunk, text = text[:room], text[room:]
            else:
                # No autowrap: what does not fit overwrites the last column.
                chunk = text[:room - 1] + text[-1]
                text = ""
            page, r = self._locs[self.y]
            sid = page._style_index.get(self.pen)
            if sid is None:
                page, sid = self._style_id(self.y, self.pen)
            n = len(chunk)
            if self.insert:
                self._insert_blanks(page, r, x, n)
                page, r = self._locs[self.y]
            fl = page.fl
            base = page.slots[r] * page.cols
            if fl[base + x] & CELL_SPACER_TAIL or (x + n < cols and fl[base + x + n] & CELL_SPACER_TAIL):
                self._fix_wide_edges(page, r, x, n)
            page.write_text(r, x, chunk, sid)
            if self.link is not None:
                self._mark_link(x, x + n)
            self.last_char = chunk[-1]
            self._last_cluster = chunk[-1]
            end = x + n
            self._last_pos = (self.y, end - 1)
            if end >= cols:
                self.x = cols - 1
                self.pending_wrap = self.autowrap
            else:
                self.x = end

    def _draw_unicode(self, text: str) -> None:
        if self._last_cluster and not text[0].isascii():
            k = extends(self._last_cluster, text)
            if k:
                self._extend_last(text[:k])
                text = text[k:]
                if not text:
                    return
        if not self.grapheme_clustering:
            self._draw_clusters(list(text))
            return
        classes = width_classes(text)
        if JOINS not in classes:
            self._draw_simple(text, classes)
            return
        # Simple spans go as whole runs; only the zones around joining characters are clustered.
        pos = 0
        for zone in _JOIN_ZONE.finditer(classes):
            start, end = zone.span()
            if start > pos:
                self._draw_simple(text[pos:start], classes[pos:start])
            self._flush()
            parts = clusters(text[start:end])
            if self.pending_wrap or self.insert or not self._draw_segment(parts):
                self._draw_clusters(parts)
            pos = end
        if pos < len(text):
            self._draw_simple(text[pos:], classes[pos:])

    def _draw_simple(self, text: str, classes: str) -> None:
        """Text of single-codepoint clusters: alternating runs of narrow and wide characters."""
        if SIMPLE_WIDE not in classes:
            if not self._batch(text):
                self._flush()
                self._draw_narrow(text)
            return
        for run in _CLASS_RUN.finditer(classes):
            start, end = run.span()
            if classes[start] == SIMPLE_WIDE:
                self._flush()
                self._draw_wide_run(text[start:end])
            elif not self._batch(text[start:end]):
                self._flush()
                self._draw_narrow(text[start:end])

    def _draw_segment(self, parts: list[str]) -> bool:
        """Clusters that fit on the cursor's row before the last column: all cells built, then one write.
        Returns False (nothing drawn) when the text needs wrapping or holds a stray zero-width cluster."""
        cps: list[int] = []
        flags: list[int] = []
        extras: list[tuple[int, str]] = []
        widths = _CHAR_WIDTHS
        for c in parts:
            if len(c) == 1:
                w = widths.get(c)
                if w is None:
                    w = char_width(c)
            else:
                w = cluster_width(c)
                if w:
                    extras.append((len(cps), c[1:]))
            if w == 1:
                cps.append(ord(c[0]))
                flags.append(0)
            elif w == 2:
                cps += (ord(c[0]), 0)
                flags += _WIDE_PAIR
            else:
                return False
        x = self.x
        n = len(cps)
        if x + n >= self.columns:
            return False
        y = self.y
        page, sid = self._style_id(y, self.pen)
        r = self._locs[y][1]
        self._fix_wide_edges(page, r, x, n)
        page.write_cells(r, x, array("I", cps), sid, array("H", flags))
        for offset, extra in extras:
            self._attach(y, x + offset, extra)
        if self.link is not None:
            self._mark_link(x, x + n)
        last = parts[-1]
        self.last_char = self._last_cluster = last
        self._last_pos = (y, x + n - (2 if flags[-1] == CELL_SPACER_TAIL else 1))
        self.x = x + n
        return True

    def _draw_clusters(self, parts: list[str]) -> None:
        """The general path: runs of narrow and wide characters and single clusters, wrapping as needed."""
        narrow: list[str] = []
        wide: list[str] = []
        for cluster in parts:
            if len(cluster) == 1:
                w = char_width(cluster)
            else:
                w = cluster_width(cluster)
            if w == 1 and len(cluster) == 1:
                if wide:
                    self._draw_wide_run("".join(wide))
                    wide.clear()
                narrow.append(cluster)
                continue
            if w == 2 and len(cluster) == 1:
                if narrow:
                    self._draw_narrow("".join(narrow))
                    narrow.clear()
                wide.append(cluster)
                continue
            if narrow:
                self._draw_narrow("".join(narrow))
                narrow.clear()
            if wide:
                self._draw_wide_run("".join(wide))
                wide.clear()
            if w == 0:
                self._extend_last(cluster)
            else:
                self._draw_cluster(cluster, w)
        if narrow:
            self._draw_narrow("".join(narrow))
        if wide:
            self._draw_wide_run("".join(wide))

    def _draw_wide_run(self, text: str) -> None:
        """Single-codepoint double-width characters (CJK): two cells each, written as slices."""
        cols = self.columns
        if cols < 2:
            return
        while text:
            if self.pending_wrap:
                self._wrap()
            x = self.x
            room = (cols - x) // 2
            if room == 0:
                # A wide character does not fit in the last column: it wraps early (or is dropped).
                if not self.autowrap:
                    return
                page, r = self._locs[self.y]
                self._fix_wide_edges(page, r, x, 1)
                page.set_cell(r, x, 0, 0, CELL_SPACER_HEAD)
                self.pending_wrap = True
                continue
            chunk, text = text[:room], text[room:]
            n = len(chunk)
            page, sid = self._style_id(self.y, self.pen)
            r = self._locs[self.y][1]
            if self.insert:
                self._insert_blanks(page, r, x, 2 * n)
                page, r = self._locs[self.y]        # the shift may have grown (replaced) the page
            self._fix_wide_edges(page, r, x, 2 * n)
            enc = chunk.encode("utf-32-le")
            cells = bytearray(8 * n)
            for k in range(4):
                cells[k::8] = enc[k::4]
            page.write_cells(r, x, memoryview(cells).cast("I"), sid, (_WIDE_FLAGS * n) if n > 1 else _WIDE_FLAGS)
            if self.link is not None:
                self._mark_link(x, x + 2 * n)
            self.last_char = chunk[-1]
            self._last_cluster = chunk[-1]
            end = x + 2 * n
            self._last_pos = (self.y, end - 2)
            if end >= cols:
                self.x = cols - 1
                self.pending_wrap = self.autowrap
            else:
                self.x = end
            if text and not self.autowrap and end >= cols - 1:
                return

    def _draw_cluster(self, cluster: str, w: int) -> None:
        """A multi-codepoint cluster: base codepoint in the cell, the rest in the page's grapheme arena."""
        cols = self.columns
        if self.pending_wrap:
            self._wrap()
        x = self.x
        if w == 2 and x == cols - 1:
            if not self.autowrap or cols < 2:
                return
            page, r = self._locs[self.y]
            self._fix_wide_edges(page, r, x, 1)
            page.set_cell(r, x, 0, 0, CELL_SPACER_HEAD)
            self._wrap()
            x = 0
        page, sid = self._style_id(self.y, self.pen)
        r = self._locs[self.y][1]
        if self.insert:
            self._insert_blanks(page, r, x, w)
            page, r = self._locs[self.y]            # the shift may have grown (replaced) the page
        self._fix_wide_edges(page, r, x, w)
        page.set_cell(r, x, ord(cluster[0]), sid, CELL_WIDE if w == 2 else 0)
        if w == 2:
            page.set_cell(r, x + 1, 0, sid, CELL_SPACER_TAIL)
        self._attach(self.y, x, cluster[1:])
        if self.link is not None:
            self._mark_link(x, x + w)
        self.last_char = cluster
        self._last_cluster = cluster
        self._last_pos = (self.y, x)
        end = x + w
        if end >= cols:
            self.x = cols - 1
            self.pending_wrap = self.autowrap
        else:
            self.x = end

    def _attach(self, y: int, x: int, extras: str) -> None:
        """Store a cluster's extra codepoints on cell (y, x), growing the page if its arena is full."""
        page, r = self._locs[y]
        while True:
            try:
                page.set_grapheme(r, x, extras)
                return
            except PageOverflow as overflow:
                grown = self._grow_page(page, overflow.dimension)
                if grown is None:
                    return          # past the maximum page size: the base character stays
                page = grown

    def _extend_last(self, extension: str) -> None:
        """Zero-width codepoints (combining marks, ZWJ continuations, VS16) join the previous cluster."""
        prev = self._last_cluster
        if not prev:
            return
        y, x = self._last_pos
        if y >= self.lines or x >= self.columns:
            return
        page, r = self._locs[y]
        base = page.slots[r] * page.cols + x
        if page.fl[base] & CELL_SPACER_TAIL or page.cp[base] != ord(prev[0]):
            return                  # the cell was overwritten meanwhile
        cluster = (prev + extension)[:32]
        extras = cluster[1:]
        if extras:
            self._attach(y, x, extras)
        self._last_cluster = cluster
        self.last_char = cluster
        # VS16 and similar can turn a narrow character wide: give it its second cell if there is room.
        page, r = self._locs[y]
        base = page.slots[r] * page.cols + x
        if cluster_width(cluster) == 2 and not page.fl[base] & CELL_WIDE and x + 1 < self.columns \
                and self.y == y and self.x == x + 1 and not self.pending_wrap:
            page.fl[base] |= CELL_WIDE
            self._fix_wide_edges(page, r, x + 1, 1)
            page.set_cell(r, x + 1, 0, page.st[base], CELL_SPACER_TAIL)
            if x + 2 >= self.columns:
                self.x = self.columns - 1
                self.pending_wrap = self.autowrap
            else:
                self.x = x + 2
                self.pending_wrap = False

    def _mark_link(self, start: int, end: int) -> None:
        link_id, uri = self.link
        page, r = self._locs[self.y]
        while True:
            try:
                idx = page.intern_hyperlink(link_id, uri)
                page.set_hyperlink(r, start, end, idx)
                return
            except PageOverflow as overflow:
                grown = self._grow_page(page, overflow.dimension)
                if grown is None:
                    return
                page = grown

    def repeat_last(self, count: int = 1) -> None:
        """REP: the last printed graphic character again, `count` times."""
        self._flush()
        if self.last_char:
            self.draw(self.last_char * max(1, min(count, self.columns * self.lines)))

    # ------------------------------------------------------------------ C0 and simple controls

    def bell(self, *args: object) -> None:
        self.bell_count += 1
        if self.on_bell is not None:
            self.on_bell()

    def backspace(self) -> None:
        self.pending_wrap = False
        if self.x > 0:
            self.x -= 1

    def tab(self) -> None:
        self.cursor_forward_tab(1)

    def carriage_return(self) -> None:
        self.x = 0
        self.pending_wrap = False
        self._last_cluster = ""

    def linefeed(self) -> None:
        if self._run_page is not None:
            self._flush()
        y = self.y
        if y == self.lines - 1 and self.margin_top == 0 and y == self.margin_bottom and not self.pen[1] \
                and self.pagelist is self.primary:
            # The common case, inlined: the whole screen scrolls one row into history.
            locs = self._locs
            del locs[0]
            locs.append(self.primary.grow())
            self._last_cluster = ""
        else:
            self.index()
        if self.newline_mode:
            self.x = 0
        self.pending_wrap = False

    def index(self) -> None:
        """Down one row; at the bottom margin the region scrolls up. When the region starts at the top row of
        the primary screen, the row scrolled off goes into history (as in xterm, tmux and Ghostty)."""
        self._flush()
        self._last_cluster = ""
        if self.y == self.margin_bottom:
            if self.margin_top == 0 and self.margin_bottom < self.lines - 1 and not self.in_alternate:
                self._scroll_top_region_into_history()
            else:
                self.scroll_up(1)
        elif self.y < self.lines - 1:
            self.y += 1

    def _scroll_top_region_into_history(self) -> None:
        """Rows 0..bottom scroll up by one into history; the rows below the region stay where they are."""
        locs = self._locs
        del locs[0]
        locs.append(self.primary.grow())
        # The new blank row is at the bottom of the screen: rotate it up to the region's bottom row.
        self._rotate(self.margin_bottom, self.lines - 1, -1, self._bce_style())

    def reverse_index(self) -> None:
        self._flush()
        self._last_cluster = ""
        self.pending_wrap = False
        if self.y == self.margin_top:
            self.scroll_down(1)
        elif self.y > 0:
            self.y -= 1

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
        self._translate = _DEC_GRAPHICS if self.g[self.active_g] == "0" else None

    # ------------------------------------------------------------------ scrolling

    def scroll_up(self, count: int = 1) -> None:
        """SU, and index at the bottom margin: the region's content moves up; new rows at the bottom."""
        self._flush()
        count = max(1, count)
        top, bottom = self.margin_top, self.margin_bottom
        count = min(count, bottom - top + 1)
        bce = self._bce_style()
        if top == 0 and bottom == self.lines - 1 and not self.in_alternate:
            pl = self.primary
            locs = self._locs
            # Rows that move keep their content, so nothing is marked dirty: the UI keys rows by identity.
            for _ in range(count):
                page, r = pl.grow()
                del locs[0]
                locs.append((page, r))
                if bce is not DEFAULT_STYLE:
                    self._clear_row(self.lines - 1, bce)
            return
        self._rotate(top, bottom, count, bce)

    def scroll_down(self, count: int = 1) -> None:
        """SD, and reverse index at the top margin: content moves down; new rows at the top."""
        self._flush()
        count = max(1, min(count, self.margin_bottom - self.margin_top + 1))
        self._rotate(self.margin_top, self.margin_bottom, -count, self._bce_style())

    def _rotate(self, top: int, bottom: int, n: int, bce: Style) -> None:
        """Move rows top..bottom up by n (down if negative) without touching history."""
        locs = self._locs
        page = locs[top][0]
        r0 = locs[top][1]
        same_page = all(locs[y][0] is page and locs[y][1] == r0 + (y - top) for y in (top, bottom))
        if same_page and locs[bottom][1] - r0 == bottom - top:
            page.rotate_rows(r0, r0 + bottom - top, n)
            fresh = range(bottom - n + 1, bottom + 1) if n > 0 else range(top, top - n)
        else:
            if n > 0:
                for y in range(top, bottom - n + 1):
                    self._copy_row(y, y + n)
                fresh = range(bottom - n + 1, bottom + 1)
            else:
                for y in range(bottom, top - n - 1, -1):
                    self._copy_row(y, y + n)
                fresh = range(top, top - n)
        for y in fresh:
            self._clear_row(y, bce)
        locs = self._locs       # a row copy that grew a page replaced the list
        for y in range(top, bottom + 1):
            p, r = locs[y]
            p.rflags[r] |= ROW_DIRTY

    def _copy_row(self, dst_y: int, src_y: int) -> None:
        src, sr = self._locs[src_y]
        dst, dr = self._locs[dst_y]
        while True:
            try:
                dst.clear_row(dr)
                dst.copy_cells(dr, 0, src, sr, 0, self.columns)
                dst.rflags[dr] = (src.rflags[sr] & (ROW_WRAP | ROW_WRAP_CONTINUATION)) | dst.rflags[dr]
                return
            except PageOverflow as overflow:
                grown = self._grow_page(dst, overflow.dimension)
                if grown is None:
                    return
                if src is dst:
                    src = grown
                dst = grown

    def _clear_row(self, y: int, style: Style = DEFAULT_STYLE) -> None:
        if style is DEFAULT_STYLE or style == DEFAULT_STYLE:
            page, r = self._locs[y]
            page.clear_row(r)
        else:
            page, sid = self._style_id(y, style)
            page.clear_row(self._locs[y][1], sid)

    def _mark_all_dirty(self) -> None:
        for page, r in self._locs:
            page.rflags[r] |= ROW_DIRTY

    # ------------------------------------------------------------------ editing

    def _insert_blanks(self, page: Page, r: int, x: int, n: int, style: Style = DEFAULT_STYLE) -> None:
        """ICH and insert mode: shift cells [x, end) right by n (the tail falls off), blanks at x."""
        cols = self.columns
        n = min(n, cols - x)
        if n <= 0:
            return
        self._fix_wide_edges(page, r, x, 0)
        keep = cols - x - n
        if keep > 0:
            base = page.slots[r] * page.cols
            if page.fl[base + x + keep - 1] & CELL_WIDE:
                keep -= 1           # a wide character pushed past the edge loses both halves
            self._copy_within(page, r, x + n, x, keep)
            page, r = self._locs[self.y]
            page.clear_cells(r, x + n + keep, cols)
        page, sid = self._style_id(self.y, style)
        page.clear_cells(r, x, x + n, sid)

    def _copy_within(self, page: Page, r: int, dst: int, src: int, n: int) -> None:
        while True:
            try:
                page.copy_cells(r, dst, page, r, src, n)
                return
            except PageOverflow as overflow:
                y = next(y for y, (p, rr) in enumerate(self._locs) if p is page and rr == r)
                grown = self._grow_page(page, overflow.dimension)
                if grown is None:
                    return
                page, r = self._locs[y]

    def insert_characters(self, count: int = 1) -> None:
        self._flush()
        page, r = self._locs[self.y]
        self._insert_blanks(page, r, self.x, max(1, count), self._bce_style())
        self.pending_wrap = False

    def delete_characters(self, count: int = 1) -> None:
        self._flush()
        page, r = self._locs[self.y]
        cols = self.columns
        x = self.x
        count = min(max(1, count), cols - x)
        self._fix_wide_edges(page, r, x, count)
        keep = cols - x - count
        if keep > 0:
            self._copy_within(page, r, x, x + count, keep)
            page, r = self._locs[self.y]
        page, sid = self._style_id(self.y, self._bce_style())
        page.clear_cells(r, cols - count, cols, sid)
        self.pending_wrap = False

    def erase_characters(self, count: int = 1) -> None:
        self._flush()
        count = min(max(1, count), self.columns - self.x)
        page, sid = self._style_id(self.y, self._bce_style())
        r = self._locs[self.y][1]
        self._fix_wide_edges(page, r, self.x, count)
        page.clear_cells(r, self.x, self.x + count, sid)
        self.pending_wrap = False

    def insert_lines(self, count: int = 1) -> None:
        self._flush()
        if not self.margin_top <= self.y <= self.margin_bottom:
            return
        count = min(max(1, count), self.margin_bottom - self.y + 1)
        self._rotate(self.y, self.margin_bottom, -count, self._bce_style())
        self.x = 0
        self.pending_wrap = False

    def delete_lines(self, count: int = 1) -> None:
        self._flush()
        if not self.margin_top <= self.y <= self.margin_bottom:
            return
        count = min(max(1, count), self.margin_bottom - self.y + 1)
        self._rotate(self.y, self.margin_bottom, count, self._bce_style())
        self.x = 0
        self.pending_wrap = False

    def erase_in_line(self, how: int = 0, private: bool = False) -> None:
        if how == 0 and self._run_page is not None and self._run_end == self.x and self._run_y == self.y:
            self._run_eol = self._bce_style()      # folded into the pending run (gcc writes ESC[K constantly)
            self.pending_wrap = False
            return
        self._flush()
        page, sid = self._style_id(self.y, self._bce_style())
        r = self._locs[self.y][1]
        start, end = {0: (self.x, self.columns), 1: (0, self.x + 1), 2: (0, self.columns)}.get(how, (0, 0))
        if end > start:
            self._fix_wide_edges(page, r, start, end - start)
            page.clear_cells(r, start, end, sid)
            if end == self.columns:
                page.rflags[r] &= ~ROW_WRAP
        self.pending_wrap = False

    def erase_in_display(self, how: int = 0, private: bool = False, *args: object) -> None:
        self._flush()
        if how == 3:
            if not self.in_alternate:
                self.primary.erase_history()
                self._refresh_locs()
            return
        if how == 0:
            self.erase_in_line(0)
            rows = range(self.y + 1, self.lines)
        elif how == 1:
            self.erase_in_line(1)
            rows = range(0, self.y)
        elif how == 2:
            rows = range(self.lines)
        else:
            return
        bce = self._bce_style()
        for y in rows:
            self._clear_row(y, bce)

    def alignment_display(self) -> None:
        """DECALN: fill the screen with E, reset margins, home the cursor."""
        self._flush()
        self.margin_top, self.margin_bottom = 0, self.lines - 1
        for y in range(self.lines):
            page, r = self._locs[y]
            page.clear_row(r)
            page.write_text(r, 0, "E" * self.columns, 0)
        self.x = self.y = 0
        self.pending_wrap = False

    # ------------------------------------------------------------------ cursor motion

    def _clamp_y(self, y: int) -> int:
        if self.origin:
            return max(self.margin_top, min(self.margin_bottom, y))
        return max(0, min(self.lines - 1, y))

    def cursor_position(self, line: int | None = None, column: int | None = None) -> None:
        line = max(1, line or 1) - 1
        column = max(1, column or 1) - 1
        if self.origin:
            line += self.margin_top
        self.y = self._clamp_y(line)
        self.x = min(column, self.columns - 1)
        self.pending_wrap = False
        self._last_cluster = ""

    def cursor_to_column(self, column: int | None = None) -> None:
        self.x = min(max(1, column or 1) - 1, self.columns - 1)
        self.pending_wrap = False
        self._last_cluster = ""

    def cursor_to_line(self, line: int | None = None) -> None:
        line = max(1, line or 1) - 1
        if self.origin:
            line += self.margin_top
        self.y = self._clamp_y(line)
        self.pending_wrap = False
        self._last_cluster = ""

    def cursor_up(self, count: int | None = None) -> None:
        count = max(1, count or 1)
        top = self.margin_top if self.y >= self.margin_top else 0
        self.y = max(top, self.y - count)
        self.pending_wrap = False
        self._last_cluster = ""

    def cursor_down(self, count: int | None = None) -> None:
        count = max(1, count or 1)
        bottom = self.margin_bottom if self.y <= self.margin_bottom else self.lines - 1
        self.y = min(bottom, self.y + count)
        self.pending_wrap = False
        self._last_cluster = ""

    def cursor_up1(self, count: int | None = None) -> None:
        self.cursor_up(count)
        self.x = 0

    def cursor_down1(self, count: int | None = None) -> None:
        self.cursor_down(count)
        self.x = 0

    def cursor_back(self, count: int | None = None) -> None:
        count = max(1, count or 1)
        self.x = max(0, self.x - count)
        self.pending_wrap = False
        self._last_cluster = ""

    def cursor_forward(self, count: int | None = None) -> None:
        count = max(1, count or 1)
        self.x = min(self.columns - 1, self.x + count)
        self.pending_wrap = False
        self._last_cluster = ""

    def set_tab_stop(self) -> None:
        self.tabstops.add(self.x)

    def clear_tab_stop(self, how: int = 0) -> None:
        if how == 0:
            self.tabstops.discard(self.x)
        elif how == 3:
            self.tabstops.clear()

    def cursor_forward_tab(self, count: int = 1) -> None:
        for _ in range(max(1, min(count, self.columns))):
            nxt = [t for t in self.tabstops if t > self.x]
            self.x = min(nxt) if nxt else self.columns - 1
        self._last_cluster = ""

    def cursor_back_tab(self, count: int = 1) -> None:
        for _ in range(max(1, min(count, self.columns))):
            prev = [t for t in self.tabstops if t < self.x]
            self.x = max(prev) if prev else 0
        self.pending_wrap = False
        self._last_cluster = ""

    def set_margins(self, top: int | None = None, bottom: int | None = None, *args: object) -> None:
        """DECSTBM; the cursor goes home."""
        top = max(1, top or 1) - 1
        bottom = (bottom or self.lines) - 1
        bottom = min(bottom, self.lines - 1)
        if bottom - top < 1:
            return
        self.margin_top, self.margin_bottom = top, bottom
        self.cursor_position()

    # ------------------------------------------------------------------ save/restore, reset

    def save_cursor(self) -> None:
        self.saved[self.in_alternate] = _Cursor(self.x, self.y, self.pen, self.origin, self.autowrap,
                                                self.pending_wrap, self.g, self.active_g)

    def restore_cursor(self) -> None:
        saved = self.saved.get(self.in_alternate)
        if saved is None:
            self.origin = False
            self.cursor_position()
            self.pen = DEFAULT_STYLE
            return
        self.x = min(saved.x, self.columns - 1)
        self.y = min(saved.y, self.lines - 1)
        self.pen = saved.pen
        self.origin = saved.origin
        self.autowrap = saved.autowrap
        self._set_flag(DECOM, saved.origin)
        self._set_flag(DECAWM, saved.autowrap)
        self.pending_wrap = saved.pending_wrap and self.x == self.columns - 1
        self.g = list(saved.g)
        self.active_g = saved.active_g
        self._update_translate()
        self._last_cluster = ""

    def _set_flag(self, mode: int, on: bool) -> None:
        if on:
            self.private_modes.add(mode)
        else:
            self.private_modes.discard(mode)

    def reset(self) -> None:
        """RIS: back to the power-on state. Scrollback is kept (as in tmux)."""
        self._flush()
        if self.in_alternate:
            self._leave_alternate()
        self._reset_state()
        for y in range(self.lines):
            self._clear_row(y)
        self.palette = list(self.base_palette)
        self.colors = dict(self.base_colors)
        self.title = self.icon_name = ""

    def soft_reset(self) -> None:
        """DECSTR: modes, margins, pen and saved cursor back to defaults; the screen is kept."""
        self.pen = DEFAULT_STYLE
        self.margin_top, self.margin_bottom = 0, self.lines - 1
        self.origin = False
        self.autowrap = True
        self.insert = False
        self.private_modes -= {DECOM}
        self.private_modes |= {DECAWM, DECTCEM}
        self.ansi_modes.discard(IRM)
        self.keypad_application = False
        self.private_modes.discard(DECCKM)
        self.g = ["B", "B"]
        self.active_g = 0
        self._update_translate()
        self.saved.pop(self.in_alternate, None)
        self.pending_wrap = False

    # ------------------------------------------------------------------ modes

    def set_mode(self, *modes: int, private: bool = False) -> None:
        for mode in modes:
            self._mode(mode, private, True)

    def reset_mode(self, *modes: int, private: bool = False) -> None:
        for mode in modes:
            self._mode(mode, private, False)

    def _mode(self, mode: int, private: bool, on: bool) -> None:
        self._flush()
        if not isinstance(mode, int):
            return
        if not private:
            if mode == IRM:
                self.insert = on
            elif mode == LNM:
                self.newline_mode = on
            else:
                return
            if on:
                self.ansi_modes.add(mode)
            else:
                self.ansi_modes.discard(mode)
            return
        if mode not in KNOWN_PRIVATE:
            return
        if mode in (ALT_47, ALT_1047, ALT_1049):
            self._alternate(mode, on)
            return
        if mode == SAVE_CURSOR_1048:
            self.save_cursor() if on else self.restore_cursor()
            return
        if mode in (MOUSE_X10, MOUSE_NORMAL, MOUSE_BUTTON, MOUSE_ANY) and on:
            self.private_modes -= {MOUSE_X10, MOUSE_NORMAL, MOUSE_BUTTON, MOUSE_ANY}
        if mode in (MOUSE_UTF8, MOUSE_SGR, MOUSE_URXVT) and on:
            self.private_modes -= {MOUSE_UTF8, MOUSE_SGR, MOUSE_URXVT}
        self._set_flag(mode, on)
        if mode == DECAWM:
            self.autowrap = on
            if not on:
                self.pending_wrap = False
        elif mode == DECOM:
            self.origin = on
            self.cursor_position()
        elif mode == DECSCNM:
            self._mark_all_dirty()

    @property
    def mouse_tracking(self) -> int | None:
        """The mouse tracking mode the child asked for (9, 1000, 1002, 1003), or None."""
        for mode in (MOUSE_ANY, MOUSE_BUTTON, MOUSE_NORMAL, MOUSE_X10):
            if mode in self.private_modes:
                return mode
        return None

    @property
    def mouse_encoding(self) -> str:
        if MOUSE_SGR in self.private_modes:
            return "sgr"
        if MOUSE_URXVT in self.private_modes:
            return "urxvt"
        if MOUSE_UTF8 in self.private_modes:
            return "utf8"
        return "x10"

    def set_keypad_application(self, on: bool) -> None:
        self.keypad_application = on

    def set_cursor_style(self, style: int = 0) -> None:
        """DECSCUSR: 0/1 blinking block, 2 block, 3/4 underline, 5/6 bar."""
        if 0 <= style <= 6:
            self.cursor_style = style

    # ------------------------------------------------------------------ alternate screen

    def _alternate(self, mode: int, on: bool) -> None:
        if on == self.in_alternate:
            if on and mode in (ALT_1047, ALT_1049):
                for y in range(self.lines):
                    self._clear_row(y)
            return
        if on:
            if mode == ALT_1049:
                self.save_cursor()
            if self.alternate is None:
                self.alternate = PageList(self.columns, self.lines, limit_bytes=0, preheat=1, max_free=2)
            self.pagelist = self.alternate
            self._refresh_locs()
            self.private_modes.add(mode)
            if mode == ALT_1049:
                for y in range(self.lines):
                    self._clear_row(y)
                self.saved[True] = self.saved[False]
        else:
            self._leave_alternate(clear=mode in (ALT_1047, ALT_1049))
            if mode == ALT_1049:
                self.restore_cursor()
        self._mark_all_dirty()

    def _leave_alternate(self, clear: bool = True) -> None:
        if clear:
            for y in range(self.lines):
                self._clear_row(y)
        self.private_modes -= {ALT_47, ALT_1047, ALT_1049}
        self.pagelist = self.primary
        self._refresh_locs()
        self._mark_all_dirty()

    # ------------------------------------------------------------------ SGR, titles, OSC

    def select_graphic_rendition(self, *attrs: int | tuple, private: bool = False) -> None:
        if not private:
            self.pen = _SGR_CACHE.get((self.pen, attrs)) or apply_sgr(self.pen, attrs)

    def set_title(self, text: str) -> None:
        self.title = strip_controls(text)[:MAX_TITLE]
        if self.on_title is not None:
            self.on_title(self.title)

    def set_icon_name(self, text: str) -> None:
        self.icon_name = strip_controls(text)[:MAX_TITLE]

    def set_hyperlink(self, params: str, uri: str) -> None:
        """OSC 8: start a link (cells drawn from now on carry it), or end it with an empty URI."""
        if not uri or len(uri.encode("utf-8", "replace")) > MAX_URI_BYTES:
            self.link = None
            return
        link_id = ""
        for part in params.split(":"):
            if part.startswith("id="):
                link_id = part[3:][:256]
        self.link = (link_id, uri)

    def osc(self, code: int, data: str) -> None:
        if code == 7:
            self.cwd = data[:MAX_TITLE]
        elif code == 52:
            self._osc_clipboard(data)
        elif code == 133:
            self._osc_prompt(data)
        elif code == 4:
            self._osc_palette(data)
        elif code in (10, 11, 12):
            self._osc_dynamic(code, data)
        elif code == 104:
            if data:
                for part in data.split(";"):
                    n = _palette_index(part)
                    if n is not None:
                        self.palette[n] = self.base_palette[n]
            else:
                self.palette = list(self.base_palette)
        elif code in (110, 111, 112):
            self.colors[code - 100] = self.base_colors[code - 100]

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

    def _osc_prompt(self, data: str) -> None:
        self._flush()
        mark = PROMPT_MARKS.get(data[:1])
        if mark is None:
            return
        page, r = self._locs[self.y]
        page.rflags[r] = (page.rflags[r] & ~(0b11 << ROW_PROMPT_SHIFT)) | (mark << ROW_PROMPT_SHIFT)

    @staticmethod
    def _format_rgb(rgb: int) -> str:
        r, g, b = rgb >> 16 & 0xFF, rgb >> 8 & 0xFF, rgb & 0xFF
        return f"rgb:{r:02x}{r:02x}/{g:02x}{g:02x}/{b:02x}{b:02x}"

    @staticmethod
    def _parse_color(spec: str) -> int | None:
        spec = spec.strip()
        try:
            if spec.startswith("#") and len(spec) == 7:
                return int(spec[1:], 16)
            if spec.startswith("rgb:"):
                parts = spec[4:].split("/")
                if len(parts) == 3 and all(1 <= len(p) <= 4 for p in parts):
                    vals = [int(p, 16) * 255 // (16 ** len(p) - 1) for p in parts]
                    return vals[0] << 16 | vals[1] << 8 | vals[2]
        except ValueError:
            return None
        return None

    def _osc_palette(self, data: str) -> None:
        parts = data.split(";")
        for i in range(0, len(parts) - 1, 2):
            idx, spec = parts[i], parts[i + 1]
            n = _palette_index(idx)
            if n is None:
                continue
            if spec == "?":
                self._reply(f"\x1b]4;{n};{self._format_rgb(self.palette[n])}\x1b\\")
            else:
                rgb = self._parse_color(spec)
                if rgb is not None:
                    self.palette[n] = rgb
                    self._mark_all_dirty()

    def _osc_dynamic(self, code: int, data: str) -> None:
        for offset, spec in enumerate(data.split(";")):
            which = code + offset
            if which not in self.colors:
                break
            if spec == "?":
                self._reply(f"\x1b]{which};{self._format_rgb(self.colors[which])}\x1b\\")
            else:
                rgb = self._parse_color(spec)
                if rgb is not None:
                    self.colors[which] = rgb

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

    def report_device_status(self, mode: int = 0, private: bool = False, **kwargs: object) -> None:
        if mode == 5:
            self._reply("\x1b[0n")
        elif mode == 6:
            y = self.y - (self.margin_top if self.origin else 0)
            self._reply(f"\x1b[{'?' if private else ''}{y + 1};{self.x + 1}R")

    def request_mode(self, mode: int, private: bool = False) -> None:
        """DECRQM: 1 set, 2 reset, 0 not recognised."""
        if private:
            state = (1 if mode in self.private_modes or (mode == ALT_1049 and self.in_alternate) else 2) \
                if mode in KNOWN_PRIVATE else 0
            self._reply(f"\x1b[?{mode};{state}$y")
        else:
            state = (1 if mode in self.ansi_modes else 2) if mode in KNOWN_ANSI else 0
            self._reply(f"\x1b[{mode};{state}$y")

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
        self._flush()
        lines = max(1, min(MAX_DIMENSION, self.lines if lines is None else lines))
        columns = max(1, min(MAX_DIMENSION, self.columns if columns is None else columns))
        if (lines, columns) == (self.lines, self.columns):
            return
        for pl in (self.primary, self.alternate):
            if pl is None:
                continue
            active = pl is self.pagelist
            locs = pl.active_locations()
            y = self.y if active else pl.rows - 1
            page, r = locs[y]
            cursor = pl.track(page, r, self.x if active else 0)
            if lines < pl.rows:
                # Blank rows below the cursor go first; only then do top rows move into history.
                blank = 0
                for yy in range(pl.rows - 1, y, -1):
                    p, rr = locs[yy]
                    if p.row_text(rr).strip() or p.rflags[rr] & ROW_WRAP_CONTINUATION:
                        break
                    blank += 1
                pl.remove_bottom_rows(min(blank, pl.rows - lines))
            old_total_rows = pl.total_rows
            pl.resize(columns, lines, cursor=cursor if pl is self.primary else None)
            if active:
                locs = pl.active_locations()
                self._locs = locs
                cy = next((i for i, (p, rr) in enumerate(locs) if p is cursor.page and rr == cursor.row), None)
                if cy is None:
                    cy = lines - 1 if pl.total_rows >= old_total_rows else 0
                self.y = cy
                self.x = min(cursor.col, columns - 1)
            pl.untrack(cursor)
        # Tab stops the user set are kept; the new columns get the default stop every 8.
        self.tabstops = {t for t in self.tabstops if t < columns} | set(range(8 * (self.columns // 8 + 1), columns, 8))
        self.lines, self.columns = lines, columns
        self.margin_top, self.margin_bottom = 0, lines - 1
        self.pending_wrap = False
        self._refresh_locs()
        self._mark_all_dirty()

    # ------------------------------------------------------------------ reading back

    def line(self, y: int) -> tuple[Page, int]:
        """Where active row y lives (page, row index in page)."""
        self._flush()
        return self._locs[y]

    def display(self) -> list[str]:
        """The active screen as text, one string per row (spacers omitted, clusters whole)."""
        self._flush()
        return [page.row_text(r) for page, r in self._locs]

    def history_text(self) -> list[str]:
        self._flush()
        pl = self.primary
        return [page.row_text(r) for page, r in pl.row_locations(0, pl.history_rows())]

    def close(self) -> None:
        """Release all page memory (both screens)."""
        self._flush()
        self.primary.close()
        if self.alternate is not None:
            self.alternate.close()

    def stats(self) -> dict:
        self._flush()
        return self.primary.stats()

    def style_of(self, page: Page, r: int, col: int) -> Style:
        return page.style(page.st[page.slots[r] * page.cols + col])

    @staticmethod
    def cell_is_cluster(page: Page, r: int, col: int) -> bool:
        return bool(page.fl[page.slots[r] * page.cols + col] & CELL_GRAPHEME)


__all__ = ["Screen", "COLOR_PALETTE", "COLOR_RGB"]
