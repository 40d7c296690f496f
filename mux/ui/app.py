"""MuxApp: the Textual application. Windows of panes, prefix keys, PTY I/O on the event loop, the status line and
the memory status bar, modal prompts.

Owns: the set of windows and panes and which is focused; dispatching prefixed keys to actions; reading every
pane's PTY with the event loop's add_reader in bounded chunks (the focused pane gets the biggest budget), writing
pending input with add_writer; coalescing refreshes to one frame per display interval (held while a pane's
synchronized output is on, for at most SYNC_HOLD_S); closing panes whose child exited; exiting with status 0
when the last pane is gone.

Invariants:
- Keys reach the focused pane unless they are the prefix, follow the prefix, or belong to scrollback mode; no
  Textual default binding (quit, palette, focus cycling, escape-to-minimize) takes a key from a pane.
- Every live pane has exactly one PTY reader registered; a closed pane has none and its memory is released.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from mux.config import ACTION_HELP, Config, display_key
from mux.session.layout import Layout, LayoutError
from mux.session.pane import Pane
from mux.ui.keys import encode_key
from mux.ui.pane_view import PaneView, SearchRequest
from mux.ui.render import Palette
from mux.ui.status import MemoryBar, StatusLine
from mux.ui.window_view import WindowView

FRAME_S = 1 / 60
SYNC_HOLD_S = 0.25
FOCUSED_READS = 4           # reads of READ_CHUNK per callback for the focused pane...
FOCUSED_BUDGET_S = 0.008    # ...stopping early once this much time went into parsing (keys stay responsive)
OTHER_READ = 16 * 1024      # one read of this size per callback for other panes
RESIZE_STEP = 2


@dataclass
class Window:
    index: int
    layout: Layout
    view: WindowView
    panes: dict[int, Pane] = field(default_factory=dict)
    focused: int | None = None
    name: str = ""
    named_by_user: bool = False


class MuxApp(App, inherit_bindings=False):
    ENABLE_COMMAND_PALETTE = False
    ESCAPE_TO_MINIMIZE = False
    BINDINGS: list[Binding] = []
    CSS = """
    Screen { layers: base; }
    #windows { height: 1fr; }
    #bottom { height: auto; dock: bottom; }
    """

    def __init__(self, config: Config, command: list[str] | None = None) -> None:
        super().__init__()
        self.config = config
        self.command = command
        theme = config.theme
        self.palette = Palette(theme.palette(), theme.foreground, theme.background)
        self.prefix_key = config.prefix
        self.prefix_pending = False
        self.windows: list[Window] = []
        self.current: Window | None = None
        self.views: dict[int, PaneView] = {}
        self._dirty: set[int] = set()
        self._sync_since: dict[int, float] = {}
        self._painted: dict[int, float] = {}
        self.message = ""
        self._message_until = 0.0
        self.exit_status = 0
        self.memory_bar = MemoryBar()
        self.status_line = StatusLine()

    # ------------------------------------------------------------------ composition

    def compose(self) -> ComposeResult:
        yield Container(id="windows")
        self.memory_bar.display = self.config.status_bar
        with Vertical(id="bottom"):
            yield self.memory_bar
            yield self.status_line

    def on_mount(self) -> None:
        ui = self.config.theme
        self.screen.styles.background = f"#{ui.background:06x}"
        status = self.status_line
        status.styles.background = f"#{ui.status_background:06x}"
        status.styles.color = f"#{ui.status_foreground:06x}"
        bar = self.memory_bar
        bar.styles.background = f"#{ui.status_background:06x}"
        bar.styles.color = f"#{ui.status_accent:06x}"
        self.new_window()
        self.set_interval(FRAME_S, self._frame)
        self.set_interval(1.0, self._update_memory_bar)
        self._update_memory_bar()

    # ------------------------------------------------------------------ panes and PTY I/O

    def _spawn(self, cols: int, rows: int) -> Pane:
        argv = self.command or [self.config.shell]
        pane = Pane(argv, max(1, cols), max(1, rows), scrollback_bytes=self.config.scrollback_bytes,
                    scrollback_lines=self.config.scrollback_lines, palette=self.palette.colors,
                    on_clipboard=self._child_clipboard, on_bell=self.bell)
        loop = asyncio.get_running_loop()
        loop.add_reader(pane.fd, self._readable, pane)
        return pane

    def _make_view(self, pane: Pane) -> PaneView:
        theme = self.config.theme
        view = PaneView(pane, self.palette, mouse=self.config.mouse, cursor_color=theme.cursor,
                        selection=(theme.selection_background, theme.selection_foreground))
        self.views[pane.id] = view
        return view

    def _readable(self, pane: Pane) -> None:
        focused = self.current is not None and self.current.focused == pane.id
        if focused:
            deadline = time.monotonic() + FOCUSED_BUDGET_S
            for _ in range(FOCUSED_READS):
                if not pane.read() or time.monotonic() > deadline:
                    break
        else:
            pane.read(OTHER_READ)
        if pane.wants_write:
            self._want_write(pane)
        if not pane.alive:
            self._pane_exited(pane)
            return
        # Paint now if this pane was not painted within the last frame (an echo shows at once); otherwise the
        # frame timer picks it up, so a flood costs at most one refresh per frame.
        now = time.monotonic()
        if now - self._painted.get(pane.id, 0.0) >= FRAME_S and 2026 not in pane.screen.private_modes:
            view = self.views.get(pane.id)
            if view is not None and view.display:
                self._painted[pane.id] = now
                self._dirty.discard(pane.id)
                view.refresh()
                return
        self._dirty.add(pane.id)

    def _want_write(self, pane: Pane) -> None:
        loop = asyncio.get_running_loop()

        def writable() -> None:
            if pane.flush_input() or not pane.alive:
                loop.remove_writer(pane.fd)

        loop.add_writer(pane.fd, writable)

    def write_to_pane(self, pane: Pane, data: bytes) -> None:
        pane.write(data)
        if pane.wants_write:
            self._want_write(pane)

    def _child_clipboard(self, target: str, text: str) -> None:
        if self.config.osc52_write:
            self.copy_to_clipboard(text)

    def _frame(self) -> None:
        """Refresh panes that changed, at most once per frame; hold panes inside synchronized output."""
        now = time.monotonic()
        for pane_id in list(self._dirty):
            view = self.views.get(pane_id)
            if view is None:
                self._dirty.discard(pane_id)
                continue
            if 2026 in view.pane.screen.private_modes:
                since = self._sync_since.setdefault(pane_id, now)
                if now - since < SYNC_HOLD_S:
                    continue
            self._sync_since.pop(pane_id, None)
            self._dirty.discard(pane_id)
            if view.display:
                self._painted[pane_id] = now
                view.refresh()
        self._update_status()

    # ------------------------------------------------------------------ windows

    @property
    def windows_container(self) -> Container:
        return self.query_one("#windows", Container)

    def _content_size(self) -> tuple[int, int]:
        """An estimate of the window area for a new pane (its view corrects the size once laid out)."""
        bar = self.memory_bar
        height = self.size.height - 1 - (len(bar.lines) if bar.display else 0)
        return max(1, self.size.width), max(1, height)

    def new_window(self) -> None:
        cols, rows = self._content_size()
        pane = self._spawn(cols, rows)
        view = self._make_view(pane)
        layout = Layout(pane.id)
        ui = self.config.theme
        window_view = WindowView(layout, {pane.id: view}, border=f"#{ui.border:06x}",
                                 border_focused=f"#{ui.border_focused:06x}", background=f"#{ui.background:06x}")
        index = next(i for i in range(1000) if i not in {w.index for w in self.windows})
        window = Window(index, layout, window_view, {pane.id: pane}, pane.id)
        self.windows.append(window)
        self.windows.sort(key=lambda w: w.index)
        self.windows_container.mount(window_view)
        self.select_window(window)
        self._update_window_names()

    def select_window(self, window: Window) -> None:
        for w in self.windows:
            w.view.display = w is window
        self.current = window
        window.view.place_panes()
        self._focus_pane(window, window.focused)

    def _focus_pane(self, window: Window, pane_id: int | None) -> None:
        if pane_id is None:
            return
        window.focused = pane_id
        window.view.focused_pane = pane_id
        view = self.views.get(pane_id)
        if view is not None:
            self.call_after_refresh(view.focus)
        window.view.refresh()

    def _close_pane(self, window: Window, pane: Pane) -> None:
        loop = asyncio.get_running_loop()
        try:
            loop.remove_reader(pane.fd)
            loop.remove_writer(pane.fd)
        except (ValueError, OSError):
            pass
        focus = window.layout.remove(pane.id)
        window.panes.pop(pane.id, None)
        window.view.remove_view(pane.id)
        self.views.pop(pane.id, None)
        self._dirty.discard(pane.id)
        pane.close()
        if not window.panes:
            self._close_window(window)
        else:
            self._focus_pane(window, focus)

    def _close_window(self, window: Window) -> None:
        position = self.windows.index(window)
        self.windows.remove(window)
        window.view.remove()
        if not self.windows:
            self.exit(self.exit_status)
            return
        self.select_window(self.windows[min(position, len(self.windows) - 1)])

    def _pane_exited(self, pane: Pane) -> None:
        for window in self.windows:
            if pane.id in window.panes:
                self._close_pane(window, pane)
                return

    def _focused(self) -> tuple[Window, Pane, PaneView] | None:
        window = self.current
        if window is None or window.focused is None:
            return None
        pane = window.panes.get(window.focused)
        view = self.views.get(window.focused)
        if pane is None or view is None:
            return None
        return window, pane, view

    # ------------------------------------------------------------------ keys

    def intercept_key(self, view: PaneView, key: str, character: str | None) -> bool:
        """Called by the focused PaneView for every key: True if the prefix machinery consumed it."""
        if self.prefix_pending:
            self.prefix_pending = False
            action = self.config.action_for(key)
            if action is not None:
                self.run_mux_action(action)
            self._update_status()
            return True
        if self.config.is_prefix(key):
            self.prefix_pending = True
            self._update_status()
            return True
        return False

    def run_mux_action(self, action: str) -> None:
        focused = self._focused()
        if action.startswith("select-window-"):
            index = int(action.rsplit("-", 1)[1])
            target = next((w for w in self.windows if w.index == index), None)
            if target is not None:
                self.select_window(target)
            return
        simple = {
            "split-right": lambda: self.split("horizontal"),
            "split-down": lambda: self.split("vertical"),
            "new-window": self.new_window,
            "next-window": lambda: self._cycle_window(1),
            "prev-window": lambda: self._cycle_window(-1),
            "toggle-memory-bar": self.toggle_memory_bar,
            "help": lambda: self.push_screen(HelpScreen(self.config)),
            "quit": self.confirm_quit,
            "rename-window": self.rename_window,
        }
        if action in simple:
            simple[action]()
            return
        if focused is None:
            return
        window, pane, view = focused
        width, height = window.view.size.width, window.view.size.height
        if action.startswith("focus-"):
            target = window.layout.neighbour(pane.id, action[6:], width, height)
            if target is not None:
                self._focus_pane(window, target)
        elif action.startswith("resize-"):
            window.layout.resize(pane.id, action[7:], RESIZE_STEP, width, height)
            window.view.place_panes()
        elif action == "zoom":
            window.layout.toggle_zoom(pane.id)
            window.view.place_panes()
            self._focus_pane(window, pane.id)
        elif action == "close-pane":
            self._close_pane(window, pane)
        elif action == "scrollback":
            view.enter_scrollback()
        elif action == "send-prefix":
            data = encode_key(self.prefix_key, None)
            if data:
                self.write_to_pane(pane, data)

    def _cycle_window(self, step: int) -> None:
        if self.current is None or len(self.windows) < 2:
            return
        position = self.windows.index(self.current)
        self.select_window(self.windows[(position + step) % len(self.windows)])

    def split(self, direction: str) -> None:
        focused = self._focused()
        if focused is None:
            return
        window, pane, _ = focused
        width, height = window.view.size.width, window.view.size.height
        rects = window.layout.geometry(width, height)
        rect = rects.get(pane.id)
        cols = max(1, (rect.width - 1) // 2) if rect and direction == "horizontal" else (rect.width if rect else 80)
        rows = max(1, (rect.height - 1) // 2) if rect and direction == "vertical" else (rect.height if rect else 24)
        new = self._spawn(cols, rows)
        try:
            window.layout.split(pane.id, direction, new.id)
        except LayoutError as e:
            asyncio.get_running_loop().remove_reader(new.fd)
            new.close()
            self.flash(str(e))
            return
        window.panes[new.id] = new
        window.view.add_view(new.id, self._make_view(new))
        self._focus_pane(window, new.id)

    def toggle_memory_bar(self) -> None:
        bar = self.memory_bar
        bar.display = not bar.display
        self._update_memory_bar()

    def rename_window(self) -> None:
        window = self.current
        if window is None:
            return

        def done(name: str | None) -> None:
            if name:
                window.name = name[:64]
                window.named_by_user = True
            self._refocus()

        self.push_screen(PromptScreen("Rename window:", window.name), done)

    def confirm_quit(self) -> None:
        def done(yes: bool | None) -> None:
            if yes:
                self.quit_all()
            else:
                self._refocus()

        self.push_screen(ConfirmScreen("Quit mux and close every pane?"), done)

    def quit_all(self) -> None:
        for window in list(self.windows):
            for pane in list(window.panes.values()):
                try:
                    asyncio.get_running_loop().remove_reader(pane.fd)
                except (ValueError, OSError):
                    pass
                pane.close()
        self.exit(0)

    def on_search_request(self, message: SearchRequest) -> None:
        view = message.view

        def done(text: str | None) -> None:
            if text:
                view.search(text, message.backward)
            self._refocus()

        self.push_screen(PromptScreen("Search backward:" if message.backward else "Search:", view.search_text),
                         done)

    def on_pane_view_activated(self, message: PaneView.Activated) -> None:
        window = self.current
        if window is not None:
            for pane_id, view in window.view.views.items():
                if view is message.view:
                    self._focus_pane(window, pane_id)

    def _refocus(self) -> None:
        if self.current is not None:
            self._focus_pane(self.current, self.current.focused)

    def flash(self, text: str, seconds: float = 3.0) -> None:
        self.message = text
        self._message_until = time.monotonic() + seconds
        self._update_status()

    # ------------------------------------------------------------------ status

    def _update_window_names(self) -> None:
        """Windows the user did not rename follow their focused pane's title (OSC 0/2, else its command)."""
        for w in self.windows:
            if not w.named_by_user and w.focused in w.panes:
                w.name = w.panes[w.focused].title[:24]

    def _update_status(self) -> None:
        windows = [(w.index, w.name, w is self.current) for w in self.windows]
        message = self.message if time.monotonic() < self._message_until else ""
        focused = self._focused()
        if focused is not None and focused[2].scrollback:
            message = focused[2].status_message or "[scrollback]"
        self.status_line.set_state(windows, message, self.prefix_pending)

    def _update_memory_bar(self) -> None:
        self._update_window_names()     # once a second: reading the foreground command costs syscalls
        bar = self.memory_bar
        if not bar.display or self.current is None:
            return
        figures = []
        rects = self.current.layout.geometry(max(1, self.current.view.size.width),
                                            max(1, self.current.view.size.height))
        for pane_id in self.current.layout.panes():
            if pane_id not in rects:
                continue
            pane = self.current.panes[pane_id]
            figures.append((pane_id, f"%{pane_id} {pane.title[:12]}", pane.screen.stats()))
        bar.update_figures(figures)

    async def on_unmount(self) -> None:
        for window in self.windows:
            for pane in window.panes.values():
                pane.close()

    def on_key(self, event: events.Key) -> None:
        """Keys that reach the app (no pane focused): only the prefix machinery applies."""
        if self.intercept_key(None, event.key, event.character):  # type: ignore[arg-type]
            event.stop()


class PromptScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical { width: 60; height: auto; border: round $accent; padding: 0 1; background: $panel; }
    """

    def __init__(self, title: str, value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(value=self.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 50; height: auto; border: round $error; padding: 0 1; background: $panel; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Label("y: yes   n / Escape: no")
            yield Button("Yes", id="yes", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def on_key(self, event: events.Key) -> None:
        event.stop()
        if event.key in ("y", "enter"):
            self.dismiss(True)
        elif event.key in ("n", "escape", "q"):
            self.dismiss(False)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 60; height: auto; max-height: 90%; border: round $accent; padding: 0 1;
                            background: $panel; }
    """

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config

    def compose(self) -> ComposeResult:
        rows = [f"Prefix: {display_key(self.config.prefix)}, then:"]
        for action, text in ACTION_HELP.items():
            keys = [display_key(k) for k in self.config.keys_for(action)]
            if keys:
                rows.append(f"  {' '.join(keys):<16} {text}")
        rows.append("")
        rows.append("Scrollback: arrows/hjkl move, PgUp/PgDn, g/G, v select, y copy, / ? search, n N, q quit")
        rows.append("Press any key to close.")
        with Vertical():
            yield Static("\n".join(rows))

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.dismiss(None)
