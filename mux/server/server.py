"""The mux server: one process that owns every session and pane, and the clients attached to them.

Owns: the listening Unix socket (0600, peers checked with SO_PEERCRED), one Client per connection (its decoder,
its bounded outgoing queue, the session it is attached to, its window area), the sessions by name, reading every
PTY all the time (attached or not) on one asyncio loop with focus-first budgets (while someone types, the other
panes are paced so that the echo keeps the CPU), turning input requests into bytes for the child
(mux.session.keys), copy mode, and drawing: each client gets the rows that changed since its last frame, at most
one frame per FRAME_S, held while a pane's synchronized output is on (for at most SYNC_HOLD_S), and the window
alerts (tmux's window flags, session options `bell`, `activity`, `silence`): `!` when a pane rang the bell or sent a
desktop notification, `#` on output, `~` when a pane that printed has been quiet `silence` seconds; notifications
(OSC 9, OSC 777) also go to the attached clients as `notify` messages.

Alerts: a window is flagged only while it is not current (mux.session.session.Session.alert) and the layout is
re-sent only when a window's flags changed. Activity costs one failed dict lookup per read: only the panes in
`activity_watch` (windows not current and not yet flagged) are looked at; silence is checked once a second from
`bytes_read`, so reads pay nothing for it. A pane's notifications reach the clients at most once per
NOTIFY_INTERVAL_S (a child printing them in a loop cannot flood the outer terminal); its window is flagged anyway.
A pane's bells count at most once per BELL_INTERVAL_S (a flood of BEL bytes is not a message per byte).

Pane titles reach clients in the layout (window names, border title lines with the session option `border_titles`):
within FRAME_S of a program setting one, within SLOW_TICK_S of a foreground command changing, and a layout goes to a
client only when it differs from the last one it got.

Invariants:
- A client can never block the server: sends are non-blocking; it has at most MAX_FRAMES_IN_FLIGHT frames it has
  not acknowledged (what changes meanwhile goes in the next frame, so a busy client sees the newest state, not a
  backlog); past FRAME_QUEUE_LIMIT pending bytes its frames are dropped and it gets a full redraw once its queue
  drains; past HARD_QUEUE_LIMIT it is disconnected.
- A malformed frame, a wrong version or a peer of another uid disconnects that client only (with a log line).
  An exception while handling one request is logged and answered with an error; the server carries on.
- A session's window area is the smallest of its attached clients' areas (tmux's `window-size smallest`); with no
  client attached it keeps its last size.
- The server exits when its last session ends or on kill-server: children get SIGHUP, every page is released
  (0 OS-tagged bytes, logged), and the socket is unlinked.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mux import protocol
from mux.server.frames import PaneRows, styles_table
from mux.server.paths import peer_uid, remove_stale
from mux.session.keys import encode_focus, encode_key, encode_mouse, encode_paste
from mux.session.layout import HORIZONTAL, VERTICAL, LayoutError
from mux.session.pane import Pane, default_shell
from mux.session.session import ACTIVITY, BELL, DIRECTIONS, SILENCE, Session, Window
from mux.terminal import memory
from mux.terminal.pagelist import DEFAULT_LIMIT_BYTES
from mux.terminal.terminal import MAX_DIMENSION

log = logging.getLogger("mux.server")

FRAME_S = 1 / 60
SYNC_HOLD_S = 0.25
FOCUSED_READS = 4           # reads of READ_CHUNK per callback for a pane some client is looking at...
FOCUSED_BUDGET_S = 0.008    # ...stopping early once this much time went into parsing (keys stay responsive)
OTHER_READ = 16 * 1024      # one read of this size per callback for other panes
FRAME_QUEUE_LIMIT = 1 << 20         # pending bytes past which a client's frames are dropped (full redraw later)
HARD_QUEUE_LIMIT = 16 << 20         # pending bytes past which a client is disconnected
RECV_CHUNK = 256 * 1024
TYPING_S = 1.0                  # input this recent means someone is typing...
TYPING_READ_BUDGET = 16 * 1024  # ...and the panes they are not typing into get this many bytes per FRAME_S
MAX_FRAMES_IN_FLIGHT = 2    # a busy client gets the newest state when it is ready, not a backlog of old frames
SLOW_TICK_S = 1.0
COLD_TICK_S = 0.25          # how often idle history pages are looked for and frozen...
COLD_BUDGET_S = 0.002       # ...for at most about this long per tick over all panes (a page takes ~0.5 ms)
NOTIFY_INTERVAL_S = 1.0     # a pane's desktop notifications go to the clients at most this often
BELL_INTERVAL_S = 0.1       # a pane's bells count (forwarded, flagged) at most this often


class Client:
    """One connection: a terminal attached to a session, or a command (`mux ls`, `mux kill-server`)."""

    _serial = 0

    def __init__(self, server: Server, sock: socket.socket) -> None:
        Client._serial += 1
        self.id = Client._serial
        self.server = server
        self.sock = sock
        self.decoder = protocol.client_decoder()
        self.out = bytearray()
        self.writing = False
        self.closed = False
        self.close_when_flushed = False
        self.session: Session | None = None
        self.size: tuple[int, int] = (80, 24)
        self.seen: dict[int, int] = {}          # pane id -> generation this client has
        self.needs_full = False
        self.layout_sent: bytes = b""
        self.want_stats = False
        self.drag_from: tuple[int, int, int] | None = None   # (pane id, x, y) of a mouse drag selection
        self.frames_in_flight = 0       # frames sent and not yet acknowledged
        self.frame_waiting = False      # something changed while it had MAX_FRAMES_IN_FLIGHT

    # ------------------------------------------------------------------ sending

    def send(self, message: dict[str, Any], *, droppable: bool = False) -> bool:
        """Queue a message. A droppable one (a frame) is dropped when the queue is over FRAME_QUEUE_LIMIT; the
        client then gets a full redraw when it drains. False if it was not queued."""
        if self.closed:
            return False
        if droppable and len(self.out) > FRAME_QUEUE_LIMIT:
            self.needs_full = True
            return False
        try:
            data = protocol.encode_server(message)
        except (ValueError, protocol.ProtocolError) as e:
            log.error("client %d: cannot encode %s: %s", self.id, message.get("t"), e)
            return False
        if len(self.out) + len(data) > HARD_QUEUE_LIMIT:
            log.warning("client %d: %d bytes pending, disconnecting", self.id, len(self.out))
            self.server.drop_client(self)
            return False
        self.out += data
        self.flush()
        return True

    def flush(self) -> None:
        while self.out and not self.closed:
            try:
                n = self.sock.send(self.out[:RECV_CHUNK])
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self.server.drop_client(self)
                return
            del self.out[:n]
        loop = self.server.loop
        if self.out and not self.writing and not self.closed:
            loop.add_writer(self.sock.fileno(), self.flush)
            self.writing = True
        elif not self.out and self.writing:
            loop.remove_writer(self.sock.fileno())
            self.writing = False
        if not self.out:
            if self.close_when_flushed:
                self.server.drop_client(self)
            elif self.needs_full and self.session is not None:
                self.needs_full = False
                self.seen.clear()
                self.frames_in_flight = 0
                self.layout_sent = b""
                self.server.send_layout(self)
                self.server.send_frame(self)


class Server:
    def __init__(self, path: str, name: str = "default") -> None:
        self.path = path
        self.name = name
        self.sessions: dict[str, Session] = {}
        self.clients: dict[int, Client] = {}
        self.rows: dict[int, PaneRows] = {}
        self.readers: set[int] = set()
        self.dirty: set[int] = set()
        self.last_input = 0.0                                   # when a client last typed or pasted
        self._cold_turn = 0
        self.read_window: dict[int, tuple[float, int]] = {}     # pane id -> (interval start, bytes_read then)
        self.sync_since: dict[int, float] = {}
        self.activity_watch: dict[int, int] = {}    # pane id -> bytes_read when its output would first flag `#`
        self.silence_marks: dict[int, tuple[int, float, bool]] = {}   # pane id -> (bytes_read, seen at, armed)
        self.notified_at: dict[int, float] = {}     # pane id -> when its last notification went to the clients
        self.rang_at: dict[int, float] = {}         # pane id -> when its last bell counted
        self.last_flush = 0.0
        self.flush_handle: asyncio.Handle | None = None
        self.titles_handle: asyncio.Handle | None = None    # a layout send for changed titles, at most per FRAME_S
        self.loop: asyncio.AbstractEventLoop = asyncio.new_event_loop()
        self.listener: socket.socket | None = None
        self.stopping = False
        self._last_error: tuple[str, int] | None = None
        self.exit_when_empty = True     # `mux soak` drives a server in-process and ends it itself
        self.exit_status = 0
        self.loop.call_later(COLD_TICK_S, self._cold_tick)     # also for `mux soak`, which drives the loop itself
        # Children see where their server is (and a nested `mux` refuses to attach to itself, as tmux's $TMUX).
        self.child_env = {**os.environ, "MUX": f"{path},{os.getpid()}"}

    # ------------------------------------------------------------------ lifecycle

    def listen(self) -> None:
        """Bind the socket at `path` (0600), replacing a stale one. Raises OSError if a live server has it."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)
        try:
            try:
                sock.bind(self.path)
            except OSError as e:
                if e.errno != errno.EADDRINUSE:
                    raise
                if not remove_stale(Path(self.path)):
                    raise
                sock.bind(self.path)
        finally:
            os.umask(old_umask)
        os.chmod(self.path, 0o600)
        sock.listen(64)
        sock.setblocking(False)
        self.listener = sock
        self.loop.add_reader(sock.fileno(), self._accept)

    def run(self) -> int:
        """Serve until the last session ends or kill-server. Returns the exit status."""
        loop = self.loop
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(self._loop_exception)
        if threading.current_thread() is threading.main_thread():     # (tests run a server in a thread)
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.stop)
            loop.add_signal_handler(signal.SIGHUP, lambda: None)    # a daemon has no terminal to lose
        self._schedule_slow_tick()
        try:
            loop.run_forever()
        except BaseException as e:      # noqa: BLE001 - a crash is logged with its traceback, clients told
            self.crash(e)
        finally:
            self._teardown()
        return self.exit_status

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        """An error escaped a callback: the traceback goes to the log, one line to every attached client, and
        the server carries on (the other panes and clients lose nothing)."""
        exc = context.get("exception")
        line = f"mux server error: {type(exc).__name__}: {exc}" if exc else "mux server error"
        now = time.monotonic()
        if self._last_error == (line, int(now)):
            return      # the same error again within the second: once in the log is enough
        self._last_error = (line, int(now))
        text = "".join(traceback.format_exception(exc)) if exc else context.get("message", "")
        log.error("unhandled error in the server loop:\n%s", text)
        for client in list(self.clients.values()):
            if client.session is not None:
                client.send({"t": "message", "text": line[:200] + " (details in the server log)"})

    def stop(self) -> None:
        if not self.stopping:
            self.stopping = True
            self.loop.call_soon(self.loop.stop)

    def _teardown(self) -> None:
        for client in list(self.clients.values()):
            if client.session is not None:
                client.send({"t": "exited", "session": client.session.name})
            self._drain(client)
            self.drop_client(client)
        for session in list(self.sessions.values()):
            session.close()
        self.sessions.clear()
        if self.listener is not None:
            self.loop.remove_reader(self.listener.fileno())
            self.listener.close()
            try:
                os.unlink(self.path)
            except OSError:
                pass
        log.info("server exiting; OS-tagged page bytes left: %d", memory.os_tagged_bytes())
        self.loop.close()

    @staticmethod
    def _drain(client: Client, timeout: float = 0.5) -> None:
        """Best effort: push a closing client's last messages out before the socket closes."""
        deadline = time.monotonic() + timeout
        try:
            client.sock.setblocking(True)
            client.sock.settimeout(max(0.01, deadline - time.monotonic()))
            if client.out:
                client.sock.sendall(client.out)
                client.out.clear()
        except OSError:
            pass

    def crash(self, exc: BaseException) -> None:
        """A fatal error: log it, tell every client in one line, and stop."""
        log.critical("server crashed:\n%s", "".join(traceback.format_exception(exc)))
        for client in list(self.clients.values()):
            client.send({"t": "error", "message": f"the mux server crashed ({type(exc).__name__}: {exc}); "
                                                  f"see its log"})
            self._drain(client)
        self.exit_status = 1
        self.stopping = True

    # ------------------------------------------------------------------ clients

    def _accept(self) -> None:
        assert self.listener is not None
        while True:
            try:
                sock, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                log.warning("accept failed: %s", e)
                return
            try:
                uid = peer_uid(sock)
            except OSError:
                uid = -1
            if uid != os.getuid():
                log.warning("refused a connection from uid %d", uid)
                sock.close()
                continue
            sock.setblocking(False)
            client = Client(self, sock)
            self.clients[client.id] = client
            self.loop.add_reader(sock.fileno(), self._client_readable, client)

    def drop_client(self, client: Client) -> None:
        if client.closed:
            return
        client.closed = True
        self.clients.pop(client.id, None)
        try:
            self.loop.remove_reader(client.sock.fileno())
            if client.writing:
                self.loop.remove_writer(client.sock.fileno())
        except (ValueError, OSError):
            pass
        client.sock.close()
        session = client.session
        client.session = None
        if session is not None and session.name in self.sessions:
            self.fit_session(session)

    def _client_readable(self, client: Client) -> None:
        try:
            data = client.sock.recv(RECV_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.drop_client(client)
            return
        try:
            messages = client.decoder.feed(data)
        except protocol.ProtocolError as e:
            log.warning("client %d: %s; disconnecting it", client.id, e)
            client.send({"t": "error", "message": f"protocol error: {e}"})
            client.close_when_flushed = True
            client.flush()
            return
        for message in messages:
            if client.closed or client.close_when_flushed:
                return
            try:
                self._handle(client, message)
            except Exception as e:      # one bad request never takes the server down
                log.error("client %d: %s failed:\n%s", client.id, message.get("t"), traceback.format_exc())
                client.send({"t": "error", "message": f"{message.get('t')}: {type(e).__name__}: {e}"})

    # ------------------------------------------------------------------ requests

    def _handle(self, client: Client, message: dict[str, Any]) -> None:
        kind = message["t"]
        handler: Callable[[Client, dict[str, Any]], None] | None = getattr(self, f"on_{kind}", None)
        if handler is None:
            raise protocol.ProtocolError(f"unexpected {kind}")
        handler(client, message)

    def on_hello(self, client: Client, message: dict[str, Any]) -> None:
        if message["version"] != protocol.PROTOCOL_VERSION:
            client.send({"t": "error", "message": protocol.version_mismatch(message["version"],
                                                                           protocol.PROTOCOL_VERSION)})
            client.close_when_flushed = True
            client.flush()
            return
        client.size = _window_area(message["cols"], message["rows"])
        client.send({"t": "welcome", "version": protocol.PROTOCOL_VERSION, "pid": os.getpid()})

    def on_list(self, client: Client, message: dict[str, Any]) -> None:
        client.send({"t": "sessions", "sessions": self.session_list()})

    def session_list(self) -> list[dict[str, Any]]:
        out = []
        for session in self.sessions.values():
            attached = sum(1 for c in self.clients.values() if c.session is session)
            stats = [p.terminal.stats() for p in session.panes()]
            out.append({"name": session.name, "windows": len(session.windows),
                        "panes": sum(1 for _ in session.panes()), "attached": attached,
                        "created": session.created, "page_bytes": sum(st["bytes"] for st in stats),
                        "mapped_bytes": sum(st["mapped_bytes"] for st in stats), "size": list(session.size),
                        "cold_pages": sum(st["cold"]["pages"] for st in stats),
                        "cold_bytes": sum(st["cold"]["bytes"] for st in stats),
                        "cold_raw_bytes": sum(st["cold"]["raw_bytes"] for st in stats),
                        "server_rss": memory.process_rss()})
        return out

    def on_new(self, client: Client, message: dict[str, Any]) -> None:
        name = message["name"]
        if name is not None:
            name = name.strip()
            if not name or any(not c.isprintable() or c in ":." for c in name) or len(name) > 64:
                raise ValueError(f"invalid session name {name!r} (printable, no ':' or '.', at most 64)")
            if name in self.sessions:
                client.send({"t": "error", "message": f"duplicate session: {name}"})
                return
        else:
            name = next(str(i) for i in range(len(self.sessions) + 1) if str(i) not in self.sessions)
        options = _pane_options(message["options"])
        options["cwd"] = message["cwd"] if message["cwd"] and os.path.isdir(message["cwd"]) else None
        command = message["command"]
        if command is not None and not (command and all(isinstance(a, str) for a in command)):
            raise ValueError("the command must be a non-empty list of strings")
        session = self.create_session(name, command, options, client.size)
        if message["detached"]:
            client.send({"t": "ok"})
        else:
            self.attach(client, session)

    def create_session(self, name: str, command: list[str] | None, options: dict[str, Any],
                       size: tuple[int, int], env: dict[str, str] | None = None) -> Session:
        """A new session with one window running `command` (None: the shell in `options`). `env` replaces the
        environment its panes start from (default: the server's, with $MUX set)."""
        if env is not None:
            options = {**options, "env": {**env, "MUX": self.child_env["MUX"]}}
        session = Session(name, self._spawner(options), self._release, size, command, options)
        self.sessions[name] = session
        try:
            session.new_window()
        except Exception:
            del self.sessions[name]
            raise
        log.info("session %s created (%s)", name, " ".join(command or [options.get("shell") or default_shell()]))
        return session

    def on_attach(self, client: Client, message: dict[str, Any]) -> None:
        target = message["target"]
        session = self._find_session(target)
        if session is None:
            client.send({"t": "error", "message": f"can't find session: {target}" if target else "no sessions"})
            return
        if message["detach_others"]:
            for other in list(self.clients.values()):
                if other is not client and other.session is session:
                    self.detach(other, "detached by another client")
        self.attach(client, session)

    def _find_session(self, target: str | None) -> Session | None:
        if not self.sessions:
            return None
        if target is None:      # as tmux: the most recently created session
            return max(self.sessions.values(), key=lambda s: s.created)
        if target in self.sessions:
            return self.sessions[target]
        matches = [s for s in self.sessions.values() if s.name.startswith(target)]
        return matches[0] if len(matches) == 1 else None

    def attach(self, client: Client, session: Session) -> None:
        client.session = session
        client.seen.clear()
        client.frames_in_flight = 0
        client.layout_sent = b""
        client.send({"t": "attached", "session": session.name})
        self.fit_session(session)
        self.send_layout(client)
        self.send_frame(client)

    def detach(self, client: Client, reason: str = "detached") -> None:
        session = client.session
        if session is None:
            return
        client.send({"t": "detached", "session": session.name, "reason": reason})
        client.session = None
        client.close_when_flushed = True
        client.flush()
        self.fit_session(session)

    def on_detach(self, client: Client, message: dict[str, Any]) -> None:
        self.detach(client)

    def on_kill_session(self, client: Client, message: dict[str, Any]) -> None:
        session = self._find_session(message["target"])
        if session is None:
            client.send({"t": "error", "message": f"can't find session: {message['target']}"})
            return
        self.end_session(session)
        client.send({"t": "ok"})

    def on_kill_server(self, client: Client, message: dict[str, Any]) -> None:
        client.send({"t": "ok"})
        self._drain(client)
        self.stop()

    def on_resize(self, client: Client, message: dict[str, Any]) -> None:
        client.size = _window_area(message["cols"], message["rows"])
        if client.session is not None:
            self.fit_session(client.session)

    def on_want_stats(self, client: Client, message: dict[str, Any]) -> None:
        client.want_stats = message["on"]
        if client.want_stats:
            self.send_stats(client)

    def _attached(self, client: Client) -> Session:
        if client.session is None:
            raise ValueError("not attached to a session")
        return client.session

    def on_key(self, client: Client, message: dict[str, Any]) -> None:
        self.last_input = time.monotonic()
        session = self._attached(client)
        pane = session.active_pane
        if pane is None:
            return
        copy = pane.copy_mode
        if copy.active and not copy.follow_screen():
            action = copy.key(message["key"], pane.terminal.lines)
            self._copy_action(client, session, pane, action)
            self.pane_changed(pane)
            return
        terminal = pane.terminal
        data = encode_key(message["key"], message["char"], cursor_keys_application=terminal.cursor_keys_application,
                          keypad_application=terminal.keypad_application)
        if data:
            self.write_to_pane(pane, data)

    def on_paste(self, client: Client, message: dict[str, Any]) -> None:
        self.last_input = time.monotonic()
        pane = self._attached(client).active_pane
        if pane is None or pane.copy_mode.active:
            return
        text = message["text"][:protocol.MAX_PASTE]
        self.write_to_pane(pane, encode_paste(text, bracketed=pane.terminal.bracketed_paste))

    def on_focus(self, client: Client, message: dict[str, Any]) -> None:
        pane = self._attached(client).active_pane
        if pane is not None and pane.terminal.focus_events:
            self.write_to_pane(pane, encode_focus(message["focused"]))

    def on_mouse(self, client: Client, message: dict[str, Any]) -> None:
        session = self._attached(client)
        found = session.find_pane(message["pane"])
        if found is None or found[0] is not session.current:
            return
        window, pane = found
        action, button, x, y = message["action"], message["button"], message["x"], message["y"]
        terminal, copy = pane.terminal, pane.copy_mode
        if not (0 <= x < terminal.columns and 0 <= y < terminal.lines) and action != "release" and \
                client.drag_from is None:
            return
        if action == "press":
            if window.active != pane.id:
                self.set_active(session, pane.id)
            if message["ctrl"] and button == 1:
                uri = self.link_at(pane, x, y)
                if uri is not None:
                    client.send({"t": "open", "uri": uri})
                    return
        if terminal.mouse_tracking is not None and not copy.active:
            data = encode_mouse(action, button, x, y, shift=message["shift"], meta=message["meta"],
                                ctrl=message["ctrl"], tracking=terminal.mouse_tracking,
                                encoding=terminal.mouse_encoding)
            if data:
                self.write_to_pane(pane, data)
            return
        height = terminal.lines
        if action in ("scroll_up", "scroll_down"):
            if terminal.in_alternate and not copy.active:     # less, man: the wheel sends arrow keys
                data = encode_key("up" if action == "scroll_up" else "down", None,
                                  cursor_keys_application=terminal.cursor_keys_application)
                if data:
                    self.write_to_pane(pane, data * 3)
                return
            copy.wheel(-3 if action == "scroll_up" else 3, height)
        elif action == "press" and button == 1:
            client.drag_from = (pane.id, x, y)
        elif action == "move" and client.drag_from is not None and client.drag_from[0] == pane.id:
            copy.drag(client.drag_from[1:], (x, y), height)
        elif action == "release" and client.drag_from is not None:
            client.drag_from = None
            if copy.active:
                self._copy_action(client, session, pane, copy.end_drag())
        else:
            return
        self.pane_changed(pane)

    @staticmethod
    def link_at(pane: Pane, x: int, y: int) -> str | None:
        copy = pane.copy_mode
        loc = copy.visible_rows(pane.terminal.lines)[y] if copy.active else pane.terminal.line(y)
        if loc is None:
            return None
        page, r = loc
        index = page.hyperlink_at(r, x)
        return None if index is None else page.hyperlink(index)[1]

    def _copy_action(self, client: Client, session: Session, pane: Pane, action: Any) -> None:
        if action.kind == "copy" and action.text:
            client.send({"t": "clipboard", "text": action.text})
            client.send({"t": "message", "text": f"copied {len(action.text)} characters"})
        elif action.kind == "prompt-search":
            client.send({"t": "prompt", "kind": "search", "backward": action.backward})

    # ------------------------------------------------------------------ commands (mux actions)

    def on_command(self, client: Client, message: dict[str, Any]) -> None:
        session = self._attached(client)
        name, args = message["name"], message["args"]
        pane = session.active_pane
        try:
            self._command(client, session, name, args)
        except LayoutError as e:
            client.send({"t": "message", "text": str(e)})
        if session.name in self.sessions:
            if pane is not None and session.active_pane is not pane:
                self._focus_moved(pane, session.active_pane)
            self.layout_changed(session)

    def _command(self, client: Client, session: Session, name: str, args: list[Any]) -> None:
        def arg(i: int, kind: type) -> Any:
            if len(args) <= i or not isinstance(args[i], kind) or isinstance(args[i], bool) and kind is not bool:
                raise ValueError(f"{name}: argument {i + 1} must be a {kind.__name__}")
            return args[i]

        def direction(i: int) -> str:
            value = arg(i, str)
            if value not in DIRECTIONS:
                raise ValueError(f"{name}: unknown direction {value!r}"[:80])
            return value

        pane = session.active_pane
        if name == "split-right":
            session.split(HORIZONTAL)
        elif name == "split-down":
            session.split(VERTICAL)
        elif name == "new-window":
            session.new_window()
        elif name == "next-window":
            session.cycle_window(1)
        elif name == "prev-window":
            session.cycle_window(-1)
        elif name == "select-window":
            session.select_index(arg(0, int))
        elif name == "focus":
            session.focus(direction(0))
        elif name == "select-pane":
            session.select_pane(arg(0, int))
        elif name == "resize":
            session.resize_pane(direction(0))
        elif name == "drag":
            path = arg(0, list)
            if not all(isinstance(p, int) and not isinstance(p, bool) for p in path):
                raise ValueError("drag: the path must be a list of numbers")
            session.drag(tuple(path), arg(1, int), arg(2, int))
        elif name == "zoom":
            session.zoom()
        elif name == "next-layout":
            client.send({"t": "message", "text": f"layout {session.next_layout()}"})
        elif name == "select-layout":
            client.send({"t": "message", "text": f"layout {session.select_layout(arg(0, str))}"})
        elif name == "swap-pane":
            step = arg(0, str)
            if step not in ("prev", "next"):
                raise ValueError(f"swap-pane: expected prev or next, got {step!r}"[:80])
            session.swap_pane(-1 if step == "prev" else 1)
        elif name == "break-pane":
            session.break_pane()
        elif name == "next-pane":
            session.next_pane()
        elif name == "last-pane":
            if not session.last_pane():
                raise LayoutError("no last pane")
        elif name == "close-pane":
            if pane is not None:
                self.close_pane(session, pane.id)
        elif name == "kill-window":
            session.kill_window()
            if session.empty:
                self.end_session(session)
        elif name == "rename-window":
            session.rename_window(arg(0, str))
        elif name == "rename-session":
            self.rename_session(session, arg(0, str))
        elif name == "switch-session":
            target = self._find_session(arg(0, str))
            if target is None:
                raise LayoutError(f"can't find session: {args[0]}")
            old = client.session
            self.attach(client, target)
            if old is not None and old is not target:
                self.fit_session(old)
        elif name == "scrollback":
            if pane is not None:
                pane.copy_mode.enter()
                self.pane_changed(pane)
        elif name == "copy-search":
            if pane is not None and pane.copy_mode.active:
                pane.copy_mode.search(arg(0, str), arg(1, bool), pane.terminal.lines)
                self.pane_changed(pane)
        elif name == "list-sessions":
            client.send({"t": "sessions", "sessions": self.session_list()})
        else:
            raise ValueError(f"unknown command {name!r}"[:80])

    def rename_session(self, session: Session, name: str) -> None:
        name = name.strip()
        if not name or any(not c.isprintable() or c in ":." for c in name) or len(name) > 64:
            raise LayoutError("a session name is printable, without ':' or '.', at most 64 characters")
        if name == session.name:
            return
        if name in self.sessions:
            raise LayoutError(f"duplicate session: {name}")
        del self.sessions[session.name]
        session.name = name
        self.sessions[name] = session

    # ------------------------------------------------------------------ panes and PTY I/O

    def _spawner(self, options: dict[str, Any]) -> Callable[[list[str] | None, int, int], Pane]:
        def spawn(command: list[str] | None, cols: int, rows: int) -> Pane:
            argv = command or [options.get("shell") or default_shell()]
            holder: list[Pane] = []
            pane = Pane(argv, cols, rows, cwd=options.get("cwd"), env=options.get("env") or self.child_env,
                        scrollback_bytes=options.get("scrollback_bytes", DEFAULT_LIMIT_BYTES),
                        scrollback_lines=options.get("scrollback_lines"), palette=options.get("palette"),
                        on_clipboard=lambda target, text: self._child_clipboard(holder[0], text),
                        on_bell=lambda: self._child_bell(holder[0]),
                        on_notify=lambda title, body: self._child_notify(holder[0], title, body),
                        on_title=lambda title: self._child_title())
            holder.append(pane)
            self.rows[pane.id] = PaneRows()
            self.loop.add_reader(pane.fd, self._pane_readable, pane)
            self.readers.add(pane.id)
            return pane
        return spawn

    def _stop_watching(self, pane: Pane) -> None:
        """No more reading or writing the pane's PTY on the loop."""
        if pane.id in self.readers:
            self.readers.discard(pane.id)
            try:
                self.loop.remove_reader(pane.fd)
                self.loop.remove_writer(pane.fd)
            except (ValueError, OSError):
                pass

    def _release(self, pane: Pane) -> None:
        self._stop_watching(pane)
        self.rows.pop(pane.id, None)
        self.read_window.pop(pane.id, None)
        self.dirty.discard(pane.id)
        self.sync_since.pop(pane.id, None)
        self.activity_watch.pop(pane.id, None)
        self.silence_marks.pop(pane.id, None)
        self.notified_at.pop(pane.id, None)
        self.rang_at.pop(pane.id, None)
        pane.close()

    def _session_of(self, pane: Pane) -> Session | None:
        for session in self.sessions.values():
            if session.find_pane(pane.id) is not None:
                return session
        return None

    def _child_clipboard(self, pane: Pane, text: str) -> None:
        session = self._session_of(pane)
        if session is None or not session.options.get("osc52_write"):
            return
        for client in self._clients_of(session):
            client.send({"t": "clipboard", "text": text})

    def _child_title(self) -> None:
        """A program set its title (OSC 0/2): the border titles and window names follow at the next FRAME_S, not
        at the slow tick; a program setting titles in a loop still costs one layout per FRAME_S at most."""
        if self.titles_handle is None:
            self.titles_handle = self.loop.call_later(FRAME_S, self._send_titles)

    def _send_titles(self) -> None:
        self.titles_handle = None
        for client in list(self.clients.values()):
            self.send_layout(client)     # only to those whose layout changed

    def _child_bell(self, pane: Pane) -> None:
        now = time.monotonic()
        if now - self.rang_at.get(pane.id, -BELL_INTERVAL_S) < BELL_INTERVAL_S:
            return      # a flood of BELs is one bell per interval, not a message per byte
        self.rang_at[pane.id] = now
        session = self._session_of(pane)
        if session is not None:
            for client in self._clients_of(session):
                client.send({"t": "bell"})
            if session.options.get("bell"):
                self._alert(session, pane, BELL)

    def _child_notify(self, pane: Pane, title: str, body: str) -> None:
        """A desktop notification (already sanitised by the Terminal): the window's `!`, and the clients."""
        session = self._session_of(pane)
        if session is None:
            return
        now = time.monotonic()
        if now - self.notified_at.get(pane.id, -NOTIFY_INTERVAL_S) >= NOTIFY_INTERVAL_S:
            self.notified_at[pane.id] = now
            for client in self._clients_of(session):
                client.send({"t": "notify", "title": title, "body": body})
        if session.options.get("bell"):
            self._alert(session, pane, BELL)        # (after the notification: a client has it with the flag)

    def _alert(self, session: Session, pane: Pane, flag: str) -> None:
        """Flag the window of `pane` (never the current one); the clients get a layout only if the flags changed."""
        found = session.find_pane(pane.id)
        if found is not None and session.alert(found[0], flag):
            self._watch_activity(session)
            for client in self._clients_of(session):
                self.send_layout(client)

    def _watch_activity(self, session: Session) -> None:
        """Arm the panes whose next output flags their window `#` (windows that are not current and not flagged
        yet, when the `activity` option is on) and disarm the others."""
        on = session.options.get("activity")
        for window in session.windows:
            armed = on and window is not session.current and ACTIVITY not in window.alerts
            for pane in window.panes.values():
                if armed:
                    self.activity_watch.setdefault(pane.id, pane.bytes_read)
                else:
                    self.activity_watch.pop(pane.id, None)

    def _check_silence(self, session: Session, now: float) -> None:
        """Once a second (SLOW_TICK_S): a pane whose output stopped `silence` seconds ago flags its window `~`,
        once per stretch of quiet."""
        silence = session.options.get("silence")
        if not silence:
            return
        for window in session.windows:
            for pane in window.panes.values():
                seen, since, armed = self.silence_marks.get(pane.id, (0, now, False))
                if pane.bytes_read != seen:
                    self.silence_marks[pane.id] = (pane.bytes_read, now, True)
                elif armed and now - since >= silence:
                    self.silence_marks[pane.id] = (seen, since, False)
                    self._alert(session, pane, SILENCE)

    def _clients_of(self, session: Session) -> list[Client]:
        return [c for c in self.clients.values() if c.session is session]

    def _pane_readable(self, pane: Pane) -> None:
        if self._is_active(pane.id):
            deadline = time.monotonic() + FOCUSED_BUDGET_S
            for _ in range(FOCUSED_READS):
                if not pane.read() or time.monotonic() > deadline:
                    break
        else:
            self._pace(pane, pane.read(OTHER_READ))
        armed = self.activity_watch.get(pane.id)
        if armed is not None and pane.bytes_read > armed:
            del self.activity_watch[pane.id]        # (re-armed by _watch_activity if its window is still due)
            session = self._session_of(pane)
            if session is not None:
                self._alert(session, pane, ACTIVITY)
        if pane.wants_write:
            self._want_write(pane)
        if not pane.alive:
            self._pane_exited(pane)
            return
        self.pane_changed(pane)

    def _pace(self, pane: Pane, just_read: int) -> None:
        """While someone is typing, a pane they are not typing into is read at most TYPING_READ_BUDGET bytes per
        FRAME_S: its reader pauses until the next interval (the PTY holds the rest, so nothing is lost), which
        leaves the CPU to the echo. Without recent input every pane is read as fast as it writes."""
        now = time.monotonic()
        if now - self.last_input > TYPING_S:
            return
        start, used = self.read_window.get(pane.id, (0.0, 0))
        if now - start >= FRAME_S:
            start, used = now, pane.bytes_read - just_read
        self.read_window[pane.id] = (start, used)
        if pane.bytes_read - used < TYPING_READ_BUDGET or pane.id not in self.readers:
            return
        self.loop.remove_reader(pane.fd)

        def resume() -> None:
            if pane.id in self.readers and not pane.closed:
                self.loop.add_reader(pane.fd, self._pane_readable, pane)

        self.loop.call_later(max(0.0, start + FRAME_S - now), resume)

    def _pane_exited(self, pane: Pane) -> None:
        """The child is gone: close the pane, or keep its screen and history (the `remain_on_exit` option, as
        tmux's) with nothing left to read."""
        session = self._session_of(pane)
        if session is None:
            self._release(pane)
        elif session.options.get("remain_on_exit"):
            self._stop_watching(pane)
            self.pane_changed(pane)
        else:
            self.close_pane(session, pane.id)

    def _want_write(self, pane: Pane) -> None:
        def writable() -> None:
            if pane.flush_input() or not pane.alive:
                self.loop.remove_writer(pane.fd)

        self.loop.add_writer(pane.fd, writable)

    def write_to_pane(self, pane: Pane, data: bytes) -> None:
        if pane.copy_mode.active:
            return
        pane.write(data)
        if pane.wants_write:
            self._want_write(pane)

    def close_pane(self, session: Session, pane_id: int) -> None:
        session.close_pane(pane_id)
        if session.empty:
            self.end_session(session)
        else:
            self.layout_changed(session)

    def end_session(self, session: Session) -> None:
        if self.sessions.get(session.name) is not session:
            return
        del self.sessions[session.name]
        session.close()
        log.info("session %s ended", session.name)
        for client in self._clients_of(session):
            client.session = None
            client.send({"t": "exited", "session": session.name})
            client.close_when_flushed = True
            client.flush()
        if not self.sessions and self.exit_when_empty:
            self.stop()

    def set_active(self, session: Session, pane_id: int) -> None:
        old = session.active_pane
        session.select_pane(pane_id)
        if old is not session.active_pane:
            self._focus_moved(old, session.active_pane)
        self.layout_changed(session)

    def _focus_moved(self, old: Pane | None, new: Pane | None) -> None:
        """Focus reports (mode 1004) to the pane that lost and the pane that gained the focus, as tmux does."""
        if old is not None and not old.closed and old.terminal.focus_events:
            self.write_to_pane(old, encode_focus(False))
        if new is not None and new.terminal.focus_events:
            self.write_to_pane(new, encode_focus(True))

    # ------------------------------------------------------------------ sizes and layout

    def fit_session(self, session: Session) -> None:
        """The window area is the smallest of the attached clients' (tmux's window-size smallest)."""
        clients = self._clients_of(session)
        if clients:
            cols = min(c.size[0] for c in clients)
            rows = min(c.size[1] for c in clients)
            if session.set_size(cols, rows):
                self.layout_changed(session)
                for pane in session.current.panes.values() if session.current else ():
                    self.pane_changed(pane)

    def layout_changed(self, session: Session) -> None:
        self._watch_activity(session)       # the current window may have changed
        if session.current is not None:
            session.apply_sizes()
            for pane in session.current.panes.values():
                self.pane_changed(pane)
        for client in self._clients_of(session):
            self.send_layout(client)

    def layout_message(self, session: Session) -> dict[str, Any]:
        window: Window | None = session.current
        cols, rows = session.size
        panes, separators = [], []
        if window is not None:
            numbers = window.pane_numbers()
            for pane_id, rect in session.geometry(window).items():
                pane = window.panes[pane_id]
                panes.append([pane_id, rect.x, rect.y, rect.width, rect.height, pane.title, numbers[pane_id]])
            for sep in window.layout.separators(cols, rows):
                separators.append([sep.orientation, sep.x, sep.y, sep.length, list(sep.path), sep.index])
        return {"t": "layout", "session": session.name, "cols": cols, "rows": rows,
                "windows": [[w.index, w.display_name(), w is window, w.flags()] for w in session.windows],
                "panes": panes, "separators": separators,
                "active": window.active if window else None,
                "zoomed": bool(window and window.layout.zoomed is not None),
                "titles": [[t.pane, t.x, t.y, t.width, t.text] for t in session.title_lines(window)]}

    def send_layout(self, client: Client) -> None:
        if client.session is None:
            return
        message = self.layout_message(client.session)
        encoded = protocol.encode_server(message)
        if encoded != client.layout_sent:
            if client.send(message, droppable=True):
                client.layout_sent = encoded

    # ------------------------------------------------------------------ drawing

    def pane_changed(self, pane: Pane) -> None:
        """The pane's screen or copy mode changed: schedule a frame (now if none went out within FRAME_S)."""
        self.dirty.add(pane.id)
        if self.flush_handle is not None:
            return
        delay = self.last_flush + FRAME_S - time.monotonic()
        if delay <= 0:
            self.flush_handle = self.loop.call_soon(self.flush_frames)
        else:
            self.flush_handle = self.loop.call_later(delay, self.flush_frames)

    def flush_frames(self) -> None:
        self.flush_handle = None
        held: set[int] | None = None
        try:
            held = self._flush_frames()
        finally:        # after an error, or with a pane held dirty, try again next frame: nothing is left stale
            if self.flush_handle is None and (held is None or held):
                self.flush_handle = self.loop.call_later(FRAME_S, self.flush_frames)

    def _flush_frames(self) -> set[int]:
        """Encode the dirty visible panes and send each client its frame; returns the visible panes left dirty."""
        now = time.monotonic()
        self.last_flush = now
        visible = self._visible_panes()
        for pane_id in list(self.dirty):
            pane = visible.get(pane_id)
            if pane is None:
                if pane_id not in self.rows:
                    self.dirty.discard(pane_id)
                continue        # not shown to anyone: it is encoded when someone looks
            self._encode_if_due(pane, now)
        for client in list(self.clients.values()):
            if client.session is not None:
                self.send_frame(client, fresh=False)
        return self.dirty & visible.keys()

    def _encode_if_due(self, pane: Pane, now: float, *, first_look: bool = False) -> None:
        """Read a dirty pane's rows for clients, unless synchronized output holds it (it then stays dirty and the
        frame timer comes back to it)."""
        pane_id = pane.id
        if not first_look and pane.terminal.synchronized_output and not pane.copy_mode.active:
            since = self.sync_since.setdefault(pane_id, now)
            if now - since < SYNC_HOLD_S:
                return
        self.sync_since.pop(pane_id, None)
        self.dirty.discard(pane_id)
        self.rows[pane_id].update(pane)

    def _is_active(self, pane_id: int) -> bool:
        """Is the pane the active pane of a window some client is looking at (where its user types)?"""
        return any(c.session is not None and c.session.current is not None and c.session.current.active == pane_id
                   for c in self.clients.values())

    def _visible_panes(self) -> dict[int, Pane]:
        out: dict[int, Pane] = {}
        for client in self.clients.values():
            session = client.session
            if session is not None and session.current is not None:
                for pane_id in session.geometry():
                    out[pane_id] = session.current.panes[pane_id]
        return out

    def on_ack(self, client: Client, message: dict[str, Any]) -> None:
        client.frames_in_flight = max(0, client.frames_in_flight - 1)
        if client.frame_waiting:
            client.frame_waiting = False
            self.send_frame(client)

    def send_frame(self, client: Client, fresh: bool = True) -> None:
        """Send the client what it lacks of its current window. `fresh`: first bring the window's changed panes
        up to date (an attach, an acknowledged frame); the frame timer already has."""
        session = client.session
        if session is None or session.current is None or client.needs_full:
            return
        if client.frames_in_flight >= MAX_FRAMES_IN_FLIGHT:
            client.frame_waiting = True
            return
        styles: dict[tuple, int] = {}
        panes = []
        window = session.current
        now = time.monotonic()
        for pane_id in session.geometry():
            rows = self.rows.get(pane_id)
            if rows is None:
                continue
            if rows.generation == 0:
                self._encode_if_due(window.panes[pane_id], now, first_look=True)
            elif fresh and pane_id in self.dirty:
                self._encode_if_due(window.panes[pane_id], now)
            update = rows.message(pane_id, client.seen.get(pane_id, -1), styles)
            if update is not None:
                panes.append(update)
        if not panes:
            return
        if client.send({"t": "frame", "panes": panes, "styles": styles_table(styles)}, droppable=True):
            client.frames_in_flight += 1
            for update in panes:
                client.seen[update["id"]] = update["gen"]

    # ------------------------------------------------------------------ once a second

    def _schedule_slow_tick(self) -> None:
        self.loop.call_later(SLOW_TICK_S, self._slow_tick)

    def _slow_tick(self) -> None:
        try:
            now = time.monotonic()
            for session in list(self.sessions.values()):
                self._check_silence(session, now)
                clients = self._clients_of(session)
                for client in clients:
                    self.send_layout(client)     # window names follow titles; sent only when they changed
                    if client.want_stats:
                        self.send_stats(client)
        finally:
            self._schedule_slow_tick()

    def _cold_tick(self) -> None:
        """Freeze idle history pages (PageList.maintain), within COLD_BUDGET_S over all panes; who goes first
        rotates, so a busy pane cannot starve the others."""
        try:
            panes = [pane for session in self.sessions.values() for pane in session.panes()]
            deadline = time.perf_counter() + COLD_BUDGET_S
            for k in range(len(panes)):
                left = deadline - time.perf_counter()
                if left <= 0:
                    break
                panes[(self._cold_turn + k) % len(panes)].terminal.maintain_memory(left)
            self._cold_turn += 1
        finally:
            self.loop.call_later(COLD_TICK_S, self._cold_tick)

    def send_stats(self, client: Client) -> None:
        session = client.session
        if session is None or session.current is None:
            return
        figures = []
        for pane_id in session.current.layout.panes():
            if pane_id in session.geometry():
                pane = session.current.panes[pane_id]
                figures.append({"id": pane_id, "label": f"%{pane_id} {pane.title[:12]}",
                                "stats": pane.terminal.stats()})
        client.send({"t": "stats", "panes": figures, "rss": memory.process_rss()}, droppable=True)


def _window_area(cols: int, rows: int) -> tuple[int, int]:
    """A client's window area, within what a screen can be."""
    return max(1, min(MAX_DIMENSION, cols)), max(1, min(MAX_DIMENSION, rows))


def _pane_options(raw: dict[str, Any]) -> dict[str, Any]:
    """The options a client may set for a new session's panes, checked (anything else is ignored)."""
    out: dict[str, Any] = {"shell": None, "scrollback_bytes": DEFAULT_LIMIT_BYTES, "scrollback_lines": None,
                           "palette": None, "osc52_write": False, "bell": True, "activity": True, "silence": 0,
                           "border_titles": False}
    shell = raw.get("shell")
    if isinstance(shell, str) and shell:
        out["shell"] = shell
    limit = raw.get("scrollback_bytes")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit >= 0:
        out["scrollback_bytes"] = limit
    lines = raw.get("scrollback_lines")
    if isinstance(lines, int) and not isinstance(lines, bool) and lines > 0:
        out["scrollback_lines"] = lines
    palette = raw.get("palette")
    if isinstance(palette, list) and len(palette) == 256 and all(
            isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 0xFFFFFF for c in palette):
        out["palette"] = tuple(palette)
    out["osc52_write"] = raw.get("osc52_write") is True
    for flag in ("bell", "activity"):
        if isinstance(raw.get(flag), bool):
            out[flag] = raw[flag]
    silence = raw.get("silence")
    if isinstance(silence, int) and not isinstance(silence, bool) and silence >= 0:
        out["silence"] = silence
    out["border_titles"] = raw.get("border_titles") is True     # off unless asked: a pane gets the whole rect
    return out
