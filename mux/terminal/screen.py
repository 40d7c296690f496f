"""A Screen: one PageList (the primary screen's, with scrollback, or the alternate screen's) and the cell writer.

Owns: the cursor (position, pending wrap, pen, current link, the last drawn character), writing text into cells
(ASCII runs, wide characters, grapheme clusters, wrap), scrolling, erasing (and selective erasing, which keeps the
cells whose style is PROTECTED), inserting and deleting, the rectangle operations (fill, erase, copy: they ignore
the scroll margins and never touch history), and reading active rows back. It does not decide what an escape
sequence means: the Terminal does, and calls these methods. The terminal's modes and scroll region are one `Modes`
object, owned by the Terminal and shared by both screens, so every mode has one source of truth.

Invariants (checked by `check()`, which the fuzz tests call after every step):
- 0 <= x < columns and 0 <= y < lines; `pending_wrap` only in the last column or at the right margin (text
  wraps at the right margin when the cursor is not right of it).
- The margins are inside the screen: 0 <= margin_top <= margin_bottom < lines, 0 <= margin_left <= margin_right
  < columns. Left/right margins (DECSLRM) bound printing, wrapping, scrolling, IL/DL, ICH/DCH and DECIC/DECDC;
  when they are the full width (the common case) every operation takes its whole-row path.
- `locs[y]` is where active row y lives: exactly `pages.active_locations()` after every step (structural changes
  to the PageList refresh it).
- Every row's cells fit its width: a wide character always has its spacer tail in the next cell, and a spacer
  tail always has its wide character; half-overwritten wide characters are blanked.
- A full page table is handled in one place (`_on_row`): the page is replaced by a bigger copy and the write is
  tried again; past the maximum page size the extra (cluster, link, style) is dropped, the text stays.
- Contiguous ASCII draws on one row are held in a `PendingRun` and written by `flush()` with one slice copy per
  cell array; everything that reads or moves cells flushes first.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from typing import NamedTuple, TypeVar

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
from mux.terminal.page import (
    CELL_SPACER_HEAD,
    CELL_SPACER_TAIL,
    CELL_WIDE,
    ROW_CARRIED,
    ROW_DIRTY,
    ROW_PROMPT,
    ROW_PROMPT_SHIFT,
    ROW_WRAP,
    ROW_WRAP_CONTINUATION,
    Page,
    PageOverflow,
)
from mux.terminal.pagelist import PageList
from mux.terminal.styles import DEFAULT_STYLE, Style

T = TypeVar("T")

_WIDE_FLAGS = array("H", [CELL_WIDE, CELL_SPACER_TAIL])
_WIDE_PAIR = (CELL_WIDE, CELL_SPACER_TAIL)
# A zone that may hold multi-codepoint clusters: joining characters with the simple characters next to them.
_JOIN_ZONE = re.compile(f"[{SIMPLE_NARROW}{SIMPLE_WIDE}]?{JOINS}+(?:[{SIMPLE_NARROW}{SIMPLE_WIDE}]{JOINS}+)*"
                        f"[{SIMPLE_NARROW}{SIMPLE_WIDE}]?")
_CLASS_RUN = re.compile(f"{SIMPLE_NARROW}+|{SIMPLE_WIDE}+")
#: Longest cluster kept (codepoints); the rest of an absurd cluster is dropped.
MAX_KEPT_CLUSTER = 32


class ZoneCells(NamedTuple):
    """The cells a zone of text (clusters around joining characters) becomes on one row."""

    cps: array          # codepoints ('I'), a wide character's second cell 0
    flags: array        # cell flags ('H'): CELL_WIDE / CELL_SPACER_TAIL
    extras: tuple[tuple[int, str], ...]    # (cell offset, extra codepoints) of each multi-codepoint cluster
    last: str           # the last cluster (what a following combining mark would extend)
    last_offset: int    # its cell


#: The memo of `zone_cells` (the compiled path looks up here first; only `zone_cells` writes it).
ZONE_CELLS: dict[str, ZoneCells | None] = {}
_ZONE_CELLS_MAX = 8192


def zone_cells(zone: str) -> ZoneCells | None:
    """The cells of `zone` (memoised: the same emoji sequences recur), or None when it holds a zero-width cluster
    (the general path draws it, extending the cluster before it)."""
    known = ZONE_CELLS.get(zone, False)
    if known is not False:
        return known
    cps: list[int] = []
    flags: list[int] = []
    extras: list[tuple[int, str]] = []
    cells: ZoneCells | None = None
    parts = clusters(zone)
    for c in parts:
        w = char_width(c) if len(c) == 1 else cluster_width(c)
        if w and len(c) > 1:
            extras.append((len(cps), c[1:]))
        if w == 1:
            cps.append(ord(c[0]))
            flags.append(0)
        elif w == 2:
            cps += (ord(c[0]), 0)
            flags += _WIDE_PAIR
        else:
            break
    else:
        if parts:
            cells = ZoneCells(array("I", cps), array("H", flags), tuple(extras), parts[-1],
                              len(cps) - (2 if flags[-1] == CELL_SPACER_TAIL else 1))
    if len(ZONE_CELLS) >= _ZONE_CELLS_MAX:
        ZONE_CELLS.clear()
    ZONE_CELLS[zone] = cells
    return cells


class Modes:
    """The terminal's modes and scroll region that cell writes obey, shared by the primary and alternate screen.

    Named modes are attributes (the hot path reads them); every other DEC private mode the terminal knows is
    a number in `dec`. A mode lives in exactly one of those places."""

    __slots__ = ("autowrap", "insert", "newline", "origin", "clustering", "translate", "margin_top",
                 "margin_bottom", "margin_left", "margin_right", "dec", "reverse_wrap")

    def __init__(self, columns: int, lines: int) -> None:
        self.reset(columns, lines)

    def reset(self, columns: int, lines: int) -> None:
        """Every mode back to its power-on value, the margins the whole `(columns, lines)` screen (RIS)."""
        self.autowrap = True            # DECAWM
        self.insert = False             # IRM
        self.newline = False            # LNM
        self.origin = False             # DECOM
        self.clustering = True          # 2027: multi-codepoint grapheme clusters take one cell or two
        self.reverse_wrap = False       # 45: BS / CUB at the left margin continue on the row above (with DECAWM)
        self.translate: dict | None = None      # the active charset's str.translate table (DEC graphics)
        self.dec: set[int] = set()
        self.reset_margins(columns, lines)

    def reset_margins(self, columns: int, lines: int) -> None:
        """Top/bottom (DECSTBM) and left/right (DECSLRM) margins back to the whole `(columns, lines)` screen."""
        self.margin_top, self.margin_bottom = 0, lines - 1
        self.reset_left_right_margins(columns)

    def reset_left_right_margins(self, columns: int) -> None:
        """Left/right margins (DECSLRM) back to the whole width (also when DECLRMM, mode 69, is reset)."""
        self.margin_left, self.margin_right = 0, columns - 1


class PendingRun:
    """Contiguous ASCII draws on one row not yet written: the text pieces and the pen of each."""

    __slots__ = ("page", "y", "row", "x0", "end", "texts", "styles", "pen", "eol")

    def __init__(self, page: Page, y: int, row: int, x0: int, pen: Style) -> None:
        self.page, self.y, self.row, self.x0, self.end = page, y, row, x0, x0
        self.texts: list[str] = []
        self.styles: list[Style] = []
        self.pen: Style | None = pen        # the run's one style, or None when it has several
        self.eol: Style | None = None       # EL 0 at the run's end: clear from the end with this style


class Screen:
    """One PageList and the cursor that writes into it."""

    def __init__(self, pages: PageList, modes: Modes, keeps_history: bool) -> None:
        self.pages = pages
        self.modes = modes
        self.keeps_history = keeps_history      # rows scrolled off the top go into history (primary screen)
        self.columns = pages.cols
        self.lines = pages.rows
        self.locs = pages.active_locations()
        self.x = 0
        self.y = 0
        self.pending_wrap = False
        self.pen: Style = DEFAULT_STYLE
        self.link: tuple[str, str] | None = None
        self.last_char = ""             # the last graphic character (REP repeats it)
        self.last_cluster = ""          # the cluster a following combining mark would extend ("" = none)
        self.last_pos = (0, 0)          # (y, x) of that cluster's cell
        self.run: PendingRun | None = None

    # ------------------------------------------------------------------ bookkeeping

    def refresh_locs(self) -> None:
        self.locs = self.pages.active_locations()

    def _on_row(self, y: int, write: Callable[[Page, int], T]) -> T | None:
        """`write(page, row)` on active row y. When a table of the page is full, the page is replaced by a bigger
        copy and the write runs again; None past the maximum page size (the caller drops the extra)."""
        while True:
            page, r = self.locs[y]
            try:
                return write(page, r)
            except PageOverflow as overflow:
                if not self.regrow(y, overflow.dimension):
                    return None

    def regrow(self, y: int, dimension: str) -> bool:
        """After a write to active row y found the `dimension` table of its page full: replace the page by a bigger
        copy. False past the maximum page size. The write then runs on the new page, never again on the full one:
        a page that has just collected its table and found too little room would take the write the second time,
        so both paths must grow at the same write (the compiled path calls this too)."""
        try:
            self.pages.adjust_capacity(self.locs[y][0], dimension)
        except PageOverflow:
            return False
        self.refresh_locs()
        return True

    def style_id(self, y: int, style: Style) -> tuple[Page, int]:
        """(page of row y, id of `style` in it), interning the style (a grown page keeps every id)."""
        page = self.locs[y][0]
        sid = page.style_ids.get(style)
        if sid is not None:
            return page, sid
        sid = self._on_row(y, lambda p, r: p.intern_style(style))
        return self.locs[y][0], sid or 0

    def bce_style(self) -> Style:
        """Erased cells take the pen's background colour (xterm BCE) and nothing else."""
        bg = self.pen[1]
        return (0, bg, 0, 0) if bg else DEFAULT_STYLE

    def move_to(self, x: int, y: int) -> None:
        """Put the cursor at (x, y), already clamped by the caller; cancels a pending wrap."""
        self.x = x
        self.y = y
        self.pending_wrap = False
        self.last_cluster = ""

    def copy_cursor(self, other: Screen) -> None:
        """Take the cursor of the other screen (switching between primary and alternate)."""
        other.flush()
        self.x = min(other.x, self.columns - 1)
        self.y = min(other.y, self.lines - 1)
        self.pending_wrap = other.pending_wrap
        self.pen = other.pen
        self.link = other.link
        self.last_char = other.last_char
        self.last_cluster = ""

    # ------------------------------------------------------------------ drawing

    def draw(self, text: str) -> None:
        translate = self.modes.translate
        if translate is not None:
            text = text.translate(translate)
        if text.isascii():
            if not self._batch(text):
                self.flush()
                self._draw_narrow(text)
        else:
            self.flush()
            self._draw_unicode(text)

    def _batch(self, text: str) -> bool:
        """Add narrow text to the pending run if it continues it on this row without reaching the last column
        (cells are written when the run ends, see flush). False if the text needs the general path."""
        x = self.x
        end = x + len(text)
        modes = self.modes
        # The right margin is the last column unless DECSLRM set one: the run must stay left of it.
        if end > modes.margin_right or self.pending_wrap or modes.insert or self.link is not None:
            return False
        y = self.y
        pen = self.pen
        run = self.run
        if run is None or run.end != x or run.y != y:
            self.flush()
            page, r = self.locs[y]
            run = self.run = PendingRun(page, y, r, x, pen)
        elif pen is not run.pen:
            run.pen = None            # more than one style in the run
        run.texts.append(text)
        run.styles.append(pen)
        run.end = self.x = end
        self.last_char = self.last_cluster = text[-1]      # last_pos is set by flush
        return True

    def flush(self) -> None:
        """Write the pending run of batched draws into its row (one slice copy per cell array)."""
        run = self.run
        if run is None:
            return
        self.run = None
        page, y, r, x0, end = run.page, run.y, run.row, run.x0, run.end
        self.last_pos = (y, end - 1)
        texts, styles = run.texts, run.styles
        page.clear_wide_edges(r, x0, end)
        if run.pen is not None:
            text = texts[0] if len(texts) == 1 else "".join(texts)
            sid = page.style_ids.get(run.pen)
            if sid is None:
                page, sid = self.style_id(y, run.pen)
            page.write_text(r, x0, text, sid)
        else:
            # The text at once, then each piece's style id, interned just before it is written: a style table that
            # fills up then collects exactly the styles no written cell uses (the compiled path does the same).
            page.write_codepoints(r, x0, texts[0] if len(texts) == 1 else "".join(texts))
            x = x0
            for style, piece in zip(styles, texts, strict=True):
                sid = page.style_ids.get(style)
                if sid is None:
                    page, sid = self.style_id(y, style)
                page.set_style_ids(r, x, len(piece), sid)
                x += len(piece)
        if run.eol is not None:
            page, sid = self.style_id(y, run.eol)
            page.clear_cells(r, end, self.columns, sid)
            page.rflags[r] &= ~ROW_WRAP

    def draw_lines(self, lines: list[str]) -> None:
        """Each line drawn, then CR LF (the Stream's bulk path for plain logs).

        The common case (ASCII lines, cursor at the bottom of a full-screen region on the primary screen, plain
        pen, autowrap on) is inlined: one slice write per row and one PageList.grow per row, soft-wrapping lines
        wider than the screen exactly as drawing them would."""
        self.flush()
        cols = self.columns
        bottom = self.lines - 1
        modes = self.modes
        simple = (modes.translate is None and not modes.insert and self.link is None and self.pen[1] == 0
                  and modes.autowrap and modes.margin_top == 0 and modes.margin_bottom == bottom
                  and self.keeps_history and modes.margin_left == 0 and modes.margin_right == cols - 1)
        locs = self.locs
        grow = self.pages.grow
        pen = self.pen
        for line in lines:
            if not (simple and self.x == 0 and self.y == bottom and not self.pending_wrap and line.isascii()):
                if line:
                    self.draw(line)
                self.carriage_return()
                self.linefeed()
                continue
            n = len(line)
            if n:
                page, r = locs[bottom]
                sid = page.style_ids.get(pen)
                if sid is None:
                    page, sid = self.style_id(bottom, pen)
                start = 0
                while n - start > cols:
                    # A full row that continues on the next one.
                    page.write_text(r, 0, line[start:start + cols], sid)
                    page.rflags[r] |= ROW_WRAP
                    del locs[0]
                    locs.append(grow())
                    page, r = locs[bottom]
                    page.rflags[r] |= ROW_WRAP_CONTINUATION
                    sid = page.style_ids.get(pen)
                    if sid is None:
                        page, sid = self.style_id(bottom, pen)
                    start += cols
                rest = n - start
                if rest < cols and page.flags_at(r, rest) & CELL_SPACER_TAIL:
                    page.clear_cells(r, rest, rest + 1, page.style_id_at(r, rest))
                page.write_text(r, 0, line[start:] if start else line, sid)
                self.last_char = line[-1]
            del locs[0]
            locs.append(grow())
        self.pending_wrap = False
        self.last_cluster = ""

    def wrap_pending(self) -> None:
        """Do now the soft wrap a pending wrap promises (the next character would do it)."""
        if self.pending_wrap:
            self.flush()
            self._wrap()

    def _wrap(self) -> None:
        """Soft-wrap: go to the left margin of the next row (scrolling at the bottom margin). Only a wrap at the
        screen's last column marks the rows as one continued line (as Ghostty): a wrap at a right margin is a
        layout inside a rectangle, not a long line to reflow."""
        mark = self.x == self.columns - 1
        if mark:
            page, r = self.locs[self.y]
            page.rflags[r] |= ROW_WRAP
        self.pending_wrap = False
        self.index()
        self.x = self.modes.margin_left
        if mark:
            page, r = self.locs[self.y]
            page.rflags[r] |= ROW_WRAP_CONTINUATION

    def right_limit(self) -> int:
        """One past the last column text reaches on this row before it wraps: the right margin's when the cursor is
        not right of it, else the screen's (xterm, Ghostty)."""
        right = self.modes.margin_right
        return right + 1 if self.x <= right else self.columns

    def _after_write(self, end: int) -> None:
        """The cursor after cells up to column `end` were written (self.x is still where the write started)."""
        right = self.modes.margin_right
        limit = right + 1 if self.x <= right else self.columns
        if end >= limit:
            self.x = limit - 1
            self.pending_wrap = self.modes.autowrap
        else:
            self.x = end

    def _draw_narrow(self, text: str) -> None:
        """Text whose every character takes one cell."""
        cols = self.columns
        modes = self.modes
        while text:
            if self.pending_wrap:
                self._wrap()
            x = self.x
            right = modes.margin_right
            room = (right + 1 if x <= right else cols) - x
            if len(text) <= room:
                chunk, text = text, ""
            elif modes.autowrap:
                chunk, text = text[:room], text[room:]
            else:
                # No autowrap: what does not fit overwrites the last column.
                chunk = text[:room - 1] + text[-1]
                text = ""
            y = self.y
            page, sid = self.style_id(y, self.pen)
            n = len(chunk)
            if modes.insert:
                self._insert_blanks(y, x, n)
                page, sid = self.style_id(y, self.pen)
            r = self.locs[y][1]
            page.clear_wide_edges(r, x, x + n)
            page.write_text(r, x, chunk, sid)
            if self.link is not None:
                self.mark_link(x, x + n)
            self.last_char = self.last_cluster = chunk[-1]
            self.last_pos = (y, x + n - 1)
            self._after_write(x + n)

    def _draw_unicode(self, text: str) -> None:
        if self.last_cluster and not text[0].isascii():
            k = extends(self.last_cluster, text)
            if k:
                self._extend_last(text[:k])
                text = text[k:]
                if not text:
                    return
        if not self.modes.clustering:
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
            self.flush()
            cells = zone_cells(text[start:end])
            if self.pending_wrap or self.modes.insert or cells is None or not self._draw_segment(cells):
                self._draw_clusters(clusters(text[start:end]))
            pos = end
        if pos < len(text):
            self._draw_simple(text[pos:], classes[pos:])

    def _draw_simple(self, text: str, classes: str) -> None:
        """Text of single-codepoint clusters: alternating runs of narrow and wide characters."""
        if SIMPLE_WIDE not in classes:
            if not self._batch(text):
                self.flush()
                self._draw_narrow(text)
            return
        for run in _CLASS_RUN.finditer(classes):
            start, end = run.span()
            if classes[start] == SIMPLE_WIDE:
                self.flush()
                self._draw_wide_run(text[start:end])
            elif not self._batch(text[start:end]):
                self.flush()
                self._draw_narrow(text[start:end])

    def _draw_segment(self, cells: ZoneCells) -> bool:
        """A zone's cells when they fit on the cursor's row before the last column: one write, then the clusters'
        extra codepoints. Returns False (nothing drawn) when the zone needs wrapping."""
        x = self.x
        n = len(cells.cps)
        if x + n >= self.right_limit():
            return False
        y = self.y
        page, sid = self.style_id(y, self.pen)
        r = self.locs[y][1]
        page.clear_wide_edges(r, x, x + n)
        page.write_cells(r, x, cells.cps, sid, cells.flags)
        for offset, extra in cells.extras:
            self.attach_cluster(y, x + offset, extra)
        if self.link is not None:
            self.mark_link(x, x + n)
        self.last_char = self.last_cluster = cells.last
        self.last_pos = (y, x + cells.last_offset)
        self.x = x + n
        return True

    def _draw_clusters(self, parts: list[str]) -> None:
        """The general path: runs of narrow and wide characters and single clusters, wrapping as needed."""
        narrow: list[str] = []
        wide: list[str] = []
        for cluster in parts:
            w = char_width(cluster) if len(cluster) == 1 else cluster_width(cluster)
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

    def _spacer_head_and_wrap(self) -> bool:
        """A wide character does not fit in the last column (or at the right margin): leave a spacer head there
        (a blank at a margin, as Ghostty: the rows are not one continued line) and wrap early. False (nothing to
        draw) without autowrap."""
        if not self.modes.autowrap or self.columns < 2:
            return False
        page, r = self.locs[self.y]
        x = self.x
        page.clear_wide_edges(r, x, x + 1)
        page.set_cell(r, x, 0, 0, CELL_SPACER_HEAD if x == self.columns - 1 else 0)
        self._wrap()
        return True

    def _draw_wide_run(self, text: str) -> None:
        """Single-codepoint double-width characters (CJK): two cells each, written as slices."""
        cols = self.columns
        if cols < 2:
            return
        modes = self.modes
        while text:
            if self.pending_wrap:
                self._wrap()
            x = self.x
            right = modes.margin_right
            limit = right + 1 if x <= right else cols
            room = (limit - x) // 2
            if room == 0:
                if not self._spacer_head_and_wrap():
                    return
                continue
            chunk, text = text[:room], text[room:]
            n = len(chunk)
            y = self.y
            if modes.insert:
                self._insert_blanks(y, x, 2 * n)
            page, sid = self.style_id(y, self.pen)
            r = self.locs[y][1]
            page.clear_wide_edges(r, x, x + 2 * n)
            enc = chunk.encode("utf-32-le")
            cells = bytearray(8 * n)
            for k in range(4):
                cells[k::8] = enc[k::4]
            page.write_cells(r, x, memoryview(cells).cast("I"), sid, (_WIDE_FLAGS * n) if n > 1 else _WIDE_FLAGS)
            if self.link is not None:
                self.mark_link(x, x + 2 * n)
            self.last_char = self.last_cluster = chunk[-1]
            end = x + 2 * n
            self.last_pos = (y, end - 2)
            self._after_write(end)
            if text and not modes.autowrap and end >= limit - 1:
                return

    def _draw_cluster(self, cluster: str, w: int) -> None:
        """A multi-codepoint cluster: base codepoint in the cell, the rest in the page's grapheme arena."""
        if self.pending_wrap:
            self._wrap()
        if w == 2 and self.x == self.right_limit() - 1 and not self._spacer_head_and_wrap():
            return
        x, y = self.x, self.y
        if self.modes.insert:
            self._insert_blanks(y, x, w)
        page, sid = self.style_id(y, self.pen)
        r = self.locs[y][1]
        page.clear_wide_edges(r, x, x + w)
        page.set_cell(r, x, ord(cluster[0]), sid, CELL_WIDE if w == 2 else 0)
        if w == 2:
            page.set_cell(r, x + 1, 0, sid, CELL_SPACER_TAIL)
        self.attach_cluster(y, x, cluster[1:])
        if self.link is not None:
            self.mark_link(x, x + w)
        self.last_char = self.last_cluster = cluster
        self.last_pos = (y, x)
        self._after_write(x + w)

    def attach_cluster(self, y: int, x: int, extras: str) -> None:
        """Store a cluster's extra codepoints on cell (y, x) (dropped past the maximum page size)."""
        self._on_row(y, lambda page, r: page.set_grapheme(r, x, extras))

    def _extend_last(self, extension: str) -> None:
        """Zero-width codepoints (combining marks, ZWJ continuations, VS16) join the previous cluster."""
        prev = self.last_cluster
        if not prev:
            return
        y, x = self.last_pos
        if y >= self.lines or x >= self.columns:
            return
        page, r = self.locs[y]
        if page.flags_at(r, x) & CELL_SPACER_TAIL or page.codepoint_at(r, x) != ord(prev[0]):
            return                  # the cell was overwritten meanwhile
        cluster = (prev + extension)[:MAX_KEPT_CLUSTER]
        extras = cluster[1:]
        if extras:
            self.attach_cluster(y, x, extras)
        self.last_cluster = self.last_char = cluster
        # VS16 and similar can turn a narrow character wide: give it its second cell if there is room.
        page, r = self.locs[y]
        if cluster_width(cluster) == 2 and not page.flags_at(r, x) & CELL_WIDE and x + 1 < self.columns \
                and self.y == y and self.x == x + 1 and not self.pending_wrap:
            page.add_cell_flags(r, x, CELL_WIDE)
            page.clear_wide_edges(r, x + 1, x + 2)
            page.set_cell(r, x + 1, 0, page.style_id_at(r, x), CELL_SPACER_TAIL)
            self.pending_wrap = False
            self._after_write(x + 2)

    def mark_link(self, start: int, end: int) -> None:
        link = self.link
        assert link is not None
        self._on_row(self.y, lambda page, r: page.set_hyperlink(r, start, end, page.intern_hyperlink(*link)))

    def repeat_last(self, count: int) -> None:
        """REP: the last printed graphic character again, `count` times."""
        self.flush()
        if self.last_char:
            self.draw(self.last_char * max(1, min(count, self.columns * self.lines)))

    # ------------------------------------------------------------------ line feeds and scrolling

    def linefeed(self) -> None:
        if self.run is not None:
            self.flush()
        y = self.y
        modes = self.modes
        if y == self.lines - 1 and modes.margin_top == 0 and y == modes.margin_bottom and not self.pen[1] \
                and self.keeps_history and modes.margin_left == 0 and modes.margin_right == self.columns - 1:
            # The common case, inlined: the whole screen scrolls one row into history.
            locs = self.locs
            del locs[0]
            locs.append(self.pages.grow())
            self.last_cluster = ""
        else:
            self.index()
        if modes.newline:
            self.carriage_return()
        self.pending_wrap = False

    def index(self) -> None:
        """Down one row; at the bottom margin the region scrolls up. When the region starts at the top row of
        the primary screen, the row scrolled off goes into history (as in xterm, tmux and Ghostty). With
        left/right margins only the rectangle inside all four margins scrolls, and only when the cursor is
        between the left and right margins (outside them, at the bottom margin, nothing moves)."""
        self.flush()
        self.last_cluster = ""
        modes = self.modes
        if self.y == modes.margin_bottom:
            if modes.margin_left != 0 or modes.margin_right != self.columns - 1:
                if modes.margin_left <= self.x <= modes.margin_right:
                    self.scroll_up(1)
            elif modes.margin_top == 0 and modes.margin_bottom < self.lines - 1 and self.keeps_history:
                self._scroll_top_region_into_history()
            else:
                self.scroll_up(1)
        elif self.y < self.lines - 1:
            self.y += 1

    def _scroll_top_region_into_history(self) -> None:
        """Rows 0..bottom scroll up by one into history; the rows below the region stay where they are."""
        locs = self.locs
        del locs[0]
        locs.append(self.pages.grow())
        # The new blank row is at the bottom of the screen: rotate it up to the region's bottom row.
        self.rotate_region(self.modes.margin_bottom, self.lines - 1, -1, self.bce_style())

    def reverse_index(self) -> None:
        """Up one row; at the top margin the region scrolls down (only when the cursor is between the left and
        right margins: outside them nothing moves)."""
        self.flush()
        self.last_cluster = ""
        self.pending_wrap = False
        modes = self.modes
        if self.y == modes.margin_top:
            if modes.margin_left <= self.x <= modes.margin_right:
                self.scroll_down(1)
        elif self.y > 0:
            self.y -= 1

    def carriage_return(self) -> None:
        """To the left margin; to the screen's first column when the cursor is left of the margin, unless origin
        mode confines the cursor to the margins (xterm)."""
        modes = self.modes
        left = modes.margin_left
        self.x = left if self.x >= left or modes.origin else 0
        self.pending_wrap = False
        self.last_cluster = ""

    def backspace(self) -> None:
        self.cursor_left(1)

    def cursor_left(self, count: int) -> None:
        """BS and CUB: left `count` columns, stopping at the left margin (at the screen's first column when the
        cursor starts left of the margin). With reverse wraparound (mode 45) and autowrap, the move continues at
        the right margin of the row above, and from the top margin at the bottom margin: xterm's mode 45 before
        patch 383 (what esctest expects by default), Ghostty's 1045. A pending wrap uses up one step of it."""
        modes = self.modes
        x, y = self.x, self.y
        left = modes.margin_left if x >= modes.margin_left else 0
        count = max(1, count)
        if not (modes.reverse_wrap and modes.autowrap):
            self.pending_wrap = False
            if x > left:
                self.x = max(left, x - count)
            return
        self.last_cluster = ""
        if self.pending_wrap:
            count -= 1
            self.pending_wrap = False
        right, top, bottom = modes.margin_right, modes.margin_top, modes.margin_bottom
        # Each pass goes up one row, so a huge count is bounded by the screen it cycles through.
        count = min(count, (self.columns + 1) * self.lines * 2)
        while True:
            step = min(x - left, count)
            x -= step
            count -= step
            if count <= 0:
                break
            if y == top:
                x, y = right, bottom
            elif y == 0:
                break
            else:
                x, y = right, y - 1
            count -= 1
        self.x, self.y = max(0, min(x, self.columns - 1)), y

    def scroll_up(self, count: int) -> None:
        """SU, and index at the bottom margin: the region's content moves up; new rows at the bottom."""
        self.flush()
        top, bottom = self.modes.margin_top, self.modes.margin_bottom
        count = min(max(1, count), bottom - top + 1)
        bce = self.bce_style()
        if self.modes.margin_left != 0 or self.modes.margin_right != self.columns - 1:
            self.shift_block(top, bottom, count, bce)
            return
        if top == 0 and bottom == self.lines - 1 and self.keeps_history:
            locs = self.locs
            # Rows that move keep their content, so nothing is marked dirty: the UI keys rows by identity.
            for _ in range(count):
                del locs[0]
                locs.append(self.pages.grow())
                if bce is not DEFAULT_STYLE:
                    self._clear_row(self.lines - 1, bce)
            return
        self.rotate_region(top, bottom, count, bce)

    def scroll_down(self, count: int) -> None:
        """SD, and reverse index at the top margin: content moves down; new rows at the top."""
        self.flush()
        top, bottom = self.modes.margin_top, self.modes.margin_bottom
        n = -min(max(1, count), bottom - top + 1)
        if self.modes.margin_left != 0 or self.modes.margin_right != self.columns - 1:
            self.shift_block(top, bottom, n, self.bce_style())
            return
        self.rotate_region(top, bottom, n, self.bce_style())

    def shift_block(self, top: int, bottom: int, n: int, bce: Style) -> None:
        """Rows top..bottom move up by n (down if negative) between the left and right margins only: the cells
        outside them stay, and the cells uncovered come back blank in the erase style `bce`. Rows keep their
        slots, so this copies cells (the whole-width cases rotate row slots instead: `rotate_region`)."""
        n = max(top - bottom - 1, min(bottom - top + 1, n))
        if n == 0:
            return
        left, end = self.modes.margin_left, self.modes.margin_right + 1
        moved = range(top, bottom + 1 - n) if n > 0 else range(bottom, top - n - 1, -1)
        for y in moved:
            self.copy_span(y, y + n, left, end)
        fresh = range(bottom - n + 1, bottom + 1) if n > 0 else range(top, top - n)
        for y in fresh:
            self.clear_span(y, left, end, bce)

    def copy_span(self, dst_y: int, src_y: int, start: int, end: int) -> None:
        """Columns [start, end) of active row dst_y become a copy of the same columns of row src_y. A wide
        character the span's edges cut in two (in the source) loses both halves in the copy."""

        def copy(dst: Page, dr: int) -> None:
            src, sr = self.locs[src_y]
            dst.clear_wide_edges(dr, start, end)
            dst.copy_cells(dr, start, src, sr, start, end - start)

        self._on_row(dst_y, copy)
        self._blank_cut_wide(dst_y, start, end)

    def _blank_cut_wide(self, y: int, start: int, end: int) -> None:
        """After cells were moved into [start, end) of row y: a spacer tail at `start` or a wide character at
        `end - 1` lost its other half (left outside the span, or pushed off the screen's last column), so it is
        blanked, keeping its style."""
        page, r = self.locs[y]
        if page.flags_at(r, start) & CELL_SPACER_TAIL:
            page.clear_cells(r, start, start + 1, page.style_id_at(r, start))
        if page.flags_at(r, end - 1) & CELL_WIDE:
            page.clear_cells(r, end - 1, end, page.style_id_at(r, end - 1))

    def clear_span(self, y: int, start: int, end: int, style: Style = DEFAULT_STYLE) -> None:
        """Blank columns [start, end) of active row y in `style` (a wide character cut at an edge is blanked)."""
        page, sid = self.style_id(y, style)
        r = self.locs[y][1]
        page.clear_wide_edges(r, start, end)
        page.clear_cells(r, start, end, sid)

    def rotate_region(self, top: int, bottom: int, n: int, bce: Style) -> None:
        """Move rows top..bottom up by n (down if negative) without touching history; the rows uncovered come back
        blank in the erase style `bce`.

        The region is cut into segments of consecutive rows of one page. Each segment rotates its own row slots, and
        only the rows that cross into another segment are copied (at most |n| per segment): a region straddling a
        page boundary costs one row copy per scrolled line, not a copy of every row."""
        n = max(top - bottom - 1, min(bottom - top + 1, n))
        if n == 0:
            return
        segments = self._segments(top, bottom)
        for a, b in segments if n > 0 else reversed(segments):
            # Up: a segment's new tail comes from rows below it, which have not moved yet (and down, mirrored).
            page, r0 = self.locs[a]
            page.rotate_rows(r0, r0 + b - a, n)
            crossing = range(max(a, b - n + 1), b + 1) if n > 0 else range(a, min(b, a - n - 1) + 1)
            for y in crossing:
                if top <= y + n <= bottom:
                    self.copy_row(y, y + n)
        fresh = range(bottom - n + 1, bottom + 1) if n > 0 else range(top, top - n)
        if bce is not DEFAULT_STYLE and bce != DEFAULT_STYLE:
            for y in fresh:
                self._clear_row(y, bce)
        for y in range(top, bottom + 1):
            p, r = self.locs[y]         # a row copy that grew a page replaced the list
            p.rflags[r] |= ROW_DIRTY

    def _segments(self, top: int, bottom: int) -> list[tuple[int, int]]:
        """Rows top..bottom as maximal (first, last) runs that are consecutive rows of one page."""
        locs = self.locs
        segments = []
        start = top
        for y in range(top + 1, bottom + 1):
            (page, r), (prev_page, prev_r) = locs[y], locs[y - 1]
            if page is not prev_page or r != prev_r + 1:
                segments.append((start, y - 1))
                start = y
        segments.append((start, bottom))
        return segments

    def copy_row(self, dst_y: int, src_y: int) -> None:
        """Active row dst_y becomes a copy of active row src_y (cells, styles, clusters, links, wrap and prompt
        flags), re-interned in dst_y's page."""
        cols = self.columns

        def copy(dst: Page, dr: int) -> None:
            src, sr = self.locs[src_y]
            dst.clear_row(dr)
            dst.copy_cells(dr, 0, src, sr, 0, cols)
            dst.rflags[dr] |= src.rflags[sr] & ROW_CARRIED

        self._on_row(dst_y, copy)

    def _clear_row(self, y: int, style: Style = DEFAULT_STYLE) -> None:
        if style is DEFAULT_STYLE or style == DEFAULT_STYLE:
            page, r = self.locs[y]
            page.clear_row(r)
        else:
            page, sid = self.style_id(y, style)
            page.clear_row(self.locs[y][1], sid)

    def clear(self, style: Style = DEFAULT_STYLE) -> None:
        """Blank every active row."""
        self.flush()
        for y in range(self.lines):
            self._clear_row(y, style)

    def mark_all_dirty(self) -> None:
        self.flush()
        for page, r in self.locs:
            page.rflags[r] |= ROW_DIRTY

    # ------------------------------------------------------------------ editing

    def _insert_blanks(self, y: int, x: int, n: int, style: Style = DEFAULT_STYLE) -> None:
        """ICH and insert mode: shift cells [x, end) of row y right by n (the tail falls off), blanks at x; `end`
        is the right margin's next column (the row's end without DECSLRM)."""
        modes = self.modes
        if not modes.margin_left <= x <= modes.margin_right:
            return          # outside the left/right margins nothing shifts (ICH; insert mode overwrites, as Ghostty)
        cols = modes.margin_right + 1
        n = min(n, cols - x)
        if n <= 0:
            return
        page, r = self.locs[y]
        page.clear_wide_edges(r, x, x)
        keep = cols - x - n
        if cols < self.columns:
            page.clear_wide_edges(r, cols, cols)     # the margin cuts a wide character: blank its other half
        if keep > 0:
            if page.flags_at(r, x + keep - 1) & CELL_WIDE:
                keep -= 1           # a wide character pushed past the edge loses both halves
            self._copy_within(y, x + n, x, keep)
            page, r = self.locs[y]
            page.clear_cells(r, x + n + keep, cols)
        page, sid = self.style_id(y, style)
        page.clear_cells(r, x, x + n, sid)

    def _copy_within(self, y: int, dst: int, src: int, n: int) -> None:
        self._on_row(y, lambda page, r: page.copy_cells(r, dst, page, r, src, n))

    def in_lr_margins(self) -> bool:
        """Whether the cursor is between the left and right margins (always, without DECSLRM)."""
        modes = self.modes
        return modes.margin_left <= self.x <= modes.margin_right

    def insert_characters(self, count: int) -> None:
        """ICH: blanks at the cursor, the cells up to the right margin shift right; nothing outside the margins."""
        self.flush()
        if self.in_lr_margins():
            self._insert_blanks(self.y, self.x, max(1, count), self.bce_style())
        self.pending_wrap = False

    def delete_characters(self, count: int) -> None:
        """DCH: the cells up to the right margin shift left over the deleted ones, blanks come in at the margin;
        nothing outside the margins."""
        self.flush()
        if not self.in_lr_margins():
            self.pending_wrap = False
            return
        cols, x, y = self.modes.margin_right + 1, self.x, self.y
        count = min(max(1, count), cols - x)
        page, r = self.locs[y]
        if cols < self.columns:
            page.clear_wide_edges(r, cols, cols)
        page.clear_wide_edges(r, x, x + count)
        keep = cols - x - count
        if keep > 0:
            self._copy_within(y, x, x + count, keep)
        page, sid = self.style_id(y, self.bce_style())
        page.clear_cells(self.locs[y][1], cols - count, cols, sid)
        self.pending_wrap = False

    def erase_characters(self, count: int) -> None:
        self.flush()
        count = min(max(1, count), self.columns - self.x)
        page, sid = self.style_id(self.y, self.bce_style())
        r = self.locs[self.y][1]
        page.clear_wide_edges(r, self.x, self.x + count)
        page.clear_cells(r, self.x, self.x + count, sid)
        self.pending_wrap = False

    def insert_lines(self, count: int) -> None:
        self._edit_lines(-count)

    def delete_lines(self, count: int) -> None:
        self._edit_lines(count)

    def _edit_lines(self, count: int) -> None:
        """IL (count < 0) / DL (count > 0) at the cursor row, inside the scroll region only (and, with left/right
        margins, only between them, when the cursor is); the cursor goes to the left margin."""
        self.flush()
        modes = self.modes
        top, bottom = modes.margin_top, modes.margin_bottom
        if not top <= self.y <= bottom or not self.in_lr_margins():
            return
        n = min(max(1, abs(count)), bottom - self.y + 1)
        if modes.margin_left != 0 or modes.margin_right != self.columns - 1:
            self.shift_block(self.y, bottom, n if count > 0 else -n, self.bce_style())
        else:
            self.rotate_region(self.y, bottom, n if count > 0 else -n, self.bce_style())
        self.x = modes.margin_left
        self.pending_wrap = False

    def erase_span(self, how: int) -> tuple[int, int]:
        """The columns [start, end) EL `how` erases on the cursor's row (0 to the end, 1 from the start, 2 all)."""
        return {0: (self.x, self.columns), 1: (0, self.x + 1), 2: (0, self.columns)}.get(how, (0, 0))

    def shift_columns(self, x: int, n: int, bce: Style) -> None:
        """Columns x..right margin of the rows inside the top/bottom margins move right by n (DECIC, DECBI) or
        left by -n (DECDC, DECFI); the columns uncovered come back blank in `bce`."""
        self.flush()
        modes = self.modes
        end = modes.margin_right + 1
        n = max(x - end, min(end - x, n))
        if n == 0:
            return
        for y in range(modes.margin_top, modes.margin_bottom + 1):
            if n > 0:
                self.copy_span_within(y, x + n, x, end - x - n, end)
                self.clear_span(y, x, x + n, bce)
            else:
                self.copy_span_within(y, x, x - n, end - x + n, end)
                self.clear_span(y, end + n, end, bce)

    def copy_span_within(self, y: int, dst: int, src: int, n: int, end: int) -> None:
        """n cells of row y from column src to column dst (ranges may overlap), inside [.., end): wide characters
        cut by the span's edges, or pushed past `end`, lose both halves."""
        if n <= 0:
            return
        page, r = self.locs[y]
        page.clear_wide_edges(r, min(src, dst), max(src, dst) + n)
        self._copy_within(y, dst, src, n)
        self._blank_cut_wide(y, dst, dst + n)

    def insert_columns(self, count: int) -> None:
        """DECIC: blank columns at the cursor, the ones up to the right margin shift right, in every row between
        the top and bottom margins; nothing when the cursor is outside the margins."""
        modes = self.modes
        if self.in_lr_margins() and modes.margin_top <= self.y <= modes.margin_bottom:
            self.shift_columns(self.x, max(1, count), self.bce_style())
        self.pending_wrap = False

    def delete_columns(self, count: int) -> None:
        """DECDC: the columns at the cursor go, the ones up to the right margin shift left, blanks come in at the
        margin, in every row between the top and bottom margins; nothing when the cursor is outside the margins."""
        modes = self.modes
        if self.in_lr_margins() and modes.margin_top <= self.y <= modes.margin_bottom:
            self.shift_columns(self.x, -max(1, count), self.bce_style())
        self.pending_wrap = False

    def back_index(self) -> None:
        """DECBI: left one column; at the left margin the columns between the margins shift right instead (a
        blank column comes in at the margin). At the screen's first column, left of the margin, nothing."""
        self.flush()
        modes = self.modes
        self.pending_wrap = False
        self.last_cluster = ""
        if self.x == modes.margin_left:
            if modes.margin_top <= self.y <= modes.margin_bottom:
                self.shift_columns(modes.margin_left, 1, self.bce_style())
        elif self.x > 0:
            self.x -= 1

    def forward_index(self) -> None:
        """DECFI: right one column; at the right margin the columns between the margins shift left instead (a
        blank column comes in at the margin). At the screen's last column, right of the margin, nothing."""
        self.flush()
        modes = self.modes
        self.pending_wrap = False
        self.last_cluster = ""
        if self.x == modes.margin_right:
            if modes.margin_top <= self.y <= modes.margin_bottom:
                self.shift_columns(modes.margin_left, -1, self.bce_style())
        elif self.x < self.columns - 1:
            self.x += 1

    def erase_in_line(self, how: int = 0) -> None:
        run = self.run
        if how == 0 and run is not None and run.end == self.x and run.y == self.y:
            run.eol = self.bce_style()      # folded into the pending run (gcc writes ESC[K constantly)
            self.pending_wrap = False
            return
        self.flush()
        page, sid = self.style_id(self.y, self.bce_style())
        r = self.locs[self.y][1]
        start, end = self.erase_span(how)
        if end > start:
            page.clear_wide_edges(r, start, end)
            page.clear_cells(r, start, end, sid)
            if end == self.columns:
                page.rflags[r] &= ~ROW_WRAP
        self.pending_wrap = False

    def erase_in_display(self, how: int = 0) -> None:
        self.flush()
        if how == 3:
            if self.keeps_history:
                self.pages.erase_history()
                self.refresh_locs()
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
        bce = self.bce_style()
        for y in rows:
            self._clear_row(y, bce)

    # ------------------------------------------------------------------ protected cells (selective erase)

    def erase_unprotected(self, y: int, start: int, end: int, style: Style) -> None:
        """Blank columns [start, end) of active row y in `style`, keeping the protected cells (a protected wide
        character keeps both halves: they share its style)."""
        page, sid = self.style_id(y, style)
        r = self.locs[y][1]
        for a, b in page.unprotected_runs(r, start, end):
            page.clear_wide_edges(r, a, b)
            page.clear_cells(r, a, b, sid)

    def selective_erase_in_line(self, how: int = 0) -> None:
        """EL / DECSEL keeping protected cells: 0 cursor to end, 1 start to cursor, 2 the whole line."""
        self.flush()
        start, end = self.erase_span(how)
        if end > start:
            self.erase_unprotected(self.y, start, end, self.bce_style())
            if end == self.columns:
                page, r = self.locs[self.y]
                page.rflags[r] &= ~ROW_WRAP
        self.pending_wrap = False

    def selective_erase_in_display(self, how: int = 0) -> None:
        """ED / DECSED keeping protected cells (3, the history, has no protection and is erased as by ED)."""
        self.flush()
        if how == 0:
            self.selective_erase_in_line(0)
            rows = range(self.y + 1, self.lines)
        elif how == 1:
            self.selective_erase_in_line(1)
            rows = range(0, self.y)
        elif how == 2:
            rows = range(self.lines)
        else:
            self.erase_in_display(how)
            return
        bce = self.bce_style()
        cols = self.columns
        for y in rows:
            page, r = self.locs[y]
            if page.unprotected_runs(r, 0, cols) == [(0, cols)]:
                self._clear_row(y, bce)         # nothing protected: exactly what ED does
            else:
                self.erase_unprotected(y, 0, cols, bce)

    def selective_erase_characters(self, count: int) -> None:
        """ECH keeping protected cells."""
        self.flush()
        count = min(max(1, count), self.columns - self.x)
        self.erase_unprotected(self.y, self.x, self.x + count, self.bce_style())
        self.pending_wrap = False

    # ------------------------------------------------------------------ rectangles (DECFRA, DECERA, DECSERA, DECCRA)
    # Rectangles are in screen cells, columns [x0, x1) of rows [y0, y1), already clamped to the screen by the
    # caller. They ignore the scroll margins, never touch history and leave the cursor where it is.

    def fill_rect(self, x0: int, y0: int, x1: int, y1: int, char: str) -> None:
        """DECFRA: every cell of the rectangle holds the narrow character `char` in the pen's style."""
        self.flush()
        text = char * (x1 - x0)
        for y in range(y0, y1):
            page, sid = self.style_id(y, self.pen)
            r = self.locs[y][1]
            page.clear_wide_edges(r, x0, x1)
            page.write_text(r, x0, text, sid)

    def erase_rect(self, x0: int, y0: int, x1: int, y1: int, keep_protected: bool = False) -> None:
        """DECERA (and DECSERA with `keep_protected`): blank the rectangle's cells in the erase style."""
        self.flush()
        bce = self.bce_style()
        for y in range(y0, y1):
            if keep_protected:
                self.erase_unprotected(y, x0, x1, bce)
            else:
                self.clear_span(y, x0, x1, bce)

    def copy_rect(self, x0: int, y0: int, x1: int, y1: int, dx: int, dy: int) -> None:
        """DECCRA: copy the rectangle so that its top-left cell lands on (dx, dy), as if through a buffer (source
        and destination may overlap); what would land off the screen is dropped. A wide character cut by the
        source's edge leaves a blank cell, never half a character."""
        self.flush()
        w = min(x1 - x0, self.columns - dx)
        h = min(y1 - y0, self.lines - dy)
        if w <= 0 or h <= 0:
            return
        # Rows are copied in the order that reads every source row before it is overwritten; within a row,
        # copy_cells reads before it writes.
        order = range(h - 1, -1, -1) if dy > y0 else range(h)
        for i in order:
            sy, ty = y0 + i, dy + i

            def copy(page: Page, r: int, sy: int = sy) -> None:
                src, sr = self.locs[sy]         # looked up again: growing the destination may replace it
                page.copy_cells(r, dx, src, sr, x0, w)

            # The destination's edges are fixed after the copy (before it, blanking a cut wide character could
            # blank a source cell not read yet): first the halves outside whose other half was overwritten...
            page, r = self.locs[ty]
            end = dx + w
            cut_left = dx > 0 and page.flags_at(r, dx) & CELL_SPACER_TAIL
            cut_right = end < self.columns and page.flags_at(r, end) & CELL_SPACER_TAIL
            self._on_row(ty, copy)
            page, r = self.locs[ty]
            if cut_left:
                page.clear_cells(r, dx - 1, dx, page.style_id_at(r, dx - 1))
            if cut_right:
                page.clear_cells(r, end, end + 1, page.style_id_at(r, end))
            # ...then the halves copied without their other half (the source's edge cut them).
            self._blank_cut_wide(ty, dx, end)

    def fill(self, char: str) -> None:
        """DECALN: every cell holds `char` in the default style."""
        self.flush()
        for page, r in self.locs:
            page.clear_row(r)
            page.write_text(r, 0, char * self.columns, 0)

    def set_prompt_mark(self, mark: int) -> None:
        """OSC 133: the cursor row starts a prompt (1), its input (2) or a command's output (3), or none (0)."""
        self.flush()
        page, r = self.locs[self.y]
        page.rflags[r] = (page.rflags[r] & ~ROW_PROMPT) | (mark << ROW_PROMPT_SHIFT)

    # ------------------------------------------------------------------ resize

    def resize(self, columns: int, lines: int, active: bool) -> None:
        """Rows changing moves lines between screen and history; columns changing reflows soft-wrapped lines
        (when the screen keeps history), keeping the cursor on its character. A screen not shown (`active`
        False) is anchored at its bottom row instead, and its cursor is only clamped."""
        self.flush()
        pl = self.pages
        locs = self.locs
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
        pl.resize(columns, lines, cursor=cursor if self.keeps_history else None)
        locs = self.locs = pl.active_locations()
        if active:
            cy = next((i for i, (p, rr) in enumerate(locs) if p is cursor.page and rr == cursor.row), None)
            if cy is None:
                cy = lines - 1 if pl.total_rows >= old_total_rows else 0
            self.y = cy
            self.x = min(cursor.col, columns - 1)
        else:
            self.y = min(self.y, lines - 1)
            self.x = min(self.x, columns - 1)
        pl.untrack(cursor)
        self.columns, self.lines = columns, lines
        self.pending_wrap = False
        self.last_cluster = ""
        self.mark_all_dirty()

    # ------------------------------------------------------------------ reading back

    def line(self, y: int) -> tuple[Page, int]:
        """Where active row y lives (page, row index in page)."""
        self.flush()
        return self.locs[y]

    def display(self) -> list[str]:
        """The active rows as text, one string per row (spacers omitted, clusters whole)."""
        self.flush()
        return [page.row_text(r) for page, r in self.locs]

    def style_of(self, page: Page, r: int, col: int) -> Style:
        return page.style(page.style_id_at(r, col))

    def close(self) -> None:
        self.flush()
        self.pages.close()

    def check(self) -> None:
        """Assert the invariants of the module docstring (the PageList checks its own)."""
        self.flush()
        assert 0 <= self.x < self.columns and 0 <= self.y < self.lines, (self.x, self.y)
        assert not self.pending_wrap or self.x in (self.columns - 1, self.modes.margin_right), \
            (self.x, self.pending_wrap)
        assert 0 <= self.modes.margin_top <= self.modes.margin_bottom < self.lines
        assert 0 <= self.modes.margin_left <= self.modes.margin_right < self.columns
        pl = self.pages
        assert (pl.cols, pl.rows) == (self.columns, self.lines)
        expected = [(id(p), r) for p, r in pl.active_locations()]
        assert [(id(p), r) for p, r in self.locs] == expected, "Screen.locs is stale"
        pl.check()
