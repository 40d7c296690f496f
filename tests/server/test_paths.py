"""mux.server.paths: where the socket lives and the safety rules. Never touches the real /tmp/mux-UID."""

import os
import socket
import stat

import pytest

from mux.server import paths
from mux.server.paths import (
    SocketError,
    check_socket_dir,
    ensure_socket_dir,
    log_path,
    peer_uid,
    probe,
    remove_stale,
    socket_dir,
    socket_path,
    state_dir,
)

OTHER_UID = 12345


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """No test may fall back on the real environment's socket or state directory."""
    monkeypatch.setenv("MUX_TMPDIR", str(tmp_path / "muxtmp"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def _mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


# --- socket_dir / socket_path -------------------------------------------------------------------------------


def test_socket_dir_prefers_mux_tmpdir():
    env = {"MUX_TMPDIR": "/a", "XDG_RUNTIME_DIR": "/run/user/7"}
    assert socket_dir(env, uid=7) == paths.Path("/a/mux-7")


def test_socket_dir_then_xdg_runtime_dir():
    assert socket_dir({"XDG_RUNTIME_DIR": "/run/user/7"}, uid=7) == paths.Path("/run/user/7/mux-7")
    assert socket_dir({"MUX_TMPDIR": "", "XDG_RUNTIME_DIR": "/run/user/7"}, uid=7) == paths.Path("/run/user/7/mux-7")


def test_socket_dir_then_tmp():
    assert socket_dir({}, uid=7) == paths.Path("/tmp/mux-7")
    assert socket_dir({"MUX_TMPDIR": "", "XDG_RUNTIME_DIR": ""}, uid=7) == paths.Path("/tmp/mux-7")


def test_socket_dir_defaults_to_os_environ_and_getuid(tmp_path):
    assert socket_dir() == tmp_path / "muxtmp" / f"mux-{os.getuid()}"


def test_socket_path_default_and_named():
    env = {"MUX_TMPDIR": "/a"}
    assert socket_path(env=env, uid=3) == paths.Path("/a/mux-3/default")
    assert socket_path("work", env=env, uid=3) == paths.Path("/a/mux-3/work")
    assert socket_path("é" * 30, env=env, uid=3).name == "é" * 30


def test_name_limit_is_100_utf8_bytes():
    assert paths._check_name("é" * 50) == "é" * 50  # 100 bytes in UTF-8: the limit
    assert paths._check_name("x" * 100) == "x" * 100


@pytest.mark.parametrize("name", ["", "a/b", "/", ".", "..", "a\0b", "x" * 101, "é" * 51, None, 3])
def test_socket_path_rejects_invalid_names(name):
    with pytest.raises(SocketError, match="^invalid server name"):
        socket_path(name, env={"MUX_TMPDIR": "/a"}, uid=0)


def test_socket_path_too_long_names_the_limit_and_mux_tmpdir():
    env = {"MUX_TMPDIR": "/" + "d" * 90}
    with pytest.raises(SocketError) as info:
        socket_path("x" * 20, env=env, uid=0)
    message = str(info.value)
    assert "107" in message and "MUX_TMPDIR" in message and "\n" not in message
    # exactly at the limit is fine
    base = "/" + "d" * (107 - len("/mux-0/x") - 1)
    assert len(os.fsencode(socket_path("x", env={"MUX_TMPDIR": base}, uid=0))) == 107


# --- ensure_socket_dir / check_socket_dir ---------------------------------------------------------------------


def test_ensure_creates_0700(tmp_path):
    path = tmp_path / "mux-0"
    assert ensure_socket_dir(path) == path
    assert stat.S_ISDIR(os.lstat(path).st_mode)
    assert _mode(path) == 0o700
    assert os.lstat(path).st_uid == os.getuid()
    ensure_socket_dir(path)  # an existing good directory passes again


def test_ensure_creates_missing_parents(tmp_path):
    path = tmp_path / "not" / "yet" / "mux-0"
    ensure_socket_dir(path)
    assert _mode(path) == 0o700


def test_ensure_creates_0700_despite_a_strange_umask(tmp_path):
    old = os.umask(0o277)
    try:
        ensure_socket_dir(tmp_path / "mux-0")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "mux-0") == 0o700


@pytest.mark.parametrize("mode", [0o755, 0o750, 0o701, 0o707])
def test_existing_dir_with_open_mode_refused_and_not_chmodded(tmp_path, mode):
    path = tmp_path / "mux-0"
    path.mkdir()
    os.chmod(path, mode)
    with pytest.raises(SocketError, match=f"mode {mode:04o}") as info:
        ensure_socket_dir(path)
    assert "0700" in str(info.value) and str(path) in str(info.value)
    assert _mode(path) == mode
    with pytest.raises(SocketError, match=f"mode {mode:04o}"):
        check_socket_dir(path)


def test_message_example_for_0755(tmp_path):
    path = tmp_path / "mux-0"
    path.mkdir(mode=0o755)
    os.chmod(path, 0o755)
    with pytest.raises(SocketError) as info:
        ensure_socket_dir(path)
    assert str(info.value) == f"socket directory {path} is not safe: mode 0755 lets others in (it must be 0700)"


def test_symlink_refused_even_to_a_good_dir(tmp_path):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "mux-0"
    link.symlink_to(real)
    with pytest.raises(SocketError, match="symlink"):
        ensure_socket_dir(link)
    with pytest.raises(SocketError, match="symlink"):
        check_socket_dir(link)


def test_regular_file_refused(tmp_path):
    path = tmp_path / "mux-0"
    path.write_text("")
    with pytest.raises(SocketError, match="is not a directory"):
        ensure_socket_dir(path)
    with pytest.raises(SocketError, match="is not a directory"):
        check_socket_dir(path)


@pytest.mark.skipif(os.getuid() != 0, reason="chown to another uid needs root")
def test_dir_owned_by_someone_else_refused(tmp_path):
    path = tmp_path / "mux-0"
    path.mkdir(mode=0o700)
    os.chown(path, OTHER_UID, -1)
    with pytest.raises(SocketError, match=f"owned by uid {OTHER_UID}, not you \\(uid 0\\)"):
        ensure_socket_dir(path, uid=0)
    with pytest.raises(SocketError, match=f"owned by uid {OTHER_UID}"):
        check_socket_dir(path, uid=0)


def test_dir_not_owned_by_the_given_uid_refused(tmp_path):
    path = tmp_path / "mux-x"
    path.mkdir(mode=0o700)
    me = os.getuid()
    with pytest.raises(SocketError, match=f"owned by uid {me}, not you \\(uid {OTHER_UID}\\)"):
        ensure_socket_dir(path, uid=OTHER_UID)


def test_check_missing_dir_is_no_error(tmp_path):
    check_socket_dir(tmp_path / "mux-0")
    check_socket_dir(tmp_path / "no" / "parent" / "mux-0")
    assert not (tmp_path / "mux-0").exists()


def test_check_good_dir_passes(tmp_path):
    path = ensure_socket_dir(tmp_path / "mux-0")
    check_socket_dir(path)


def test_errors_are_one_line(tmp_path):
    path = tmp_path / "mux-0"
    path.write_text("")
    with pytest.raises(SocketError) as info:
        ensure_socket_dir(path)
    assert "\n" not in str(info.value)


# --- probe / remove_stale / peer_uid ---------------------------------------------------------------------


@pytest.fixture
def sock_dir(tmp_path):
    return ensure_socket_dir(tmp_path / "s")


def _stale_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(os.fspath(path))
    s.close()  # the file stays behind: a dead server's socket


@pytest.fixture
def listening(sock_dir):
    path = sock_dir / "live"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(os.fspath(path))
    s.listen(8)
    yield path
    s.close()


def test_probe_missing(sock_dir):
    assert probe(sock_dir / "nothing") == "missing"


def test_probe_stale(sock_dir):
    path = sock_dir / "dead"
    _stale_socket(path)
    assert stat.S_ISSOCK(os.lstat(path).st_mode)
    assert probe(path) == "stale"


def test_probe_live(listening):
    assert probe(listening) == "live"


def test_probe_non_socket_file_raises(sock_dir):
    path = sock_dir / "file"
    path.write_text("x")
    with pytest.raises(SocketError, match="exists and is not a socket"):
        probe(path)
    with pytest.raises(SocketError, match="exists and is not a socket"):
        probe(sock_dir)  # a directory is not a socket either


def test_remove_stale_removes_a_stale_socket(sock_dir):
    path = sock_dir / "dead"
    _stale_socket(path)
    assert remove_stale(path) is True
    assert not os.path.lexists(path)
    assert probe(path) == "missing"
    assert remove_stale(path) is False


def test_remove_stale_leaves_a_live_socket(listening):
    assert remove_stale(listening) is False
    assert stat.S_ISSOCK(os.lstat(listening).st_mode)
    assert probe(listening) == "live"


def test_remove_stale_never_removes_a_non_socket(sock_dir):
    path = sock_dir / "file"
    path.write_text("keep me")
    with pytest.raises(SocketError):
        remove_stale(path)
    assert path.read_text() == "keep me"


def test_a_stale_socket_can_be_replaced(sock_dir):
    path = sock_dir / "default"
    _stale_socket(path)
    with pytest.raises(OSError):  # what a naive server would hit: address in use
        socket.socket(socket.AF_UNIX).bind(os.fspath(path))
    assert remove_stale(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind(os.fspath(path))
        s.listen(1)
        assert probe(path) == "live"
    finally:
        s.close()


def test_peer_uid_on_a_socketpair():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        assert peer_uid(a) == os.getuid()
        assert peer_uid(b) == os.getuid()
    finally:
        a.close()
        b.close()


def test_peer_uid_over_a_connected_socket(sock_dir):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path = sock_dir / "acc"
    server.bind(os.fspath(path))
    server.listen(1)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(os.fspath(path))
        conn, _ = server.accept()
        with conn:
            assert peer_uid(conn) == os.getuid()
    finally:
        client.close()
        server.close()


# --- state_dir / log_path ----------------------------------------------------------------------------------


def test_state_dir_from_xdg_state_home():
    assert state_dir({"XDG_STATE_HOME": "/s"}) == paths.Path("/s/mux")


def test_state_dir_falls_back_to_home():
    assert state_dir({"HOME": "/home/u"}) == paths.Path("/home/u/.local/state/mux")
    assert state_dir({"XDG_STATE_HOME": "", "HOME": "/home/u"}) == paths.Path("/home/u/.local/state/mux")


def test_state_dir_is_not_created(tmp_path):
    state_dir({"XDG_STATE_HOME": str(tmp_path / "st")})
    assert not (tmp_path / "st").exists()


def test_log_path_creates_the_state_dir(tmp_path):
    env = {"XDG_STATE_HOME": str(tmp_path / "st" / "deeper")}
    path = log_path("default", env=env)
    assert path == tmp_path / "st" / "deeper" / "mux" / "server-default.log"
    assert path.parent.is_dir()
    assert _mode(path.parent) == 0o700
    assert not path.exists()  # only the directory; the server opens the log
    assert log_path("work", env=env).name == "server-work.log"


def test_log_path_uses_os_environ(tmp_path):
    assert log_path("default") == tmp_path / "state" / "mux" / "server-default.log"


def test_log_path_rejects_invalid_names(tmp_path):
    with pytest.raises(SocketError, match="invalid server name"):
        log_path("../x", env={"XDG_STATE_HOME": str(tmp_path)})


def test_no_textual_import():
    source = paths.Path(paths.__file__).read_text()
    assert "import textual" not in source and "from textual" not in source
