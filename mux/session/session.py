"""Sessions and windows: the UI-free model of what a mux server holds (Session -> Window -> Layout -> Pane).

Owns: a session's windows in index order and which one is current; each window's layout tree, its panes and the
active pane; the session's window area (the size every window is laid out in, set by the server from its
clients); naming (sessions by the user or the next free number, windows after their active pane's title unless
the user renamed them); each window's alert flags (tmux's window flags: ACTIVITY `#`, BELL `!`, SILENCE `~`, set by
the server through `alert`); the operations a user asks for: new window, split, close, focus, resize, zoom,
drag, select, rename, and tmux's layout presets and pane moves (next-layout / select-layout, swap-pane,
break-pane, next-pane, last-pane); and the pane border titles (tmux's `pane-border-status top`, on with the
session option `border_titles`): each shown pane's title line says its number (its position in
`layout.panes()`, tmux's pane index) and its title (OSC 0/2, else its foreground command), sanitised and bounded.

Panes are made and released through the two callables given at construction (`spawn(argv, cols, rows)` and
`release(pane)`), so the server can hook PTY reading in and out; the model never reads a PTY itself.

Invariants (`check()` asserts them; the tests call it after every step):
- Every window has at least one pane; a window's panes are exactly its layout's panes; its active pane is one of
  them. The current window is one of the session's windows; window indices are unique.
- A window's `last_active` (tmux's last pane, what `last_pane` returns to) is None or another of its panes.
- A pane's number (tmux's pane index) is its position in `window.layout.panes()`; moves keep that rule.
- The current window has no alert flags: `alert` never sets one on it, and selecting a window clears its flags.
- After `apply_sizes()` every visible pane's screen has its `geometry()` rect's size (cols, rows).
- With border titles on, a pane whose layout rect starts at the window's top row gives that row to its title
  line (its screen starts one row lower), unless the rect has only one row: then, as in tmux, the pane keeps
  it and has no title line. Every other pane's title line is the separator row right above it (as in tmux), so
  titles never cost those panes a row. Title lines and screens never overlap.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mux.session.layout import HORIZONTAL, LAYOUTS, VERTICAL, Layout, LayoutError, Rect
from mux.session.pane import Pane

RESIZE_STEP = 2
MAX_WINDOWS = 1000
DIRECTIONS = ("left", "right", "up", "down")
# Window alert flags as tmux shows them after a window's name, in tmux's order.
ACTIVITY, BELL, SILENCE = "#", "!", "~"
ALERT_FLAGS = (ACTIVITY, BELL, SILENCE)

MAX_BORDER_TITLE = 200      # characters of a title on a border (a pane is rarely wider; the client cuts to width)


def border_title(title: str, limit: int = MAX_BORDER_TITLE) -> str:
    """A title a program set, fit for a border: printable characters only (controls, and bidi or other format
    characters that could reorder what follows, are dropped), whitespace runs as one space, at most `limit`
    characters."""
    text = "".join(" " if c.isspace() else c for c in title[:limit * 4] if c.isprintable() or c.isspace())
    return " ".join(text.split())[:limit]


@dataclass(frozen=True, slots=True)
class TitleLine:
    """One pane's title line: `width` cells from (x, y) in the window area, reading `text` ("0: vim")."""

    pane: int
    x: int
    y: int
    width: int
    text: str


@dataclass
class Window:
    index: int
    layout: Layout
    panes: dict[int, Pane] = field(default_factory=dict)
    active: int | None = None
    name: str = ""
    named_by_user: bool = False
    last_active: int | None = None
    alerts: set[str] = field(default_factory=set)       # ALERT_FLAGS set since the window was last current

    def flags(self) -> str:
        """The alert flags in tmux's order: '#!~', '!', ''."""
        return "".join(flag for flag in ALERT_FLAGS if flag in self.alerts)

    @property
    def active_pane(self) -> Pane | None:
        return self.panes.get(self.active) if self.active is not None else None

    def set_active(self, pane_id: int) -> None:
        """Make `pane_id` the active pane, remembering the one it replaces as `last_active`."""
        if pane_id != self.active:
            self.last_active, self.active = self.active, pane_id

    def pane_numbers(self) -> dict[int, int]:
        """Pane id -> its number (tmux's pane index): its position in the layout's pane order."""
        return {pane_id: number for number, pane_id in enumerate(self.layout.panes())}

    def display_name(self) -> str:
        """The user's name, else the active pane's title (OSC 0/2, else its foreground command)."""
        if self.named_by_user or self.active_pane is None:
            return self.name
        return self.active_pane.title[:24]


