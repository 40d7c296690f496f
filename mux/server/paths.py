"""Where a mux server's socket and log live, and the rules that keep them safe (tmux's rules).

Owns:
- the socket directory ``${MUX_TMPDIR:-${XDG_RUNTIME_DIR:-/tmp}}/mux-UID`` and the socket ``NAME`` inside it
  (``-L NAME`` picks another server, ``default`` otherwise);
- the state directory ``${XDG_STATE_HOME:-~/.local/state}/mux`` that holds ``server-NAME.log``.

Invariants:
- The socket directory is a real directory (not a symlink), owned by the user, mode 0700 (no group or other
  bits). Anything else is refused with one line (``SocketError``, exit status 2); an existing directory is
  never chmod-ed to make it pass, as tmux refuses too.
- The socket itself is made 0600 by the server (umask 0o177 around ``bind``), and every connection's peer uid
  is checked with ``peer_uid`` (SO_PEERCRED); that part lives in the server, not here.
- A stale socket (a dead server's file: connecting gives ECONNREFUSED) is detected by ``probe`` and replaced
  with ``remove_stale``; a starting server never fails with "address in use" because of one, and never removes
  a live socket or a file that is not a socket.
- A Unix socket path is at most 107 bytes; a longer one is refused up front, suggesting MUX_TMPDIR.

No Textual import here or anywhere in mux.server.
"""

from __future__ import annotations

import errno
import os
import socket
import stat
import struct
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "MAX_NAME_BYTES",
    "MAX_SOCKET_PATH_BYTES",
    "SocketError",
    "check_socket_dir",
    "ensure_socket_dir",
    "log_path",
    "peer_uid",
    "probe",
    "remove_stale",
    "socket_dir",
    "socket_path",
    "state_dir",
]

MAX_NAME_BYTES = 100
# sockaddr_un.sun_path is 108 bytes on Linux, one of them the terminating NUL.
MAX_SOCKET_PATH_BYTES = 107


class SocketError(Exception):
    """A socket directory or socket that is not safe or usable: one clear line for the user (exit status 2)."""


def _var(env: Mapping[str, str], key: str, *, absolute: bool = False) -> str | None:
    """The value of ``key``, with an empty value counting as unset (and, for XDG variables, a relative one)."""
    value = env.get(key) or None
    if value is not None and absolute and not os.path.isabs(value):
        return None  # the XDG base directory spec: relative paths are invalid and must be ignored
    return value


def socket_dir(env: Mapping[str, str] | None = None, uid: int | None = None) -> Path:
    """``${MUX_TMPDIR:-${XDG_RUNTIME_DIR:-/tmp}}/mux-UID``; empty variables count as unset."""
    env = os.environ if env is None else env
    uid = os.getuid() if uid is None else uid
    base = _var(env, "MUX_TMPDIR") or _var(env, "XDG_RUNTIME_DIR", absolute=True) or "/tmp"
    return Path(base) / f"mux-{uid}"


def _check_name(name: object) -> str:
    """Return ``name`` if it is a usable server name, else raise ``SocketError("invalid server name ...")``."""
    if not isinstance(name, str) or not name:
        raise SocketError(f"invalid server name {name!r}: it must be a non-empty string")
    if "/" in name or "\0" in name:
        raise SocketError(f"invalid server name {name!r}: it must not contain '/' or NUL")
    if name in (".", ".."):
        raise SocketError(f"invalid server name {name!r}: '.' and '..' are not names")
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise SocketError(f"invalid server name {name!r}: it is not valid UTF-8") from None
    if size > MAX_NAME_BYTES:
        raise SocketError(f"invalid server name {name[:20]!r}...: {size} bytes, at most {MAX_NAME_BYTES} in UTF-8")
    return name


def socket_path(name: str = "default", env: Mapping[str, str] | None = None, uid: int | None = None) -> Path:
    """``socket_dir()/NAME`` after checking the name and the 107-byte limit of a Unix socket path."""
    _check_name(name)
    path = socket_dir(env, uid) / name
    size = len(os.fsencode(path))
    if size > MAX_SOCKET_PATH_BYTES:
        raise SocketError(
            f"socket path {path} is {size} bytes, over the {MAX_SOCKET_PATH_BYTES}-byte limit of a Unix socket: "
            "set MUX_TMPDIR to a shorter directory"
        )
    return path


