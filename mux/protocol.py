"""Every message between a mux client and the mux server: framing, encoding, limits and the version.

Owns: the wire format (a frame is a 4-byte big-endian payload length, then that many bytes of UTF-8 JSON holding
one object whose "t" names its type), the table of message types with the fields each must carry and their
types, the size limits, and the handshake (the client's first frame is `hello` with PROTOCOL_VERSION; the
server answers `welcome`, or `error` and closes).

Invariants:
- `Decoder.feed` either returns whole, valid messages or raises ProtocolError; it never raises anything else,
  whatever the bytes (garbage, truncation, huge lengths, non-UTF-8, non-objects, unknown types, missing or
  mistyped fields, a first frame that is not `hello`). A ProtocolError means: disconnect that peer.
- A declared length above `max_frame` is refused before any of the payload is buffered, so a peer can never make
  the other side hold more than `max_frame` + 4 bytes of one frame.
- `encode` refuses (ValueError) a message it could not decode itself: the two directions share one table.

Vocabulary of a drawn row (in `frame` messages): a list of runs `[text, style]`, where `style` indexes the frame's
`styles` table of `[fg, bg, underline_colour, attrs]` in mux.terminal.styles' encoding (the client resolves the
colours with its theme); joined, the texts of a row fill exactly the pane's columns (a wide character counts two).
Links are `[start, end, uri]` spans per row.

A `layout` message's `windows` are `[index, name, current, flags]` entries; `flags` is the window's alert flags in
tmux's order and characters (`#` activity, `!` bell or notification, `~` silence; "" for none, always "" for the
current window). A `notify` message is a desktop notification from a pane (OSC 9 or OSC 777), its title and body
free of control characters; a client cuts each to MAX_NOTIFY_TEXT characters before it shows or forwards them.
"""

from __future__ import annotations

import json
import struct
from typing import Any

PROTOCOL_VERSION = 1
HEADER = struct.Struct(">I")
MAX_FRAME = 8 * 1024 * 1024         # server -> client (a full redraw of a large pane with styles fits easily)
MAX_PASTE = 1024 * 1024             # characters of one paste (the client cuts a longer one)
MAX_CLIENT_FRAME = 8 * 1024 * 1024  # client -> server: a paste of MAX_PASTE characters, each JSON-escaped to 6 bytes
MAX_NOTIFY_TEXT = 1024              # characters of a notification's title, and of its body, that a client uses


class ProtocolError(ValueError):
    """A frame that breaks the protocol: the peer is disconnected."""


_STR, _INT, _BOOL, _LIST, _DICT = str, int, bool, list, dict
_OPT_STR = (str, type(None))
_OPT_INT = (int, type(None))
_OPT_LIST = (list, type(None))

# type -> {field: accepted type(s)}. Fields not listed are ignored, so a newer peer may add optional fields.
CLIENT_MESSAGES: dict[str, dict[str, Any]] = {
    "hello": {"version": _INT, "cols": _INT, "rows": _INT},
    # create a session and attach to it (unless detached); options: shell, scrollback limits, palette
    "new": {"name": _OPT_STR, "command": _OPT_LIST, "cwd": _OPT_STR, "detached": _BOOL, "options": _DICT},
    "attach": {"target": _OPT_STR, "detach_others": _BOOL},
    "list": {},
    "kill_session": {"target": _STR},
    "kill_server": {},
    "detach": {},
    "resize": {"cols": _INT, "rows": _INT},                 # the client's window area, status lines excluded
    "key": {"key": _STR, "char": _OPT_STR},                 # Textual key name and character, to the active pane
    "paste": {"text": _STR},
    "mouse": {"pane": _INT, "action": _STR, "button": _INT, "x": _INT, "y": _INT,
              "shift": _BOOL, "meta": _BOOL, "ctrl": _BOOL},
    "focus": {"focused": _BOOL},                            # the client's terminal gained or lost focus
    "command": {"name": _STR, "args": _LIST},               # a mux action (split, new-window, ...), see server
    "want_stats": {"on": _BOOL},
    "ack": {},                                              # a frame was applied: the server may send another
}