class Session:
    def __init__(self, name: str, spawn: Callable[[list[str] | None, int, int], Pane],
                 release: Callable[[Pane], None], size: tuple[int, int] = (80, 24),
                 command: list[str] | None = None, options: dict[str, Any] | None = None) -> None:
        self.name = name
        self.options = options if options is not None else {}    # how new panes are made (shell, limits, ...)
        self.created = time.time()
        self.spawn = spawn
        self.release = release
        self.command = command          # what new panes run (None: the shell)
        self.size = (max(1, size[0]), max(1, size[1]))
        self.windows: list[Window] = []
        self.current: Window | None = None

    # ------------------------------------------------------------------ looking things up

    def panes(self) -> Iterator[Pane]:
        for window in self.windows:
            yield from window.panes.values()

    def find_pane(self, pane_id: int) -> tuple[Window, Pane] | None:
        for window in self.windows:
            pane = window.panes.get(pane_id)
            if pane is not None:
                return window, pane
        return None

    @property
    def active_pane(self) -> Pane | None:
        return self.current.active_pane if self.current is not None else None

    @property
    def border_titles(self) -> bool:
        """Does each pane have a title line (the session option `border_titles`)?"""
        return self.options.get("border_titles") is True

    def geometry(self, window: Window | None = None) -> dict[int, Rect]:
        """Where each shown pane's screen goes in the window area, in `layout.panes()` order. With border titles
        on, a pane at the top of the window starts one row lower (see the module's invariants)."""
        window = window or self.current
        if window is None:
            return {}
        rects = window.layout.geometry(*self.size)
        if not self.border_titles:
            return rects
        return {pane_id: Rect(r.x, r.y + 1, r.width, r.height - 1) if r.y == 0 and r.height > 1 else r
                for pane_id, r in rects.items()}

    def title_lines(self, window: Window | None = None) -> list[TitleLine]:
        """The title line of each shown pane that has one (none with border titles off), in `panes()` order:
        the row above its screen, as wide as it, reading "<number>: <title>"."""
        window = window or self.current
        if window is None or not self.border_titles:
            return []
        numbers = window.pane_numbers()
        lines = []
        for pane_id, rect in self.geometry(window).items():
            if rect.y > 0:
                title = border_title(window.panes[pane_id].title, min(MAX_BORDER_TITLE, rect.width))
                lines.append(TitleLine(pane_id, rect.x, rect.y - 1, rect.width, f"{numbers[pane_id]}: {title}"))
        return lines

    # ------------------------------------------------------------------ windows

    def free_index(self) -> int:
        """The lowest window index not in use (what a new window gets); LayoutError past MAX_WINDOWS."""
        used = {w.index for w in self.windows}
        index = next((i for i in range(MAX_WINDOWS) if i not in used), None)
        if index is None:
            raise LayoutError(f"no more than {MAX_WINDOWS} windows")
        return index

    def new_window(self) -> Window:
        index = self.free_index()
        cols, rows = self.size
        pane = self.spawn(self.command, cols, rows - 1 if self.border_titles and rows > 1 else rows)   # its title
        window = Window(index, Layout(pane.id), {pane.id: pane}, pane.id)
        self.windows.append(window)
        self.windows.sort(key=lambda w: w.index)
        self.select_window(window)
        return window

    def select_window(self, window: Window) -> None:
        self.current = window
        window.alerts.clear()
        self.apply_sizes(window)

    def select_index(self, index: int) -> bool:
        window = next((w for w in self.windows if w.index == index), None)
        if window is None:
            return False
        self.select_window(window)
        return True

    def cycle_window(self, step: int) -> None:
        if self.current is None or len(self.windows) < 2:
            return
        position = self.windows.index(self.current)
        self.select_window(self.windows[(position + step) % len(self.windows)])

    def alert(self, window: Window, flag: str) -> bool:
        """Flag `window` (one of ALERT_FLAGS) unless it is the current window. True if its flags changed."""
        if window is self.current or flag in window.alerts:
            return False
        window.alerts.add(flag)
        return True

    def rename_window(self, name: str) -> None:
        if self.current is not None:
            name = "".join(c for c in name if c.isprintable())[:64]
            self.current.name = name
            self.current.named_by_user = bool(name)

    def kill_window(self, window: Window | None = None) -> None:
        window = window or self.current
        if window is None:
            return
        for pane in list(window.panes.values()):
            self.release(pane)
        window.panes.clear()
        self._drop_window(window)

    def _drop_window(self, window: Window) -> None:
        position = self.windows.index(window)
        self.windows.remove(window)
        if not self.windows:
            self.current = None
        elif self.current is window:
            self.current = None
            self.select_window(self.windows[min(position, len(self.windows) - 1)])

    @property
    def empty(self) -> bool:
        return not self.windows

    # ------------------------------------------------------------------ panes

    def split(self, direction: str) -> Pane:
        """Split the active pane (`"horizontal"`: side by side, `"vertical"`: stacked); the new pane is active."""
        window = self.current
        if window is None or window.active is None:
            raise LayoutError("no pane to split")
        rect = self.geometry(window).get(window.active)
        cols, rows = (rect.width, rect.height) if rect is not None else self.size
        if direction == HORIZONTAL:
            cols = max(1, (cols - 1) // 2)
        elif direction == VERTICAL:
            rows = max(1, (rows - 1) // 2)
        else:
            raise LayoutError(f"unknown split direction {direction!r}")
        pane = self.spawn(self.command, cols, rows)
        try:
            window.layout.split(window.active, direction, pane.id)
        except LayoutError:
            self.release(pane)
            raise
        window.panes[pane.id] = pane
        window.set_active(pane.id)
        self.apply_sizes(window)
        return pane

    def close_pane(self, pane_id: int) -> None:
        """Close one pane (its child is hung up); a window left empty is closed too."""
        found = self.find_pane(pane_id)
        if found is None:
            return
        window, pane = found
        focus = window.layout.remove(pane_id) if len(window.panes) > 1 else None
        del window.panes[pane_id]
        self.release(pane)
        if not window.panes:
            self._drop_window(window)
            return
        if window.active == pane_id:
            window.active = focus if focus in window.panes else next(iter(window.panes))
        if window.last_active not in window.panes or window.last_active == window.active:
            window.last_active = None
        self.apply_sizes(window)

    def select_pane(self, pane_id: int) -> bool:
        found = self.find_pane(pane_id)
        if found is None:
            return False
        window, _ = found
        window.set_active(pane_id)
        if window is not self.current:
            self.select_window(window)
        return True

    def focus(self, direction: str) -> None:
        window = self.current
        if window is None or window.active is None:
            return
        target = window.layout.neighbour(window.active, direction, *self.size)
        if target is not None:
            window.set_active(target)

    def resize_pane(self, direction: str, cells: int = RESIZE_STEP) -> None:
        window = self.current
        if window is None or window.active is None:
            return
        window.layout.resize(window.active, direction, cells, *self.size)
        self.apply_sizes(window)

    def zoom(self) -> None:
        window = self.current
        if window is None or window.active is None:
            return
        window.layout.toggle_zoom(window.active)
        self.apply_sizes(window)

    def drag(self, path: tuple[int, ...], index: int, position: int) -> None:
        """Move the separator identified by (path, index) in the current window to `position`."""
        window = self.current
        if window is None:
            return
        separator = next((s for s in window.layout.separators(*self.size)
                          if (tuple(s.path), s.index) == (tuple(path), index)), None)
        if separator is None:
            raise LayoutError("that separator is gone")
        window.layout.drag(separator, position, *self.size)
        self.apply_sizes(window)

    # ------------------------------------------------------------------ layouts and pane moves

    def select_layout(self, preset: str) -> str:
        """Arrange the current window as `preset` (one of LAYOUTS); returns it. Unzooms."""
        window = self.current
        if window is None:
            raise LayoutError("no window")
        if preset not in LAYOUTS:
            raise LayoutError(f"unknown layout {preset!r}"[:60] + f", expected one of {', '.join(LAYOUTS)}")
        window.layout.arrange(preset, *self.size)
        self.apply_sizes(window)
        return preset

    def next_layout(self) -> str:
        """tmux's next-layout: the preset after the one last applied to the current window (first: the first)."""
        window = self.current
        if window is None:
            raise LayoutError("no window")
        last = window.layout.preset
        return self.select_layout(LAYOUTS[(LAYOUTS.index(last) + 1) % len(LAYOUTS) if last in LAYOUTS else 0])

    def swap_pane(self, step: int) -> None:
        """Swap the active pane with the one `step` places away in pane order (wrapping): tmux swap-pane -U (-1)
        / -D (+1). The active pane stays active, now in its new place."""
        window = self.current
        if window is None or window.active is None or len(window.panes) < 2:
            return
        order = window.layout.panes()
        other = order[(order.index(window.active) + step) % len(order)]
        window.layout.swap(window.active, other)
        self.apply_sizes(window)

    def break_pane(self) -> Window:
        """Move the active pane into a new window of its own, which becomes current; the pane keeps running."""
        window = self.current
        if window is None or window.active is None:
            raise LayoutError("no pane to break")
        if len(window.panes) < 2:
            raise LayoutError("can't break with only one pane")
        index = self.free_index()
        pane_id = window.active
        pane = window.panes.pop(pane_id)
        focus = window.layout.remove(pane_id)
        window.active = window.last_active if window.last_active in window.panes else focus
        window.last_active = None
        new = Window(index, Layout(pane_id), {pane_id: pane}, pane_id)
        self.windows.append(new)
        self.windows.sort(key=lambda w: w.index)
        self.select_window(new)
        return new

    def next_pane(self, step: int = 1) -> bool:
        """Focus the pane `step` places away in pane order, wrapping (tmux select-pane -t :.+). Unzooms.
        False if there is no other pane."""
        window = self.current
        if window is None or window.active is None or len(window.panes) < 2:
            return False
        order = window.layout.panes()
        self._activate(window, order[(order.index(window.active) + step) % len(order)])
        return True

    def last_pane(self) -> bool:
        """Focus the pane that was active before in the current window (tmux last-pane). False if none."""
        window = self.current
        if window is None or window.last_active not in window.panes:
            return False
        self._activate(window, window.last_active)
        return True

    def _activate(self, window: Window, pane_id: int) -> None:
        window.set_active(pane_id)
        if window.layout.zoomed is not None and window.layout.zoomed != pane_id:
            window.layout.unzoom()
            self.apply_sizes(window)

    # ------------------------------------------------------------------ size

    def set_size(self, cols: int, rows: int) -> bool:
        """The window area every window is laid out in. True if it changed."""
        size = (max(1, cols), max(1, rows))
        if size == self.size:
            return False
        self.size = size
        self.apply_sizes()
        return True

    def apply_sizes(self, window: Window | None = None) -> None:
        """Resize the panes of `window` (default: the current one) to their layout rects. Other windows are
        resized when they are selected, as tmux does, so a resize storm reflows only what is shown."""
        window = window or self.current
        if window is None:
            return
        for pane_id, rect in self.geometry(window).items():
            pane = window.panes.get(pane_id)
            if pane is not None:
                pane.resize(rect.width, rect.height)

    # ------------------------------------------------------------------ teardown and checks

    def close(self) -> None:
        for window in list(self.windows):
            self.kill_window(window)

    def check(self) -> None:
        indices = [w.index for w in self.windows]
        assert len(indices) == len(set(indices)), "window indices repeat"
        assert (self.current is None) == (not self.windows), "current window without windows"
        assert self.current is None or self.current in self.windows, "current window is not in the session"
        assert self.current is None or not self.current.alerts, "the current window has alert flags"
        for window in self.windows:
            window.layout.check()
            assert window.panes, f"window {window.index} has no panes"
            assert set(window.layout.panes()) == set(window.panes), f"window {window.index}: layout != panes"
            assert window.active in window.panes, f"window {window.index}: active pane is not one of its panes"
            assert window.last_active is None or (window.last_active in window.panes
                                                  and window.last_active != window.active), \
                f"window {window.index}: last pane {window.last_active} is not another of its panes"
        screens = self.geometry()
        for line in self.title_lines():
            assert line.pane in screens, f"a title line for pane {line.pane}, which is not shown"
            assert not any(r.y <= line.y < r.bottom and line.x < r.right and r.x < line.x + line.width
                           for r in screens.values()), f"pane {line.pane}'s title line covers a pane"