def _check(path: Path, st: os.stat_result, uid: int) -> None:
    """Raise ``SocketError`` unless ``st`` (an lstat of ``path``) is a 0700 directory owned by ``uid``."""
    if stat.S_ISLNK(st.st_mode):
        raise SocketError(f"socket directory {path} is not safe: it is a symlink (it must be a real directory)")
    if not stat.S_ISDIR(st.st_mode):
        raise SocketError(f"socket directory {path} is not a directory")
    if st.st_uid != uid:
        raise SocketError(f"socket directory {path} is not safe: it is owned by uid {st.st_uid}, not you (uid {uid})")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise SocketError(f"socket directory {path} is not safe: mode {mode:04o} lets others in (it must be 0700)")


def _lstat(path: Path, what: str) -> os.stat_result | None:
    """lstat ``path``; None if it does not exist, ``SocketError`` for any other failure."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise SocketError(f"cannot use {what} {path}: {e.strerror}") from None


def ensure_socket_dir(path: Path, uid: int | None = None) -> Path:
    """Create ``path`` with mode 0700 if missing (its parents with the default mode), then check it is safe.

    An existing directory that fails the checks is refused, never chmod-ed.
    """
    path = Path(path)
    uid = os.getuid() if uid is None else uid
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SocketError(f"cannot create socket directory {path}: {e.strerror or e}") from None
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as e:
        raise SocketError(f"cannot create socket directory {path}: {e.strerror}") from None
    else:
        # Ours, made a moment ago: a umask may only have taken bits away, so set exactly 0700.
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError as e:
            raise SocketError(f"socket directory {path} is not safe: {e.strerror}") from None
        try:
            os.fchmod(fd, 0o700)
        finally:
            os.close(fd)
    st = _lstat(path, "socket directory")
    if st is None:
        raise SocketError(f"socket directory {path} vanished while it was being created")
    _check(path, st, uid)
    return path


def check_socket_dir(path: Path, uid: int | None = None) -> None:
    """The checks of ``ensure_socket_dir`` without creating anything; a missing directory passes (no server)."""
    path = Path(path)
    st = _lstat(path, "socket directory")
    if st is None:
        return
    _check(path, st, os.getuid() if uid is None else uid)


def peer_uid(sock: socket.socket) -> int:
    """The uid of the process at the other end of a connected Unix socket (SO_PEERCRED: pid, uid, gid)."""
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid


def probe(path: Path, timeout: float = 1.0) -> str:
    """``"live"`` if something accepts connections at ``path``, ``"stale"`` if a socket file is there but
    connecting is refused (a dead server's), ``"missing"`` if nothing is there.

    A path that exists and is not a socket (a symlink included) raises ``SocketError``. A connection that times
    out counts as live: something is there, only busy, and it must not be removed.
    """
    path = Path(path)
    st = _lstat(path, "socket")
    if st is None:
        return "missing"
    if not stat.S_ISSOCK(st.st_mode):
        raise SocketError(f"{path} exists and is not a socket")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(os.fspath(path))
    except ConnectionRefusedError:
        return "stale"
    except FileNotFoundError:
        return "missing"  # removed between lstat and connect
    except TimeoutError:
        return "live"
    except OSError as e:
        if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
            return "live"  # a full backlog: busy, not dead
        raise SocketError(f"cannot connect to socket {path}: {e.strerror or e}") from None
    else:
        return "live"
    finally:
        sock.close()


def remove_stale(path: Path) -> bool:
    """Unlink the socket at ``path`` if ``probe`` says it is stale; True if it was removed.

    A live socket is left alone (False); a file that is not a socket raises ``SocketError`` and is left alone.
    """
    path = Path(path)
    if probe(path) != "stale":
        return False
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False  # someone else removed it first
    except OSError as e:
        raise SocketError(f"cannot remove stale socket {path}: {e.strerror}") from None
    return True


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    """``${XDG_STATE_HOME:-~/.local/state}/mux`` (not created here; ``log_path`` creates it, mode 0700)."""
    env = os.environ if env is None else env
    base = _var(env, "XDG_STATE_HOME", absolute=True)
    if base is None:
        home = _var(env, "HOME")
        base = os.path.join(home if home else str(Path.home()), ".local", "state")
    return Path(base) / "mux"


def log_path(name: str, env: Mapping[str, str] | None = None) -> Path:
    """``state_dir()/server-NAME.log``, creating the state directory (mode 0700) if missing."""
    _check_name(name)
    directory = state_dir(env)
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as e:
        raise SocketError(f"cannot create state directory {directory}: {e.strerror or e}") from None
    return directory / f"server-{name}.log"
