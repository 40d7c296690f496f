"""MuxApp: the Textual client. It draws what the mux server sends and sends back what the user does.

Owns: the connection's place on the event loop (messages in: layout, frames, stats, prompts, clipboard, bell;
requests out), the prefix key machinery and the mux actions it triggers (sent to the server as commands), the
PaneViews of the current window built from the mirror, the status line and the memory status bar, the modal
prompts (rename, search, choose a session, confirmations), the pane numbers of prefix q (shown for
DISPLAY_PANES_S; a digit then focuses that pane, any other key just hides them), and how the client ends:
detached, session exited or server lost, with the line the CLI prints after the terminal is restored. A pane's
desktop notifications (`notify`) are written to this terminal as OSC 9 when `monitor.forward_notifications` is on.

Invariants:
- Keys reach the server for the active pane unless they are the prefix or follow it; no Textual default binding
  (quit, palette, focus cycling, escape-to-minimize) takes a key from a pane.
- Nothing here touches a Page, a PTY or a mode number; the only state is the mirror of what the server sent.
- What a pane's program wrote reaches this terminal only as sanitised text: a forwarded notification has no
  control characters and at most MAX_NOTIFY_TEXT characters of title and of body (`osc9_notification`).
- The client tells the server its window area (this terminal minus the status lines) whenever it changes, at most
  once per RESIZE_COALESCE_S.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from mux.config import ACTION_HELP, Config, display_key
from mux.protocol import MAX_NOTIFY_TEXT
from mux.terminal.terminal import strip_controls
from mux.ui.connection import Connection, ConnectionLost
from mux.ui.mirror import PaneMirror, SessionMirror
from mux.ui.pane_numbers import pane_numbers
from mux.ui.pane_view import PaneCallbacks, PaneView, is_openable_uri
from mux.ui.render import Palette
from mux.ui.status import MemoryBar, StatusLine, human_bytes
from mux.ui.window_view import WindowView

RESIZE_COALESCE_S = 0.05
DISPLAY_PANES_S = 2.0     # how long prefix q shows the pane numbers (tmux's display-panes-time is 1 s)

# Actions that are one server command (name, args) with nothing else to do here.
_COMMANDS: dict[str, tuple[str, list[Any]]] = {
    "split-right": ("split-right", []), "split-down": ("split-down", []),
    "new-window": ("new-window", []), "next-window": ("next-window", []), "prev-window": ("prev-window", []),
    "zoom": ("zoom", []), "close-pane": ("close-pane", []), "scrollback": ("scrollback", []),
    "next-layout": ("next-layout", []), "swap-pane-prev": ("swap-pane", ["prev"]),
    "swap-pane-next": ("swap-pane", ["next"]), "break-pane": ("break-pane", []),
    "next-pane": ("next-pane", []), "last-pane": ("last-pane", []),
    **{f"focus-{d}": ("focus", [d]) for d in ("left", "right", "up", "down")},
    **{f"resize-{d}": ("resize", [d]) for d in ("left", "right", "up", "down")},
    **{f"select-window-{n}": ("select-window", [n]) for n in range(10)},
}


def osc9_notification(title: str, body: str) -> str:
    """The OSC 9 sequence that shows a pane's notification on this terminal ("" for none): the text has no control
    characters (a program's text must never become escape sequences out here) and is bounded; text that would
    read as a ConEmu subcommand (`4;1;50`: a progress bar) gets a prefix so it stays a notification."""
    title = strip_controls(title[:MAX_NOTIFY_TEXT]).strip()
    body = strip_controls(body[:MAX_NOTIFY_TEXT]).strip()
    text = f"{title}: {body}" if title and body else title or body
    if not text:
        return ""
    head = text.partition(";")[0]
    if head.isascii() and head.isdigit():
        text = f"mux: {text}"
    return f"\x1b]9;{text}\x07"


class MuxApp(App, inherit_bindings=False):
    ENABLE_COMMAND_PALETTE = False
    ESCAPE_TO_MINIMIZE = False
    BINDINGS: list[Binding] = []
    CSS = """
    Screen { layers: base; }
    #windows { height: 1fr; }
    #bottom { height: auto; dock: bottom; }
    """

    def __init__(self, config: Config, connection: Connection) -> None:
        super().__init__()
        self.config = config
        self.connection = connection
        theme = config.theme
        self.palette = Palette(theme.palette(), theme.foreground, theme.background)
        self.prefix_key = config.prefix
        self.prefix_pending = False
        self.mirror = SessionMirror()
        self.message = ""
        self._message_until = 0.0
        self.exit_line = ""             # what the CLI prints once the terminal is restored
        self.memory_bar = MemoryBar()
        self.status_line = StatusLine()
        self.window_view: WindowView | None = None
        self._sent_size: tuple[int, int] | None = None
        self._resize_timer = None
        self._writer = False
        self._send_failed = False       # the server closed its end: nothing more is sent, what it sent is read
        self._numbers_timer = None

    # ------------------------------------------------------------------ composition

    def compose(self) -> ComposeResult:
        ui = self.config.theme
        self.window_view = WindowView(self.mirror, self.send, border=f"#{ui.border:06x}",
                                      border_focused=f"#{ui.border_focused:06x}", background=f"#{ui.background:06x}")
        with Container(id="windows"):
            yield self.window_view
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
        status.alert_style = f"bold #{ui.status_accent:06x}"
        self.connection.set_nonblocking()
        asyncio.get_running_loop().add_reader(self.connection.fileno(), self._readable)
        if self.config.status_bar:
            self.send({"t": "want_stats", "on": True})
        self._readable()        # what arrived with `attached` (layout, first frame) is already buffered
        self.set_interval(0.25, self._update_status)

    def on_resize(self, event: events.Resize) -> None:
        if self._resize_timer is None:
            self._resize_timer = self.set_timer(RESIZE_COALESCE_S, self._send_size)

    def _window_area(self) -> tuple[int, int]:
        bar = self.memory_bar
        height = self.size.height - 1 - (len(bar.lines) if bar.display else 0)
        return max(1, self.size.width), max(1, height)

    def _send_size(self) -> None:
        self._resize_timer = None
        size = self._window_area()
        if size != self._sent_size:
            self._sent_size = size
            self.send({"t": "resize", "cols": size[0], "rows": size[1]})

    # ------------------------------------------------------------------ the connection

    def send(self, message: dict[str, Any]) -> None:
        if self._send_failed:
            return
        try:
            self.connection.send(message)
        except ConnectionLost:
            self._write_side_lost()
            return
        if self.connection.out and not self._writer:
            self._writer = True
            asyncio.get_running_loop().add_writer(self.connection.fileno(), self._writable)

    def _writable(self) -> None:
        try:
            done = self.connection.flush_out()
        except ConnectionLost:
            self._write_side_lost()
            return
        if done:
            self._writer = False
            asyncio.get_running_loop().remove_writer(self.connection.fileno())

    def _readable(self) -> None:
        try:
            messages = self.connection.receive()
        except ConnectionLost as e:
            self._lost(str(e))
            return
        frames = 0
        for message in messages:
            frames += message["t"] == "frame"
            handler = getattr(self, f"_got_{message['t']}", None)
            if handler is not None:
                handler(message)
        for _ in range(frames):
            self.send({"t": "ack"})

    def _stop_reading(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            loop.remove_reader(self.connection.fileno())
            if self._writer:
                loop.remove_writer(self.connection.fileno())
        except (ValueError, OSError):
            pass

    def _finish(self, line: str, status: int = 0) -> None:
        if not self.exit_line:
            self.exit_line = line
            self._stop_reading()
            self.exit(status)

    def _write_side_lost(self) -> None:
        """A send failed: the server closed the connection, maybe right after its last words (`exited` when the
        last pane ended, `detached`). Those are still to be read: read them now, and let the reader report the
        end of the connection if they were not there."""
        self._send_failed = True
        if self._writer:
            self._writer = False
            try:
                asyncio.get_running_loop().remove_writer(self.connection.fileno())
            except (ValueError, OSError):
                pass
        self._readable()

    def _lost(self, reason: str) -> None:
        self._finish(f"[lost server: {reason}]", 1)

    # ------------------------------------------------------------------ server messages

    def _got_layout(self, message: dict[str, Any]) -> None:
        self.mirror.apply_layout(message)
        view = self.window_view
        if view is None:
            return
        for pane_id in list(view.views):
            if pane_id not in self.mirror.places:
                view.remove_view(pane_id)
        for pane_id in self.mirror.places:
            if pane_id not in view.views:
                mirror = self.mirror.panes.setdefault(pane_id, PaneMirror(pane_id))
                theme = self.config.theme
                view.add_view(pane_id, PaneView(
                    pane_id, mirror, self.palette, PaneCallbacks(self.send, self.intercept_key),
                    cursor_color=theme.cursor, selection=(theme.selection_background, theme.selection_foreground)))
        view.place_panes()
        active = view.views.get(self.mirror.active) if self.mirror.active is not None else None
        if active is not None and self.screen is self.screen_stack[0] and not active.has_focus:
            active.focus()
        for pane_view in view.views.values():
            pane_view.refresh()
        self._update_status()

    def _got_frame(self, message: dict[str, Any]) -> None:
        view = self.window_view
        for pane_id in self.mirror.apply_frame(message):
            if view is None:
                continue
            pane_view = view.views.get(pane_id)
            if pane_view is not None:
                pane_view.mirror = self.mirror.panes[pane_id]
                pane_view.refresh()
        self._update_status()

    def _got_stats(self, message: dict[str, Any]) -> None:
        figures = [(p["id"], p["label"], p["stats"]) for p in message["panes"]
                   if isinstance(p, dict) and {"id", "label", "stats"} <= p.keys()]
        try:
            self.memory_bar.update_figures(figures, message["rss"])
        except (KeyError, TypeError, ValueError):
            return      # figures of another shape (a newer server): the bar keeps its last lines
        self._send_size()

    def _got_message(self, message: dict[str, Any]) -> None:
        self.flash(message["text"])

    def _got_error(self, message: dict[str, Any]) -> None:
        self.flash(message["message"], 5.0)

    def _got_prompt(self, message: dict[str, Any]) -> None:
        if message["kind"] != "search":
            return
        backward = message["backward"]

        def done(text: str | None) -> None:
            if text:
                self.send({"t": "command", "name": "copy-search", "args": [text, backward]})
            self._refocus()

        self.push_screen(PromptScreen("Search backward:" if backward else "Search:"), done)

    def _got_clipboard(self, message: dict[str, Any]) -> None:
        self.copy_to_clipboard(message["text"])

    def _got_bell(self, message: dict[str, Any]) -> None:
        self.bell()

    def _got_notify(self, message: dict[str, Any]) -> None:
        if self.config.monitor.forward_notifications:
            sequence = osc9_notification(message["title"], message["body"])
            if sequence:
                self.write_to_terminal(sequence)

    def write_to_terminal(self, sequence: str) -> None:
        """Write an escape sequence to the terminal this client runs in, between Textual's frames. Textual has no
        public call for this; its own copy_to_clipboard writes OSC 52 through the driver the same way."""
        if self._driver is not None:
            self._driver.write(sequence)

    def _got_open(self, message: dict[str, Any]) -> None:
        uri = message["uri"]
        if is_openable_uri(uri):
            self.open_url(uri)
        else:
            self.flash("not opening a link with that scheme")

    def _got_sessions(self, message: dict[str, Any]) -> None:
        sessions = [s for s in message["sessions"] if isinstance(s, dict) and isinstance(s.get("name"), str)]

        def done(name: str | None) -> None:
            if name and name != self.mirror.session:
                self.send({"t": "command", "name": "switch-session", "args": [name]})
            self._refocus()

        self.push_screen(ChooseSessionScreen(sessions, self.mirror.session), done)

    def _got_detached(self, message: dict[str, Any]) -> None:
        reason = message["reason"]
        suffix = "" if reason == "detached" else f" ({reason})"
        self._finish(f"[detached (from session {message['session']}){suffix}]")

    def _got_exited(self, message: dict[str, Any]) -> None:
        self._finish("[exited]")

    # ------------------------------------------------------------------ keys

    def intercept_key(self, key: str, character: str | None) -> bool:
        """Called for every key a pane gets: True if the prefix machinery (or the pane numbers) consumed it."""
        if self.window_view is not None and self.window_view.numbers_shown:
            numbers = {number: pane_id for pane_id, number in pane_numbers(self.mirror.places).items()}
            self.hide_pane_numbers()
            if character is not None and character.isdigit() and int(character) in numbers:
                self.send({"t": "command", "name": "select-pane", "args": [numbers[int(character)]]})
            return True
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
        if action in _COMMANDS:
            name, args = _COMMANDS[action]
            self.send({"t": "command", "name": name, "args": args})
        elif action == "send-prefix":
            self.send({"t": "key", "key": self.prefix_key, "char": None})
        elif action == "detach":
            self.send({"t": "detach"})
        elif action == "toggle-memory-bar":
            self.toggle_memory_bar()
        elif action == "help":
            self.push_screen(HelpScreen(self.config))
        elif action == "display-panes":
            self.show_pane_numbers()
        elif action == "rename-window":
            current = next((name for _, name, cur in self.mirror.windows if cur), "")
            self._prompt("Rename window:", current, "rename-window")
        elif action == "rename-session":
            self._prompt("Rename session:", self.mirror.session, "rename-session")
        elif action == "choose-session":
            self.send({"t": "command", "name": "list-sessions", "args": []})
        elif action == "kill-window":
            window = self.mirror.current_window
            self._confirm(f"Kill window {window} and its panes?", {"t": "command", "name": "kill-window", "args": []})
        elif action == "quit":
            session = self.mirror.session
            self._confirm(f"Kill session {session} and close every pane?", {"t": "kill_session", "target": session})

    def _prompt(self, title: str, value: str, command: str) -> None:
        def done(text: str | None) -> None:
            if text:
                self.send({"t": "command", "name": command, "args": [text]})
            self._refocus()

        self.push_screen(PromptScreen(title, value), done)

    def _confirm(self, question: str, request: dict[str, Any]) -> None:
        def done(yes: bool | None) -> None:
            if yes:
                self.send(request)
            self._refocus()

        self.push_screen(ConfirmScreen(question), done)

    def show_pane_numbers(self) -> None:
        """prefix q: each pane's number over it for DISPLAY_PANES_S (tmux's display-panes)."""
        view = self.window_view
        if view is None:
            return
        ui = self.config.theme
        view.show_numbers(f"#{ui.border_focused:06x}", f"#{ui.status_accent:06x}")
        if self._numbers_timer is not None:
            self._numbers_timer.stop()
        self._numbers_timer = self.set_timer(DISPLAY_PANES_S, self.hide_pane_numbers)

    def hide_pane_numbers(self) -> None:
        if self._numbers_timer is not None:
            self._numbers_timer.stop()
            self._numbers_timer = None
        if self.window_view is not None and self.window_view.numbers_shown:
            self.window_view.hide_numbers()

    def toggle_memory_bar(self) -> None:
        bar = self.memory_bar
        bar.display = not bar.display
        self.send({"t": "want_stats", "on": bar.display})
        self.call_after_refresh(self._send_size)

    def on_key(self, event: events.Key) -> None:
        """Keys that reach the app (no pane focused yet): the prefix machinery, else the active pane. Keys a modal
        screen's widgets handle by binding (a prompt's Enter, a list's arrows) bubble here too: not the pane's."""
        event.stop()
        if self.screen is not self.screen_stack[0]:
            return
        if not self.intercept_key(event.key, event.character):
            self.send({"t": "key", "key": event.key, "char": event.character})

    def on_app_focus(self, event: events.AppFocus) -> None:
        self.send({"t": "focus", "focused": True})

    def on_app_blur(self, event: events.AppBlur) -> None:
        self.send({"t": "focus", "focused": False})

    def _refocus(self) -> None:
        view = self.window_view
        if view is not None and self.mirror.active in view.views:
            view.views[self.mirror.active].focus()

    def flash(self, text: str, seconds: float = 3.0) -> None:
        self.message = text
        self._message_until = time.monotonic() + seconds
        self._update_status()

    # ------------------------------------------------------------------ status

    def _update_status(self) -> None:
        message = self.message if time.monotonic() < self._message_until else ""
        active = self.mirror.panes.get(self.mirror.active) if self.mirror.active is not None else None
        if active is not None and active.copy is not None:
            message = str(active.copy.get("status", ""))      # the position is in the pane's corner
        self.status_line.set_state(self.mirror.session, self.mirror.windows, message, self.prefix_pending,
                                   self.mirror.window_flags)


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


class ChooseSessionScreen(ModalScreen[str | None]):
    """prefix s: the sessions of this server, one line each; Enter switches, Escape stays."""

    DEFAULT_CSS = """
    ChooseSessionScreen { align: center middle; }
    ChooseSessionScreen > Vertical { width: 70; height: auto; max-height: 80%; border: round $accent;
                                     padding: 0 1; background: $panel; }
    """

    def __init__(self, sessions: list[dict[str, Any]], current: str) -> None:
        super().__init__()
        self.sessions = sessions
        self.current = current

    def compose(self) -> ComposeResult:
        options = []
        for s in self.sessions:
            attached = f", {s.get('attached', 0)} attached" if s.get("attached") else ""
            mark = " (this one)" if s["name"] == self.current else ""
            options.append(Option(f"{s['name']}: {s.get('windows', 0)} windows, {s.get('panes', 0)} panes{attached}, "
                                  f"{human_bytes(s.get('page_bytes', 0) or 0)} pages{mark}", id=s["name"]))
        with Vertical():
            yield Label("Choose a session (Enter: switch, Escape: stay)")
            yield OptionList(*options)

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        names = [s["name"] for s in self.sessions]
        if self.current in names:
            option_list.highlighted = names.index(self.current)
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_key(self, event: events.Key) -> None:
        if event.key in ("escape", "q"):
            event.stop()
            self.dismiss(None)


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
        rows.append("Scrollback: arrows/hjkl move, PgUp/PgDn, ctrl+u/ctrl+d half page, g/G, w/b words,")
        rows.append("  0/$ line start/end, [ ] prompts, o command output, v select, y copy, / ? search, n N, q quit")
        rows.append("Press any key to close.")
        with Vertical():
            yield Static("\n".join(rows))

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.dismiss(None)
