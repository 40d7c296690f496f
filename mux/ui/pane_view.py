"""PaneView: the Textual widget showing one Pane, and its scrollback mode.

Owns: drawing the pane's rows (Line API, through the RowCache so unchanged rows cost nothing), the cursor in its
DECSCUSR shape, input routing for the focused pane (keys, paste, mouse, focus reports go to the child through
mux.ui.keys; the prefix key and scrollback-mode keys go to the app), and scrollback mode: a viewport over the
PageList's history (no copy of it), search with highlighted matches, selection and copy.

Invariants:
- Nothing is read from the page memory here except through Screen.line() / PageList.row_locations(), which flush
  pending batched writes first.
- In scrollback mode the view is anchored by a PageList pin, so new output and pruning never make it jump to a
  released page; leaving the mode follows the active area again.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from mux.session.pane import Pane
from mux.terminal.page import ROW_WRAP, Page
from mux.terminal.screen import DECSCNM
from mux.ui.keys import encode_focus, encode_key, encode_mouse, encode_paste
from mux.ui.render import Palette, RowCache, row_cells

_MOUSE_BUTTONS = {1: 1, 2: 2, 3: 3}
RESIZE_COALESCE_S = 0.05


@dataclass
class Match:
    row: int        # absolute row (0 = oldest history row)
    start: int
    end: int


class PaneView(Widget, can_focus=True):
    """One pane on screen."""

    DEFAULT_CSS = """
    PaneView { width: 1fr; height: 1fr; }
    """

    class Activated(Message):
        """The user clicked into this pane (the app moves focus here)."""

        def __init__(self, view: PaneView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, pane: Pane, palette: Palette, *, mouse: bool = True, cursor_color: int = 0xE5E5E5,
                 selection: tuple[int, int] = (0x44475A, 0xF8F8F2)) -> None:
        super().__init__()
        self.pane = pane
        self.palette = palette
        self.mouse_enabled = mouse
        self.cache = RowCache()
        self.cursor_style = RichStyle(reverse=True)
        self.cursor_color = cursor_color
        sel_bg, sel_fg = selection
        self._selection_style = RichStyle(bgcolor=f"#{sel_bg:06x}", color=f"#{sel_fg:06x}")
        self.match_style = RichStyle(bgcolor="#b58900", color="#000000")
        self.current_match_style = RichStyle(bgcolor="#cb4b16", color="#000000", bold=True)
        # scrollback mode
        self.scrollback = False
        self.copy_row = 0           # absolute row of the copy cursor
        self.copy_col = 0
        self.select_from: tuple[int, int] | None = None
        self.search_text = ""
        self.search_backward = False
        self.matches: list[Match] = []
        self.current_match: Match | None = None
        self.status_message = ""
        self._drag_from: tuple[int, int] | None = None
        self._pending_size: tuple[int, int] | None = None
        self._resize_timer = None

    # ------------------------------------------------------------------ geometry

    @property
    def screen_rows(self) -> int:
        return self.pane.screen.lines

    def on_resize(self, event: events.Resize) -> None:
        """Resizes are coalesced: a drag or a terminal resize sends many sizes, and each one reflows the pane's
        whole scrollback, so only the latest size is applied, at most once per RESIZE_COALESCE_S."""
        self._pending_size = (max(1, event.size.width), max(1, event.size.height))
        if self._resize_timer is None:
            self._resize_timer = self.set_timer(RESIZE_COALESCE_S, self._apply_size)

    def _apply_size(self) -> None:
        self._resize_timer = None
        if self._pending_size is None:
            return
        cols, rows = self._pending_size
        self._pending_size = None
        self.pane.resize(cols, rows)
        self.cache.clear()
        self.refresh()

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    # ------------------------------------------------------------------ rendering

    def _viewport_top(self) -> int:
        pl = self.pane.screen.pagelist
        return pl.viewport_top()

    def _location(self, y: int) -> tuple[Page, int] | None:
        screen = self.pane.screen
        if self.scrollback:
            pl = screen.pagelist
            screen.line(0)      # flush pending writes
            locs = pl.row_locations(pl.viewport_top() + y, 1)
            return locs[0] if locs else None
        if y >= screen.lines:
            return None
        return screen.line(y)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        screen = self.pane.screen
        loc = self._location(y)
        if loc is None:
            return Strip.blank(width, self.palette.blank())
        page, r = loc
        strip = self.cache.strip(page, r, self.palette, DECSCNM in screen.private_modes)
        if self.scrollback:
            strip = self._decorate_scrollback(strip, self._viewport_top() + y, page, r)
        elif y == screen.y and screen.cursor_visible and self.has_focus:
            strip = self._draw_cursor(strip, screen.x, screen.cursor_style)
        if strip.cell_length != width:
            strip = strip.adjust_cell_length(width, self.palette.blank())
        return strip

    def _draw_cursor(self, strip: Strip, x: int, shape: int) -> Strip:
        """Block (0-2) as reverse video, underline (3-4) as underline, bar (5-6) as a left bar in an empty
        cell or an underline on a character."""
        if x >= strip.cell_length:
            return strip
        left, cell, right = strip.divide([x, x + 1, strip.cell_length])
        segments = list(cell)
        if not segments:
            return strip
        text = "".join(s.text for s in segments) or " "
        style = segments[0].style or RichStyle()
        cursor_rgb = f"#{self.cursor_color:06x}"
        if shape in (3, 4):
            new = Segment(text, style + RichStyle(underline=True, color=cursor_rgb))
        elif shape in (5, 6):
            new = Segment("▏", style + RichStyle(color=cursor_rgb)) if text == " " else \
                Segment(text, style + RichStyle(underline=True))
        else:
            new = Segment(text, style + RichStyle(reverse=True))
        return Strip.join([left, Strip([new], cell.cell_length), right])

    def _decorate_scrollback(self, strip: Strip, row: int, page: Page, r: int) -> Strip:
        spans: list[tuple[int, int, RichStyle]] = []
        for match in self.matches:
            if match.row == row:
                style = self.current_match_style if match is self.current_match else self.match_style
                spans.append((match.start, match.end, style))
        selection = self._selection_span(row, page.cols)
        if selection is not None:
            spans.append((selection[0], selection[1], self._selection_style))
        if row == self.copy_row:
            spans.append((self.copy_col, self.copy_col + 1, RichStyle(reverse=True)))
        for start, end, style in spans:
            start, end = max(0, start), min(strip.cell_length, end)
            if end <= start:
                continue
            left, mid, right = strip.divide([start, end, strip.cell_length])
            strip = Strip.join([left, mid.apply_style(style), right])
        return strip

    # ------------------------------------------------------------------ input

    def _write(self, data: bytes) -> None:
        """Input for the child, through the app so that pending input gets an event-loop writer."""
        write_to_pane = getattr(self.app, "write_to_pane", None)
        if write_to_pane is not None:
            write_to_pane(self.pane, data)
        else:
            self.pane.write(data)

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        # The prefix machinery runs synchronously: a posted message would race with the next keystroke.
        intercept = getattr(self.app, "intercept_key", None)
        if intercept is not None and intercept(self, event.key, event.character):
            return
        if self.scrollback:
            self._scrollback_key(event)
            return
        screen = self.pane.screen
        data = encode_key(event.key, event.character, cursor_keys_application=1 in screen.private_modes,
                          keypad_application=screen.keypad_application)
        if data:
            self._write(data)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        if self.scrollback:
            return
        self._write(encode_paste(event.text, bracketed=2004 in self.pane.screen.private_modes))

    def on_focus(self, event: events.Focus) -> None:
        if 1004 in self.pane.screen.private_modes:
            self._write(encode_focus(True))
        self.refresh()

    def on_blur(self, event: events.Blur) -> None:
        if 1004 in self.pane.screen.private_modes:
            self._write(encode_focus(False))
        self.refresh()

    def _child_mouse(self) -> bool:
        return self.mouse_enabled and not self.scrollback and self.pane.screen.mouse_tracking is not None

    def _send_mouse(self, action: str, event: events.MouseEvent) -> bool:
        if not self._child_mouse():
            return False
        screen = self.pane.screen
        data = encode_mouse(action, _MOUSE_BUTTONS.get(event.button, 0), event.x, event.y, shift=event.shift,
                            meta=event.meta, ctrl=event.ctrl, tracking=screen.mouse_tracking,
                            encoding=screen.mouse_encoding)
        if data:
            self._write(data)
        return True

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.post_message(self.Activated(self))
        if event.ctrl and event.button == 1 and self.open_link_at(event.x, event.y):
            return      # ctrl+click opens a link: the explicit action, never sent to the child
        if self._send_mouse("press", event):
            return
        if self.mouse_enabled and event.button == 1:
            self._drag_from = (event.x, event.y)
            self.capture_mouse()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._send_mouse("release", event):
            return
        if self._drag_from is not None:
            self.release_mouse()
            if self.scrollback and self.select_from is not None:
                self.copy_selection()
            self._drag_from = None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._child_mouse():
            if event.button or self.pane.screen.mouse_tracking == 1003:
                self._send_mouse("move", event)
            return
        if self._drag_from is not None and event.button == 1:
            if not self.scrollback:
                self.enter_scrollback()
                fx, fy = self._drag_from
                self.select_from = (self._viewport_top() + fy, fx)
            self.copy_row = self._viewport_top() + max(0, min(self.size.height - 1, event.y))
            self.copy_col = max(0, min(self.pane.screen.columns - 1, event.x))
            self.refresh()

    def _alternate_scroll(self, key: str) -> bool:
        """In a full-screen program that did not ask for the mouse (less, man), the wheel sends arrow keys, as
        xterm's alternate-scroll mode does."""
        screen = self.pane.screen
        if not self.mouse_enabled or self.scrollback or not screen.in_alternate:
            return False
        data = encode_key(key, None, cursor_keys_application=1 in screen.private_modes)
        if data:
            self._write(data * 3)
        return True

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self._send_mouse("scroll_up", event):
            return
        event.stop()
        if self._alternate_scroll("up"):
            return
        if self.mouse_enabled:
            if not self.scrollback:
                self.enter_scrollback()
            self.scroll_rows(-3)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        if self._send_mouse("scroll_down", event):
            return
        event.stop()
        if self._alternate_scroll("down"):
            return
        if self.scrollback:
            self.scroll_rows(3)
            if self.pane.screen.pagelist.viewport is None and self.select_from is None:
                self.leave_scrollback()

    def link_at(self, x: int, y: int) -> str | None:
        """The URI of the OSC 8 link drawn at (x, y), or None."""
        loc = self._location(y)
        if loc is None or not 0 <= x < self.pane.screen.columns:
            return None
        page, r = loc
        index = page.hyperlink_at(r, x)
        return None if index is None else page.hyperlink(index)[1]

    def open_link_at(self, x: int, y: int) -> bool:
        """Open the link at (x, y) if there is one with an allowed scheme (http, https, file). A child can put any
        URI in a link; only these are ever handed to the browser, and only on this explicit user action."""
        uri = self.link_at(x, y)
        if uri is None:
            return False
        if not is_openable_uri(uri):
            self.status_message = "not opening a link with that scheme"
            return True
        self.app.open_url(uri)
        return True

    # ------------------------------------------------------------------ scrollback mode

    def enter_scrollback(self) -> None:
        if self.scrollback:
            return
        pl = self.pane.screen.pagelist
        self.scrollback = True
        self.copy_row = pl.history_rows() + self.pane.screen.y
        self.copy_col = self.pane.screen.x
        self._anchor()      # new output no longer moves the view
        self.refresh()

    def _anchor(self) -> None:
        """Pin the viewport to content (a PageList pin), unless it already is."""
        pl = self.pane.screen.pagelist
        if pl.viewport is None:
            top = pl.history_rows()
            locs = pl.row_locations(top, 1)
            if locs:
                pl.viewport = pl.track(*locs[0])

    def leave_scrollback(self) -> None:
        self.scrollback = False
        self.select_from = None
        self.matches = []
        self.current_match = None
        self.status_message = ""
        self.pane.screen.pagelist.scroll_to_active()
        self.cache.clear()
        self.refresh()

    def scroll_rows(self, delta: int) -> None:
        pl = self.pane.screen.pagelist
        self._anchor()
        top = pl.viewport_top()
        target = max(0, min(pl.history_rows(), top + delta))
        pl.scroll_viewport(target - top)
        self._anchor()
        self.refresh()

    def _move_copy_cursor(self, row: int, col: int) -> None:
        pl = self.pane.screen.pagelist
        self.copy_row = max(0, min(pl.total_rows - 1, row))
        self.copy_col = max(0, min(self.pane.screen.columns - 1, col))
        top = pl.viewport_top()
        height = self.size.height or self.pane.screen.lines
        if self.copy_row < top:
            self.scroll_rows(self.copy_row - top)
        elif self.copy_row >= top + height:
            self.scroll_rows(self.copy_row - (top + height - 1))
        self.refresh()

    def _scrollback_key(self, event: events.Key) -> None:
        key = event.key
        height = max(1, self.size.height)
        moves = {
            "up": (-1, 0), "k": (-1, 0), "down": (1, 0), "j": (1, 0), "left": (0, -1), "h": (0, -1),
            "right": (0, 1), "l": (0, 1), "pageup": (-height, 0), "ctrl+b": (-height, 0),
            "pagedown": (height, 0), "ctrl+f": (height, 0), "ctrl+u": (-(height // 2), 0),
            "ctrl+d": (height // 2, 0),
        }
        if key in moves:
            dr, dc = moves[key]
            self._move_copy_cursor(self.copy_row + dr, self.copy_col + dc)
        elif key in ("g", "home"):
            self._move_copy_cursor(0, 0)
        elif key in ("G", "end", "shift+g"):
            self._move_copy_cursor(self.pane.screen.pagelist.total_rows - 1, 0)
        elif key == "0":
            self._move_copy_cursor(self.copy_row, 0)
        elif key in ("dollar_sign", "$"):
            self._move_copy_cursor(self.copy_row, self.pane.screen.columns - 1)
        elif key in ("v", "space"):
            self.select_from = None if self.select_from else (self.copy_row, self.copy_col)
            self.refresh()
        elif key in ("y", "enter"):
            self.copy_selection()
            self.leave_scrollback()
        elif key in ("slash", "/", "question_mark", "?"):
            self.app.post_message(SearchRequest(self, backward=key in ("question_mark", "?")))
        elif key == "n":
            self.search_next(self.search_backward)
        elif key in ("N", "shift+n"):
            self.search_next(not self.search_backward)
        elif key in ("q", "escape"):
            self.leave_scrollback()

    # ------------------------------------------------------------------ selection and copy

    def _selection_span(self, row: int, cols: int) -> tuple[int, int] | None:
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
        if self.select_from is None:
            return ""
        a, b = self.select_from, (self.copy_row, self.copy_col)
        (r0, _), (r1, _) = min(a, b), max(a, b)
        pl = self.pane.screen.pagelist
        self.pane.screen.line(0)
        out: list[str] = []
        for k, (page, r) in enumerate(pl.row_locations(r0, r1 - r0 + 1)):
            span = self._selection_span(r0 + k, page.cols)
            if span is None:
                continue
            text = _cells_text(page, r, *span)
            if page.rflags[r] & ROW_WRAP and r0 + k < r1:
                out.append(text)
            else:
                out.append(text.rstrip() + ("\n" if r0 + k < r1 else ""))
        return "".join(out)

    def copy_selection(self) -> None:
        text = self.selected_text()
        if text:
            self.app.copy_to_clipboard(text)
            self.status_message = f"copied {len(text)} characters"
        self.select_from = None
        self.refresh()

    # ------------------------------------------------------------------ search

    def search(self, text: str, backward: bool) -> None:
        self.search_text = text
        self.search_backward = backward
        self.search_next(backward)

    def search_next(self, backward: bool) -> None:
        """Find the next match from the copy cursor (wrapping around), move to it, highlight visible matches."""
        text = self.search_text
        if not text:
            return
        pl = self.pane.screen.pagelist
        self.pane.screen.line(0)
        total = pl.total_rows
        locs = pl.row_locations(0, total)
        texts = {}

        def row_text(i: int) -> str:
            if i not in texts:
                page, r = locs[i]
                texts[i] = page.row_text(r)
            return texts[i]

        start_row, start_col = self.copy_row, self.copy_col
        found: Match | None = None
        for step in range(total + 1):
            i = (start_row + (step if not backward else -step)) % total
            line = row_text(i)
            if not backward:
                col = line.find(text, start_col + 1 if step == 0 else 0)
            else:
                col = line.rfind(text, 0, start_col if step == 0 else len(line))
            if col >= 0:
                found = Match(i, col, col + len(text))
                break
        if found is None:
            self.status_message = f"not found: {text}"
            self.matches = []
            self.current_match = None
            self.refresh()
            return
        self.current_match = found
        self._move_copy_cursor(found.row, found.start)
        top = pl.viewport_top()
        height = self.size.height or self.pane.screen.lines
        self.matches = []
        for i in range(top, min(total, top + height)):
            line = row_text(i)
            col = line.find(text)
            while col >= 0:
                match = Match(i, col, col + len(text))
                if match.row == found.row and match.start == found.start:
                    match = found
                self.matches.append(match)
                col = line.find(text, col + 1)
        self.status_message = f"/{text}" if not backward else f"?{text}"
        self.refresh()


OPENABLE_SCHEMES = frozenset({"http", "https", "file"})


def is_openable_uri(uri: str) -> bool:
    """Only http(s) and file links may be opened; no control characters, no other schemes."""
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in uri):     # C0, DEL and C1 (such as U+009B, CSI)
        return False
    scheme, sep, _ = uri.partition(":")
    return bool(sep) and scheme.lower() in OPENABLE_SCHEMES


class SearchRequest(Message):
    """Scrollback mode asks the app for a search string."""

    def __init__(self, view: PaneView, backward: bool) -> None:
        super().__init__()
        self.view = view
        self.backward = backward


def _cells_text(page: Page, r: int, start: int, end: int) -> str:
    cells, _ = row_cells(page, r)
    return "".join(cells[start:end])
