"""A client's connection to the mux server: connect, handshake, send requests, receive messages.

Owns: the client end of the socket (checked safe before connecting), the version handshake, encoding requests and
decoding the server's frames. No Textual import: `mux ls` and the tests use it as it is; the app watches `fileno()`
with its event loop and calls `receive()` when readable.

Invariants: a server that breaks the protocol, speaks another version or closes the connection raises
ConnectionLost with one line for the user; nothing else escapes.
"""

from __future__ import annotations

import errno
import socket
import time
from pathlib import Path
from typing import Any

from mux import protocol


class ConnectionLost(Exception):
    """The server went away or broke the protocol: one line for the user."""


class NoServer(Exception):
    """Nothing listens at the socket."""


class Connection:
    def __init__(self, path: Path, size: tuple[int, int] = (80, 24), timeout: float = 5.0) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.timeout = timeout
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError) as e:
            self.sock.close()
            raise NoServer(str(path)) from e
        except OSError as e:
            self.sock.close()
            if e.errno in (errno.ENOENT, errno.ECONNREFUSED):
                raise NoServer(str(path)) from e
            raise ConnectionLost(f"cannot connect to {path}: {e.strerror}") from None
        self.decoder = protocol.server_decoder()
        self.pending: list[dict[str, Any]] = []
        self.out = bytearray()
        self.send(protocol.hello(*size))
        welcome = self.wait_for("welcome")
        self.server_pid = welcome["pid"]

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fileno(self) -> int:
        return self.sock.fileno()

    def send(self, message: dict[str, Any]) -> None:
        """Send a request. In non-blocking mode what the socket does not take now waits in `out` (flush_out)."""
        try:
            data = protocol.encode_client(message)
        except (ValueError, protocol.ProtocolError) as e:
            raise ConnectionLost(f"cannot send {message.get('t')}: {e}") from None
        if self.sock.gettimeout() == 0.0:
            self.out += data
            self.flush_out()
            return
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise ConnectionLost(f"the mux server went away ({e.strerror or e})") from None

    def flush_out(self) -> bool:
        """Write what is pending without blocking. True when nothing is left."""
        while self.out:
            try:
                n = self.sock.send(self.out)
            except (BlockingIOError, InterruptedError):
                return False
            except OSError as e:
                raise ConnectionLost(f"the mux server went away ({e.strerror or e})") from None
            del self.out[:n]
        return True

    def receive(self) -> list[dict[str, Any]]:
        """What has arrived (non-blocking mode: possibly nothing). Raises ConnectionLost at EOF."""
        messages, self.pending = self.pending, []
        while True:
            try:
                data = self.sock.recv(1 << 18)
            except (BlockingIOError, InterruptedError):
                break
            except TimeoutError:
                break
            except OSError as e:
                raise ConnectionLost(f"the mux server went away ({e.strerror or e})") from None
            if not data:
                if messages:
                    self.pending.append({"t": "error", "message": "lost the connection to the mux server"})
                    return messages
                raise ConnectionLost("lost the connection to the mux server")
            try:
                messages.extend(self.decoder.feed(data))
            except protocol.ProtocolError as e:
                raise ConnectionLost(f"the mux server broke the protocol: {e}") from None
            if self.sock.gettimeout() != 0.0 or len(data) < (1 << 18):
                break
        return messages

    def wait_for(self, *kinds: str) -> dict[str, Any]:
        """Blocking: the next message of one of `kinds` (others are kept for `receive`). An `error` raises."""
        kept: list[dict[str, Any]] = []
        deadline = time.monotonic() + (self.sock.gettimeout() or self.timeout)
        try:
            while True:
                if time.monotonic() > deadline:
                    raise ConnectionLost(f"the mux server did not answer within {self.timeout:g} s")
                batch = self.receive()
                for i, message in enumerate(batch):
                    if message["t"] in kinds or message["t"] == "error":
                        kept.extend(batch[i + 1:])
                        if message["t"] == "error":
                            raise ConnectionLost(message["message"])
                        return message
                    kept.append(message)
        finally:
            self.pending = kept + self.pending

    def request(self, message: dict[str, Any], *kinds: str) -> dict[str, Any]:
        self.send(message)
        return self.wait_for(*kinds)

    def set_nonblocking(self) -> None:
        self.sock.setblocking(False)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