SERVER_MESSAGES: dict[str, dict[str, Any]] = {
    "welcome": {"version": _INT, "pid": _INT},
    "error": {"message": _STR},                             # one line for the user; the server may close after
    "sessions": {"sessions": _LIST},                        # answer to `list`
    "ok": {},                                               # a command that has no other answer succeeded
    "attached": {"session": _STR},
    "detached": {"session": _STR, "reason": _STR},          # the client restores its terminal and exits
    "exited": {"session": _STR},                            # the session ended (its last pane closed)
    # a layout's "panes" are [[id, x, y, width, height, title, number]] in pane order (number: tmux's pane index);
    # optional in a layout: "titles", the pane title lines [[pane, x, y, width, text]] (absent: none)
    "layout": {"session": _STR, "windows": _LIST, "cols": _INT, "rows": _INT, "panes": _LIST,
               "separators": _LIST, "active": _OPT_INT, "zoomed": _BOOL},
    "frame": {"panes": _LIST, "styles": _LIST},
    "stats": {"panes": _LIST, "rss": _OPT_INT},
    "message": {"text": _STR},
    "prompt": {"kind": _STR, "backward": _BOOL},            # the client asks its user for a search string
    "clipboard": {"text": _STR},
    "open": {"uri": _STR},                                  # ctrl+click on a link: the client may open it
    "bell": {},
    "notify": {"title": _STR, "body": _STR},               # a pane's desktop notification (OSC 9 / OSC 777)
}


def encode(message: dict[str, Any], table: dict[str, dict[str, Any]] | None = None,
           max_frame: int = MAX_FRAME) -> bytes:
    """One frame for `message`. Raises ValueError for a message its receiver would refuse."""
    if table is not None:
        _validate(message, table)
    text = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
    try:
        payload = text.encode("utf-8")
    except UnicodeEncodeError:      # a lone surrogate (a path that is not UTF-8): \u-escaped, it decodes the same
        payload = json.dumps(message, separators=(",", ":")).encode("ascii")
    if len(payload) > max_frame:
        raise ValueError(f"message of {len(payload)} bytes is over the {max_frame}-byte frame limit")
    return HEADER.pack(len(payload)) + payload


def encode_client(message: dict[str, Any]) -> bytes:
    return encode(message, CLIENT_MESSAGES, MAX_CLIENT_FRAME)


def encode_server(message: dict[str, Any]) -> bytes:
    return encode(message, SERVER_MESSAGES, MAX_FRAME)


def _validate(message: Any, table: dict[str, dict[str, Any]]) -> None:
    if not isinstance(message, dict):
        raise ProtocolError("a message must be a JSON object")
    kind = message.get("t")
    fields = table.get(kind) if isinstance(kind, str) else None
    if fields is None:
        raise ProtocolError(f"unknown message type {kind!r}"[:120])
    for name, accepted in fields.items():
        if name not in message:
            raise ProtocolError(f"{kind}: missing field {name!r}")
        value = message[name]
        # bool is an int subclass: an int field must not take true/false, a bool field only takes them
        if isinstance(value, bool) and accepted is not bool and not (isinstance(accepted, tuple) and bool in accepted):
            raise ProtocolError(f"{kind}: field {name!r} has the wrong type")
        if not isinstance(value, accepted):
            raise ProtocolError(f"{kind}: field {name!r} has the wrong type")


class Decoder:
    """Bytes in, validated messages out. One per connection and direction."""

    def __init__(self, table: dict[str, dict[str, Any]], max_frame: int, *, expect_hello: bool = False) -> None:
        self.table = table
        self.max_frame = max_frame
        self.expect_hello = expect_hello
        self._buffer = bytearray()

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._buffer += data
        messages = []
        buffer = self._buffer
        while len(buffer) >= HEADER.size:
            (length,) = HEADER.unpack_from(buffer)
            if length > self.max_frame:
                raise ProtocolError(f"frame of {length} bytes is over the {self.max_frame}-byte limit")
            if len(buffer) < HEADER.size + length:
                break
            payload = bytes(buffer[HEADER.size:HEADER.size + length])
            del buffer[:HEADER.size + length]
            try:
                message = json.loads(payload.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                raise ProtocolError("a frame is not UTF-8 JSON") from None
            _validate(message, self.table)
            if self.expect_hello:
                if message["t"] != "hello":
                    raise ProtocolError(f"the first message must be hello, not {message['t']}")
                self.expect_hello = False
            messages.append(message)
        return messages


def client_decoder() -> Decoder:
    """What the server uses to read a client: client messages, hello first."""
    return Decoder(CLIENT_MESSAGES, MAX_CLIENT_FRAME, expect_hello=True)


def server_decoder() -> Decoder:
    """What a client uses to read the server."""
    return Decoder(SERVER_MESSAGES, MAX_FRAME)


def hello(cols: int, rows: int) -> dict[str, Any]:
    return {"t": "hello", "version": PROTOCOL_VERSION, "cols": cols, "rows": rows}


def version_mismatch(client: int, server: int) -> str:
    """The one line a client shows when it and the server speak different protocol versions."""
    return (f"this mux speaks protocol {client} but the running server speaks {server}: run `mux kill-server` "
            f"(or use -L NAME for another server) to start one of this version")
