"""The client's mirror of what the server shows it: the session's windows, the current window's layout, and the
visible rows of each pane as the server last drew them.

Owns: applying `layout` (windows, pane places, separators, pane title lines) and `frame` messages (rows as runs of
text with resolved styles, link spans, cursor, reverse video, copy-mode overlay) and knowing which rows changed
since they were last drawn. No Textual import: the headless test client uses the same mirror as the app. Each
window's alert flags (`window_flags`) come with the layout.

Invariants:
- After a frame is applied, `PaneMirror.lines[y]` is exactly what the server has for row y of that pane; a `full`
  frame replaces every row, so a client that missed frames is exact again after one.
- `window_flags` holds only windows with flags, each at most MAX_WINDOW_FLAGS printable characters (what the
  status line shows after the window's name, whatever the server sent).
- A pane's mirror has `rows` lines of runs whose text fills `cols` cells (the server guarantees it; the renderer
  pads or cuts anyway so a bad frame cannot shift the screen).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mux.terminal.styles import DEFAULT_STYLE, Style

MAX_WINDOW_FLAGS = 8


@dataclass
class PaneMirror:
    id: int
    cols: int = 0
    rows: int = 0
    lines: list[list[tuple[str, Style]]] = field(default_factory=list)
    links: list[list[list[Any]]] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)   # bumped per changed row (the renderer's cache key)
    cursor: tuple[int, int, int] | None = None         # x, y, DECSCUSR shape; None when hidden
    reverse: bool = False
    mouse_motion: bool = False
    copy: dict[str, Any] | None = None                  # {"status", "spans": [[y, start, end, kind]], "position"}
    version: int = 0

    def text(self, y: int) -> str:
        return "".join(text for text, _ in self.lines[y]) if 0 <= y < len(self.lines) else ""

    def display(self) -> list[str]:
        return [self.text(y) for y in range(self.rows)]

    def link_at(self, x: int, y: int) -> str | None:
        if not 0 <= y < len(self.links):
            return None
        for start, end, uri in self.links[y]:
            if start <= x < end:
                return uri
        return None

    def apply(self, update: dict[str, Any], styles: list[Style]) -> None:
        cols, rows = update["cols"], update["rows"]
        if (cols, rows) != (self.cols, self.rows) or update.get("full"):
            self.cols, self.rows = cols, rows
            self.lines = [[(" " * cols, DEFAULT_STYLE)] for _ in range(rows)] if not update.get("full") else \
                [[] for _ in range(rows)]
            self.links = [[] for _ in range(rows)]
            self.versions = [0] * rows
        for entry in update["lines"]:
            y, runs, links = entry
            if not (isinstance(y, int) and 0 <= y < rows):
                continue
            self.lines[y] = [(text, styles[index] if 0 <= index < len(styles) else DEFAULT_STYLE)
                             for text, index in runs]
            self.links[y] = links
            self.version += 1
            self.versions[y] = self.version
        if "cursor" in update:
            cursor = update["cursor"]
            self.cursor = tuple(cursor) if cursor else None
            self.reverse = bool(update.get("reverse"))
            self.mouse_motion = bool(update.get("mouse_motion"))
            self.copy = update.get("copy")
            self.version += 1


@dataclass
class PanePlace:
    id: int
    x: int
    y: int
    width: int
    height: int
    title: str
    number: int         # tmux's pane index: the pane's place in the window's pane order, zoomed or not


@dataclass(frozen=True)
class TitlePlace:
    """A pane's title line as the server placed it: `width` cells from (x, y), reading `text`."""

    pane: int
    x: int
    y: int
    width: int
    text: str


def _title_places(entries: Any) -> list[TitlePlace]:
    """The layout's title lines (an optional field: a server without border titles sends none); an entry of
    another shape is skipped (it can only cost its own title)."""
    out: list[TitlePlace] = []
    if not isinstance(entries, list):
        return out
    for entry in entries:
        if isinstance(entry, list) and len(entry) == 5 and isinstance(entry[4], str) and all(
                isinstance(n, int) and not isinstance(n, bool) for n in entry[:4]):
            out.append(TitlePlace(*entry))
    return out


@dataclass
class SessionMirror:
    session: str = ""
    cols: int = 0
    rows: int = 0
    windows: list[tuple[int, str, bool]] = field(default_factory=list)
    window_flags: dict[int, str] = field(default_factory=dict)     # window index -> alert flags ("#", "!~")
    places: dict[int, PanePlace] = field(default_factory=dict)
    separators: list[tuple[str, int, int, int, tuple[int, ...], int]] = field(default_factory=list)
    active: int | None = None
    zoomed: bool = False
    panes: dict[int, PaneMirror] = field(default_factory=dict)
    titles: list[TitlePlace] = field(default_factory=list)     # empty with border titles off

    def apply_layout(self, message: dict[str, Any]) -> None:
        self.session = message["session"]
        self.cols, self.rows = message["cols"], message["rows"]
        self.windows = [(int(i), str(name), bool(current)) for i, name, current, *_ in message["windows"]]
        self.window_flags = {}
        for index, _, _, *more in message["windows"]:
            flags = "".join(c for c in str(more[0]) if c.isprintable() and not c.isspace()) if more else ""
            if flags:
                self.window_flags[int(index)] = flags[:MAX_WINDOW_FLAGS]
        self.places = {p[0]: PanePlace(*p) for p in message["panes"]}
        self.separators = [(o, x, y, n, tuple(path), index) for o, x, y, n, path, index in message["separators"]]
        self.active = message["active"]
        self.zoomed = message["zoomed"]
        self.titles = _title_places(message.get("titles"))
        for stale in set(self.panes) - set(self.places):
            del self.panes[stale]

    def apply_frame(self, message: dict[str, Any]) -> list[int]:
        """Apply a frame; returns the ids of the panes it changed."""
        styles = [tuple(s) for s in message["styles"]]
        changed = []
        for update in message["panes"]:
            pane = self.panes.get(update["id"])
            if pane is None:
                pane = self.panes[update["id"]] = PaneMirror(update["id"])
            pane.apply(update, styles)
            changed.append(pane.id)
        return changed

    @property
    def current_window(self) -> int | None:
        return next((index for index, _, current in self.windows if current), None)
