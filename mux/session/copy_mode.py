"""CopyMode: scrollback ("copy") mode of one pane, as model state the server runs and every client views.

Owns: whether the pane is in copy mode, the viewport over the PageList's history while it is, the copy cursor,
the selection and its text, search (the current match and the matches on the visible rows), the status message,
prompt jumps and command-output selection from the shell's OSC 133 marks, word motions, and what keys, mouse
drags and the wheel do there. It draws nothing and knows no UI toolkit: callers ask for
`visible_rows` (where each shown row lives) and `row_spans` (what to highlight on a row) and draw those, and act on
the CopyAction a key returns (put text on the clipboard, prompt for a search string).

Invariants:
- While active, the viewport is anchored by a PageList pin (`pagelist.viewport`), so new output and pruning never
  make it jump to other content or to a released page; leaving follows the active area again (the pin is gone).
- Rows are absolute PageList rows (0 = oldest history row); `copy_row` is kept within [0, total_rows) by every
  move. Columns are cells, clamped to [0, columns). Only the viewport is a pin: the copy cursor, the selection
  and the matches are plain row numbers, so pruning while active shifts the content under them (never a crash).
- Page memory is read only through Screen.line() / PageList.row_locations() (the view: it thaws cold pages) /
  PageList.scan() (selections and search: cold pages are read through the scratch page) after a flush.
- Nothing copies the whole history: search, prompt jumps and word motions scan a chunk of rows at a time and keep
  nothing of it beyond the chunk they are looking at.
- Prompts: a row's OSC 133 mark is the last one the shell set on it (terminal.PROMPT_MARKS). A prompt starts on a
  row marked A, or marked B (its input, which a one-line prompt sets on A's own row) after a row that is not a
  prompt row. A command's output starts on the row marked C and ends before the next prompt.
- `height` (the rows the pane shows, normally screen.lines) is always the caller's: the model holds no geometry.
- Copy mode belongs to the screen it was entered on: once the program switches to or from the alternate screen,
  `follow_screen()` leaves it (the caller asks before reading rows), and `leave` unpins that screen's PageList.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from mux.terminal.page import ROW_PROMPT, ROW_PROMPT_SHIFT, ROW_WRAP, Page
from mux.terminal.rows import row_cells
from mux.terminal.terminal import PROMPT_MARKS, Terminal

STATUS_ACTIVE = "[scrollback]"
WHEEL_ROWS = 3              # rows one wheel notch scrolls (the caller passes +-WHEEL_ROWS to `wheel`)
SEARCH_CHUNK = 1024         # row texts search holds at a time (a cold page is decoded about once per chunk)
PROMPT_ROW = frozenset({PROMPT_MARKS["A"], PROMPT_MARKS["B"]})     # marks of the rows a prompt is drawn on
OUTPUT_MARK = PROMPT_MARKS["C"]


@dataclass
class Match:
    row: int        # absolute row (0 = oldest history row)
    start: int
    end: int


@dataclass
class CopyAction:
    """What the caller must do after a key or the end of a drag."""

    kind: str               # "none" | "leave" | "copy" | "prompt-search"
    text: str = ""          # for "copy": the selected text (may be empty: then there is nothing to put anywhere)
    backward: bool = False  # for "prompt-search"


NONE = "none"
LEAVE = "leave"
COPY = "copy"
PROMPT_SEARCH = "prompt-search"


class CopyMode:
    """Copy mode of one pane's terminal."""

    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal
        self.active = False
        self.copy_row = 0           # absolute row of the copy cursor
        self.copy_col = 0
        self.select_from: tuple[int, int] | None = None
        self.search_text = ""
        self.search_backward = False
        self.matches: list[Match] = []
        self.current_match: Match | None = None
        self.status = ""
        self.pagelist = terminal.pagelist     # the screen (primary or alternate) copy mode was entered on

    # ------------------------------------------------------------------ entering and leaving

    def enter(self) -> None:
        """Start copy mode with the copy cursor on the terminal cursor, the view anchored where it is."""
        if self.active:
            return
        terminal = self.terminal
        terminal.line(0)      # flush pending writes
        pl = self.pagelist = terminal.pagelist
        self.active = True
        self.copy_row = pl.history_rows() + terminal.y
        self.copy_col = terminal.x
        self.status = STATUS_ACTIVE
        self._anchor()      # new output no longer moves the view

    def _anchor(self) -> None:
        """Pin the viewport to content (a PageList pin), unless it already is."""
        pl = self.terminal.pagelist
        if pl.viewport is None:
            top = pl.history_rows()
            locs = pl.row_locations(top, 1)
            if locs:
                pl.viewport = pl.track(*locs[0])

    def leave(self) -> None:
        """Back to following the active area; selection, matches and status go."""
        self.active = False
        self.select_from = None
        self.matches = []
        self.current_match = None
        self.status = ""
        self.pagelist.scroll_to_active()

    def follow_screen(self) -> bool:
        """Leave copy mode if the program switched screens (alternate screen on or off) since it was entered, so
        the view never stays pinned to a screen that is not shown. True if it left."""
        if self.active and self.terminal.pagelist is not self.pagelist:
            self.leave()
            return True
        return False

    # ------------------------------------------------------------------ viewport

    def viewport_top(self) -> int:
        """Absolute row at the top of the view."""
        self.terminal.line(0)
        return self.terminal.pagelist.viewport_top()

    def visible_rows(self, height: int) -> list[tuple[Page, int] | None]:
        """Where each of `height` rows from the top of the view lives; None past the end."""
        self.terminal.line(0)     # flush pending writes
        pl = self.terminal.pagelist
        rows: list[tuple[Page, int] | None] = list(pl.row_locations(pl.viewport_top(), max(0, height)))
        rows.extend([None] * (height - len(rows)))
        return rows

    def scroll(self, delta: int) -> None:
        """Scroll the view by delta rows (negative = into history), staying anchored."""
        pl = self.terminal.pagelist
        self._anchor()
        top = pl.viewport_top()
        target = max(0, min(pl.history_rows(), top + delta))
        pl.scroll_viewport(target - top)
        self._anchor()
        # Moving the view may prune history it kept over the limit: the rows below shift up, stay inside.
        last = pl.total_rows - 1
        self.copy_row = min(self.copy_row, last)
        if self.select_from is not None and self.select_from[0] > last:
            self.select_from = (last, self.select_from[1])

    def move_cursor(self, row: int, col: int, height: int) -> None:
        """Move the copy cursor (clamped), scrolling just enough to keep it in view."""
        pl = self.terminal.pagelist
        self.copy_row = max(0, min(pl.total_rows - 1, row))
        self.copy_col = max(0, min(self.terminal.columns - 1, col))
        top = pl.viewport_top()
        height = _height(height, self.terminal)
        if self.copy_row < top:
            self.scroll(self.copy_row - top)
        elif self.copy_row >= top + height:
            self.scroll(self.copy_row - (top + height - 1))

    def half_page(self, direction: int, height: int) -> None:
        """ctrl+u / ctrl+d (tmux's halfpage-up / -down): the view and the cursor move half a page together (the
        cursor keeps its place in the view unless the view is at the top or bottom of the history already)."""
        delta = direction * max(1, _height(height, self.terminal) // 2)
        self.scroll(delta)
        self.move_cursor(self.copy_row + delta, self.copy_col, height)

    # ------------------------------------------------------------------ keys

    def key(self, key: str, height: int) -> CopyAction:
        """Act on a key (Textual key names). Only meaningful while active; otherwise nothing happens."""
        if not self.active:
            return CopyAction(NONE)
        height = max(1, height)
        moves = {
            "up": (-1, 0), "k": (-1, 0), "down": (1, 0), "j": (1, 0), "left": (0, -1), "h": (0, -1),
            "right": (0, 1), "l": (0, 1), "pageup": (-height, 0), "ctrl+b": (-height, 0),
            "pagedown": (height, 0), "ctrl+f": (height, 0),
        }
        pl = self.terminal.pagelist
        if key in moves:
            dr, dc = moves[key]
            self.move_cursor(self.copy_row + dr, self.copy_col + dc, height)
        elif key in ("ctrl+u", "ctrl+d"):
            self.half_page(-1 if key == "ctrl+u" else 1, height)
        elif key in ("g", "home"):
            self.move_cursor(0, 0, height)
        elif key in ("G", "end", "shift+g"):
            self.move_cursor(pl.total_rows - 1, 0, height)
        elif key == "0":
            self.move_cursor(self.copy_row, 0, height)
        elif key in ("dollar_sign", "$"):
            self.move_cursor(self.copy_row, self.terminal.columns - 1, height)
        elif key in ("v", "space"):
            self.select_from = None if self.select_from else (self.copy_row, self.copy_col)
        elif key in ("y", "enter"):
            text = self._copy_selection()
            self.leave()
            return CopyAction(COPY, text)
        elif key in ("slash", "/", "question_mark", "?"):
            return CopyAction(PROMPT_SEARCH, backward=key in ("question_mark", "?"))
        elif key in ("left_square_bracket", "["):
            self.jump_to_prompt(backward=True, height=height)
        elif key in ("right_square_bracket", "]"):
            self.jump_to_prompt(backward=False, height=height)
        elif key == "o":
            self.select_command_output(height)
        elif key == "w":
            self.word_motion(backward=False, height=height)
        elif key == "b":
            self.word_motion(backward=True, height=height)
        elif key == "n":
            self.search_next(self.search_backward, height)
        elif key in ("N", "shift+n"):
            self.search_next(not self.search_backward, height)
        elif key in ("q", "escape"):
            self.leave()
            return CopyAction(LEAVE)
        return CopyAction(NONE)

    # ------------------------------------------------------------------ prompts (OSC 133) and words

    def _marks(self, start: int, stop: int) -> list[int]:
        """The OSC 133 mark of each row in [start, stop) (cold pages read through the scratch page)."""
        return [(page.rflags[r] & ROW_PROMPT) >> ROW_PROMPT_SHIFT
                for page, r in self.terminal.pagelist.scan(start, max(0, stop - start))]

    def _chunks(self, start: int, stop: int, backward: bool) -> Iterator[tuple[int, int]]:
        """[lo, hi) chunks of SEARCH_CHUNK rows covering [start, stop), nearest `start` (or `stop`) first."""
        if backward:
            for hi in range(stop, start, -SEARCH_CHUNK):
                yield max(start, hi - SEARCH_CHUNK), hi
        else:
            for lo in range(start, stop, SEARCH_CHUNK):
                yield lo, min(stop, lo + SEARCH_CHUNK)

    def prompt_starts(self, start: int, stop: int, backward: bool = False) -> Iterator[int]:
        """Rows in [start, stop) where a prompt starts, nearest first (from `stop` down when `backward`)."""
        for lo, hi in self._chunks(start, stop, backward):
            first = max(0, lo - 1)          # the row before decides whether a B row starts a prompt
            marks = self._marks(first, hi)
            found = [first + k for k in range(lo - first, len(marks))
                     if marks[k] == PROMPT_MARKS["A"]
                     or marks[k] in PROMPT_ROW and (k == 0 or marks[k - 1] not in PROMPT_ROW)]
            yield from reversed(found) if backward else found

    def jump_to_prompt(self, backward: bool, height: int) -> None:
        """`[` / `]`: the copy cursor to the start of the previous / next prompt, that row at the top of the view
        (as far as the history goes), so the command and its output read downwards."""
        self.terminal.line(0)
        total = self.terminal.pagelist.total_rows
        if backward:
            row = next(self.prompt_starts(0, self.copy_row, backward=True), None)
        else:
            row = next(self.prompt_starts(self.copy_row + 1, total), None)
        if row is None:
            self.status = f"no {'previous' if backward else 'next'} prompt (the shell marks prompts with OSC 133)"
            return
        self.move_cursor(row, 0, height)
        self.scroll(row - self.viewport_top())
        self.status = STATUS_ACTIVE

    def select_command_output(self, height: int) -> None:
        """`o`: select the output of the command at the copy cursor (or of the command typed at the prompt the
        cursor is on): from its C mark to the row before the next prompt, trailing blank rows left out."""
        self.terminal.line(0)
        total = self.terminal.pagelist.total_rows
        prompt = next(self.prompt_starts(0, self.copy_row + 1, backward=True), 0)
        following = next(self.prompt_starts(self.copy_row + 1, total), total)
        begin = None
        for lo, hi in self._chunks(prompt, following, backward=False):
            marks = self._marks(lo, hi)
            if OUTPUT_MARK in marks:
                begin = lo + marks.index(OUTPUT_MARK)
                break
        end = following - 1
        if begin is not None:
            first = max(begin, end - SEARCH_CHUNK + 1)
            texts = self.terminal.pagelist.row_texts(first, end - first + 1)
            while end >= begin and texts and not texts.pop().strip():
                end -= 1
        if begin is None or end < begin:
            self.status = "no command output here (the shell marks it with OSC 133 C)"
            return
        self.select_from = (begin, 0)
        self.move_cursor(end, self.terminal.columns - 1, height)
        self.status = f"output: {end - begin + 1} rows (y copies)"

    def _row_cells(self, row: int) -> tuple[list[str], bool]:
        """A row's cell texts ('' for a spacer tail) and whether it continues on the next row (soft wrap)."""
        for page, r in self.terminal.pagelist.scan(row, 1):
            return row_cells(page, r)[0], bool(page.rflags[r] & ROW_WRAP)
        return [], False

    def _word_starts(self, row: int) -> list[int]:
        """The columns where a word starts on `row`: a non-blank cell after a blank one, or in column 0 unless the
        row above wraps into this one in the middle of a word (spacer tails of wide characters are not starts)."""
        cells, _ = self._row_cells(row)
        above, wraps = self._row_cells(row - 1) if row > 0 else ([], False)
        carried = wraps and bool(above) and above[-1] != " "
        return [i for i, c in enumerate(cells)
                if c not in (" ", "") and (cells[i - 1] == " " if i else not carried)]

    def word_motion(self, backward: bool, height: int) -> None:
        """`w` / `b`: the copy cursor to the start of the next / previous word (a run of non-blank cells, as vim's
        WORD), across rows; a word continued from a soft-wrapped row does not start again on the next row. Looks
        at most SEARCH_CHUNK rows away, then goes to the start (`b`) or the end (`w`) of the history."""
        self.terminal.line(0)
        total = self.terminal.pagelist.total_rows
        row, col = self.copy_row, self.copy_col
        if backward:
            rows = range(row, max(-1, row - 1 - SEARCH_CHUNK), -1)
        else:
            rows = range(row, min(total, row + 1 + SEARCH_CHUNK))
        for r in rows:
            starts = self._word_starts(r)
            if r == row:
                starts = [i for i in starts if (i < col if backward else i > col)]
            if starts:
                self.move_cursor(r, starts[-1] if backward else starts[0], height)
                return
        if backward:
            self.move_cursor(0, 0, height)
        else:
            self.move_cursor(total - 1, self.terminal.columns - 1, height)

    # ------------------------------------------------------------------ mouse

    def drag(self, from_xy: tuple[int, int], to_xy: tuple[int, int], height: int) -> None:
        """A mouse drag with button 1 from `from_xy` (where it was pressed) to `to_xy`, viewport coordinates. The
        first drag enters copy mode and starts the selection at `from_xy`; every drag moves the copy cursor."""
        if not self.active:
            self.enter()
            fx, fy = from_xy
            self.select_from = (self.viewport_top() + fy, fx)
        x, y = to_xy
        row = self.viewport_top() + max(0, min(_height(height, self.terminal) - 1, y))
        self.copy_row = min(row, self.terminal.pagelist.total_rows - 1)   # a height above the screen's: no row there
        self.copy_col = max(0, min(self.terminal.columns - 1, x))

    def end_drag(self) -> CopyAction:
        """The mouse button went up: copy the selection if there is one. Copy mode stays on."""
        if self.active and self.select_from is not None:
            return CopyAction(COPY, self._copy_selection())
        return CopyAction(NONE)

    def wheel(self, delta: int, height: int) -> None:
        """The wheel: up (delta < 0) enters copy mode if needed and scrolls into history; down scrolls back and
        leaves copy mode once the view is at the bottom again, unless something is selected."""
        if delta < 0:
            if not self.active:
                self.enter()
            self.scroll(delta)
        elif delta > 0 and self.active:
            self.scroll(delta)
            pl = self.terminal.pagelist
            if pl.viewport_top() >= pl.history_rows() and self.select_from is None:
                self.leave()

    # ------------------------------------------------------------------ selection and copy

    def selection_span(self, row: int, cols: int) -> tuple[int, int] | None:
        """The selected cells [start, end) of absolute row `row` (a row `cols` wide), or None."""
        if self.select_from is None:
            return None
        a = self.select_from
        b = (self.copy_row, self.copy_col)
        (r0, c0), (r1, c1) = min(a, b), max(a, b)
        if not r0 <= row <= r1:
            return None
        start = c0 if row == r0 else 0
        end = c1 + 1 if row == r1 else cols
        return start, end

    def selected_text(self) -> str:
        """The selection as text: soft-wrapped rows join without a newline, hard lines end in one (trailing blanks
        of a hard line dropped)."""
        if self.select_from is None:
            return ""
        a, b = self.select_from, (self.copy_row, self.copy_col)
        (r0, _), (r1, _) = min(a, b), max(a, b)
        self.terminal.line(0)
        pl = self.terminal.pagelist
        out: list[str] = []
        for k, (page, r) in enumerate(pl.scan(r0, r1 - r0 + 1)):
            span = self.selection_span(r0 + k, page.cols)
            if span is None:
                continue
            cells, _ = row_cells(page, r)
            text = "".join(cells[span[0]:span[1]])
            if page.rflags[r] & ROW_WRAP and r0 + k < r1:
                out.append(text)
            else:
                out.append(text.rstrip() + ("\n" if r0 + k < r1 else ""))
        return "".join(out)

    def _copy_selection(self) -> str:
        """The selected text (for the caller's clipboard); the selection ends."""
        text = self.selected_text()
        if text:
            self.status = f"copied {len(text)} characters"
        self.select_from = None
        return text

    # ------------------------------------------------------------------ decorations

    def row_spans(self, row: int, cols: int) -> list[tuple[int, int, str]]:
        """What to highlight on absolute row `row` (a row `cols` wide): (start, end, kind) in drawing order, later
        spans over earlier ones; kind is "match", "current-match", "selection" or "cursor"."""
        if not self.active:
            return []
        spans: list[tuple[int, int, str]] = []
        for match in self.matches:
            if match.row == row:
                spans.append((match.start, match.end, "current-match" if match is self.current_match else "match"))
        selection = self.selection_span(row, cols)
        if selection is not None:
            spans.append((selection[0], selection[1], "selection"))
        if row == self.copy_row:
            spans.append((self.copy_col, self.copy_col + 1, "cursor"))
        out = []
        for start, end, kind in spans:
            start, end = max(0, start), min(cols, end)
            if end > start:
                out.append((start, end, kind))
        return out

    # ------------------------------------------------------------------ search

    def search(self, text: str, backward: bool, height: int) -> None:
        """Search for `text` from the copy cursor ("/" forward, "?" backward); `n` and `N` repeat it."""
        self.search_text = text
        self.search_backward = backward
        self.search_next(backward, height)

    def search_next(self, backward: bool, height: int) -> None:
        """Find the next match from the copy cursor (wrapping around), move to it, note the visible matches."""
        text = self.search_text
        if not text:
            return
        self.terminal.line(0)
        pl = self.terminal.pagelist
        total = pl.total_rows
        start_row, start_col = self.copy_row, self.copy_col
        found: Match | None = None
        for step, (i, line) in enumerate(self._walk_rows(start_row, total + 1, backward)):
            if not backward:
                col = line.find(text, start_col + 1 if step == 0 else 0)
            else:
                col = line.rfind(text, 0, start_col if step == 0 else len(line))
            if col >= 0:
                found = Match(i, col, col + len(text))
                break
        if found is None:
            self.status = f"not found: {text}"
            self.matches = []
            self.current_match = None
            return
        self.current_match = found
        self.move_cursor(found.row, found.start, height)
        top = pl.viewport_top()
        self.matches = []
        for k, (page, r) in enumerate(pl.row_locations(top, _height(height, self.terminal))):
            line = page.row_text(r)
            col = line.find(text)
            while col >= 0:
                match = Match(top + k, col, col + len(text))
                if match.row == found.row and match.start == found.start:
                    match = found
                self.matches.append(match)
                col = line.find(text, col + 1)
        self.status = f"/{text}" if not backward else f"?{text}"

    def _walk_rows(self, start: int, steps: int, backward: bool) -> Iterator[tuple[int, str]]:
        """(absolute row, text) of `steps` rows from `start`, one way round the history with wrap-around, holding
        at most SEARCH_CHUNK row texts at a time."""
        pl = self.terminal.pagelist
        total = pl.total_rows
        chunk_start, chunk = 0, []
        for step in range(steps):
            i = (start + (-step if backward else step)) % total
            if not chunk_start <= i < chunk_start + len(chunk):
                chunk_start = max(0, i - SEARCH_CHUNK + 1) if backward else i
                chunk = pl.row_texts(chunk_start, SEARCH_CHUNK)
            yield i, chunk[i - chunk_start]


def _height(height: int, terminal: Terminal) -> int:
    """The rows the pane shows: the caller's height, or the screen's when the caller has none yet."""
    return height if height > 0 else terminal.lines
