"""The server with headless clients (no Textual): sessions, windows, splits, two clients of different sizes,
detach and reattach with output in between, a slow client, a client killed mid-frame, malformed frames, the
session commands, a stale socket, and 0 OS-tagged bytes when the server exits. Every test's server is isolated
(its own -L name and MUX_TMPDIR) and killed even when the test fails."""

from __future__ import annotations

import os
import socket
import struct
import sys
import time

import pytest

from mux import protocol
from mux.server.paths import probe
from tests.server.harness import HeadlessClient, running_server

PY = sys.executable


@pytest.fixture
def server(tmp_path):
    with running_server(tmp_path) as s:
        yield s


def last_nonblank(lines: list[str]) -> str:
    return next((line for line in reversed(lines) if line.strip()), "")


def test_new_session_echo_and_ls(server):
    with server.client((80, 24)) as c:
        assert c.new("work")["t"] == "attached"
        c.wait(lambda: "$" in c.text(), what="prompt")
        c.type("echo hel''lo\r")
        c.wait(lambda: "hello" in c.text(), what="echo")
        with server.client() as lister:
            sessions = lister.connection.request({"t": "list"}, "sessions")["sessions"]
        assert [s["name"] for s in sessions] == ["work"]
        assert sessions[0]["windows"] == 1 and sessions[0]["panes"] == 1 and sessions[0]["attached"] == 1
        assert sessions[0]["page_bytes"] > 0


def test_split_new_window_and_layout(server):
    with server.client((81, 24)) as c:
        c.new()
        c.command("split-right")
        c.wait(lambda: len(c.mirror.places) == 2, what="two panes")
        widths = sorted(p.width for p in c.mirror.places.values())
        assert widths == [40, 40]           # 81 columns: 40 + separator + 40
        assert len(c.mirror.separators) == 1
        c.command("new-window")
        c.wait(lambda: len(c.mirror.windows) == 2 and c.mirror.windows[1][2], what="second window")
        assert len(c.mirror.places) == 1
        c.command("select-window", 0)
        c.wait(lambda: c.mirror.windows[0][2] and len(c.mirror.places) == 2, what="back to window 0")
        c.command("zoom")
        c.wait(lambda: c.mirror.zoomed and len(c.mirror.places) == 1, what="zoomed")
        c.command("no-such-command")
        assert c.wait_message("error")["message"].startswith("command:")


def test_two_clients_smallest_size_and_shared_input(server):
    with server.client((100, 30)) as big, server.client((60, 20)) as small:
        big.new("s")
        big.wait(lambda: (big.mirror.cols, big.mirror.rows) == (100, 30), what="big size")
        small.attach("s")
        for c in (big, small):
            c.wait(lambda c=c: (c.mirror.cols, c.mirror.rows) == (60, 20), what="smallest size")
        small.type("echo from-small\r")
        for c in (big, small):
            c.wait(lambda c=c: "from-small" in c.text(), what="typing in one visible in both")
        small.send({"t": "detach"})
        assert small.wait_message("detached")["session"] == "s"
        big.wait(lambda: (big.mirror.cols, big.mirror.rows) == (100, 30), what="size back after detach")


def test_output_while_detached_is_kept(server):
    loop = "i=1; while [ $i -le 50 ]; do echo line-$i; i=$((i+1)); sleep 0.02; done"
    with server.client((80, 24)) as c:
        c.new("bg", ["/bin/sh", "-c", loop + "; exec sleep 60"])
        c.send({"t": "detach"})
        c.wait_message("detached")
    time.sleep(1.6)
    with server.client((80, 24)) as c:
        c.attach("bg")
        c.wait(lambda: "line-50" in c.text(), what="last line after reattach")
        c.command("scrollback")
        c.type("g")
        c.wait(lambda: c.text().splitlines()[0].startswith("line-1"), what="first line in scrollback")
        assert c.mirror.panes[c.mirror.active].copy is not None
        c.type("q")
        c.wait(lambda: c.mirror.panes[c.mirror.active].copy is None, what="left scrollback")


def test_slow_client_never_blocks_others(server):
    flood = [PY, "-c", "import sys\nfor i in range(400000): sys.stdout.write(f'flood {i} ' + 'x' * 60 + '\\n')\n"
             "sys.stdout.flush()\nimport time; time.sleep(60)"]
    with server.client((80, 24)) as fast:
        fast.new("f", flood)
        slow = HeadlessClient(server.path, (80, 24))
        slow.attach("f")            # then never reads while the pane floods
        slow.connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        fast.wait(lambda: "flood 399999" in fast.text(), timeout=60, what="flood done in the fast client")
        # the slow client catches up exactly once it reads (frames were dropped, a full redraw follows)
        slow.wait(lambda: "flood 399999" in slow.text(), timeout=30, what="slow client up to date")
        slow.close()
        fast.command("split-down")
        fast.wait(lambda: len(fast.mirror.places) == 2, what="server still answers")


def test_client_killed_mid_frame_and_malformed_frames(server):
    with server.client((80, 24)) as c:
        c.new("m")
        c.wait(lambda: "$" in c.text(), what="prompt")
        bad_frames = [
            b"\x00\x00\x00\x05{\"t\":",                           # truncated, then the peer vanishes
            struct.pack(">I", 1 << 30),                           # a huge length
            struct.pack(">I", 4) + b"\xff\xfe\xfd\xfc",           # not UTF-8
            protocol.encode({"t": "key", "key": "a", "char": "a"}),   # not hello first
            protocol.encode({"t": "hello", "version": 999, "cols": 80, "rows": 24}),   # another version
            protocol.encode(protocol.hello(80, 24)) + protocol.encode({"t": "mouse", "pane": "x"}),
        ]
        for data in bad_frames:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(str(server.path))
            s.sendall(data)
            s.settimeout(2)
            try:
                s.recv(4096)
            except OSError:
                pass
            s.close()
        c.type("echo still-here\r")
        c.wait(lambda: "still-here" in c.text(), what="the other client carries on")
    assert "disconnecting" in server.log


def test_version_mismatch_is_one_line(server):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(server.path))
    s.sendall(protocol.encode({"t": "hello", "version": 0, "cols": 80, "rows": 24}))
    s.settimeout(5)
    decoder = protocol.server_decoder()
    messages = []
    while not messages:
        messages = decoder.feed(s.recv(4096))
    s.close()
    assert messages[0]["t"] == "error" and "\n" not in messages[0]["message"]
    assert "protocol" in messages[0]["message"]


def test_kill_session_and_server_exit_release_everything(server):
    with server.client() as c:
        c.new("a", detached=True)
        c.new("b", detached=True)
        c.send({"t": "kill_session", "target": "a"})
        c.wait_message("ok")
        names = [s["name"] for s in c.connection.request({"t": "list"}, "sessions")["sessions"]]
        assert names == ["b"]
        c.send({"t": "kill_session", "target": "nope"})
        assert "can't find session" in c.wait_message("error")["message"]
        c.send({"t": "kill_server"})
        c.wait_message("ok")
    deadline = time.monotonic() + 10
    while server.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not server.alive()
    assert not server.path.exists()
    assert "OS-tagged page bytes left: 0" in server.log


def test_last_session_ending_stops_the_server(server):
    with server.client() as c:
        c.new("short", ["/bin/sh", "-c", "exit 0"])
        c.wait_message("exited")
    deadline = time.monotonic() + 10
    while server.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not server.alive() and probe(server.path) == "missing"


def test_stale_socket_is_replaced(tmp_path):
    with running_server(tmp_path) as s:
        os.kill(s.pid, 9)
        deadline = time.monotonic() + 5
        while s.alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert probe(s.path) == "stale"
        s.start()
        assert probe(s.path) == "live"
        with s.client() as c:
            assert c.new("again", detached=True)["t"] == "ok"


def test_an_error_inside_the_server_is_logged_and_told_in_one_line(tmp_path, caplog):
    """A bug in a callback (here: drawing fails once) leaves a traceback in the log, one line in every attached
    client, and a server that carries on."""
    import threading

    from mux.server.server import Server

    path = tmp_path / "s"
    server = Server(str(path), "inproc")
    server.listen()
    real_send = server.send_frame
    failures = []

    def flaky_send(client, **kwargs):
        if not failures:
            failures.append(1)
            raise RuntimeError("drawing exploded")
        real_send(client, **kwargs)

    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with HeadlessClient(path, (80, 24)) as c:
            c.new("x", ["/bin/sh"])
            server.send_frame = flaky_send
            c.type("echo after-the-error\r")
            note = c.wait_message("message")
            assert note["text"].startswith("mux server error: RuntimeError: drawing exploded")
            assert "\n" not in note["text"]
            c.wait(lambda: "after-the-error" in c.text(), what="the server carries on")
        assert "drawing exploded" in caplog.text and "Traceback" in caplog.text
    finally:
        server.loop.call_soon_threadsafe(server.stop)
        thread.join(10)
    assert not thread.is_alive() and not path.exists()


def test_typing_paces_the_other_panes_but_loses_nothing(server):
    """While someone types, a pane they are not typing into is read in paced slices: its output still all
    arrives, in order (the PTY holds what is not read yet)."""
    with server.client((100, 30)) as c:
        c.new("pace", ["/bin/sh"])
        c.wait(lambda: "$" in c.text() or "#" in c.text(), what="prompt")
        typing = c.mirror.active
        c.command("split-right")
        c.wait(lambda: len(c.mirror.places) == 2, what="two panes")
        c.type("seq 1 300000; echo flood-done\r")
        c.command("select-pane", typing)
        c.wait(lambda: c.mirror.active == typing, what="typing pane active")
        flood = next(p for p in c.mirror.places if p != typing)
        deadline = time.monotonic() + 60
        while "flood-done" not in c.text(flood):
            assert time.monotonic() < deadline, c.dump()
            c.type("x")             # keep typing: the flooding pane stays paced all along
            c.pump(0.02)
        lines = [line.strip() for line in c.screen(flood)]
        assert "300000" in lines and lines.index("300000") < lines.index("flood-done")


def test_layout_and_pane_move_commands(server):
    with server.client((81, 25)) as c:
        c.new()
        for _ in range(3):
            c.command("split-down")
        c.wait(lambda: len(c.mirror.places) == 4, what="four panes")
        panes = list(c.mirror.places)                # the layout message lists panes in pane order
        assert [c.mirror.places[p].number for p in panes] == [0, 1, 2, 3]
        c.command("zoom")                            # a zoomed pane keeps its number
        c.wait(lambda: list(c.mirror.places) == [panes[3]], what="zoomed")
        assert c.mirror.places[panes[3]].number == 3
        c.command("zoom")
        c.wait(lambda: len(c.mirror.places) == 4, what="unzoomed")
        c.command("next-layout")
        assert c.wait_message("message")["text"] == "layout even-horizontal"
        c.wait(lambda: [p.height for p in c.mirror.places.values()] == [25] * 4, what="even-horizontal")
        assert [p.width for p in c.mirror.places.values()] == [19, 19, 19, 21] and list(c.mirror.places) == panes
        c.command("select-layout", "tiled")
        assert c.wait_message("message")["text"] == "layout tiled"
        c.wait(lambda: [(p.x, p.y) for p in c.mirror.places.values()] == [(0, 0), (41, 0), (0, 13), (41, 13)],
               what="tiled")
        c.command("select-layout", "spiral")
        assert "unknown layout" in c.wait_message("message")["text"]
        c.command("select-layout")
        assert "argument 1 must be a str" in c.wait_message("error")["message"]

        active = c.mirror.active
        assert active == panes[3]
        c.command("swap-pane", "next")               # the last pane wraps to the first place
        c.wait(lambda: list(c.mirror.places)[0] == active, what="swapped")
        assert c.mirror.active == active and c.mirror.places[active].x == 0 and c.mirror.places[active].y == 0
        c.command("swap-pane", "prev")
        c.wait(lambda: list(c.mirror.places) == panes, what="swapped back")
        c.command("swap-pane", "sideways")
        assert "expected prev or next" in c.wait_message("error")["message"]

        c.command("next-pane")
        c.wait(lambda: c.mirror.active == panes[0], what="next pane wraps")
        c.command("last-pane")
        c.wait(lambda: c.mirror.active == panes[3], what="last pane")

        c.command("break-pane")
        c.wait(lambda: len(c.mirror.windows) == 2 and c.mirror.windows[1][2], what="a window of its own")
        assert list(c.mirror.places) == [active] and c.mirror.places[active].width == 81
        c.type("echo still''here\r")                 # same process: its shell answers in the new window
        c.wait(lambda: "stillhere" in c.text(active), what="the pane keeps running")
        c.command("break-pane")
        assert c.wait_message("message")["text"] == "can't break with only one pane"
        c.command("last-pane")
        assert c.wait_message("message")["text"] == "no last pane"
        c.command("select-window", 0)
        c.wait(lambda: len(c.mirror.places) == 3, what="three panes left in window 0")


TITLES = {"shell": "/bin/sh", "border_titles": True}


def titles(c: HeadlessClient) -> list[tuple[int, int, int, int, str]]:
    return [(t.pane, t.x, t.y, t.width, t.text) for t in c.mirror.titles]


def test_border_titles_take_the_top_row_and_the_ptys_are_one_row_shorter(server):
    with server.client((80, 24)) as c:
        c.new(options=TITLES)
        c.wait(lambda: "$" in c.text(), what="prompt")
        top = c.mirror.active
        c.command("split-down")
        c.wait(lambda: len(c.mirror.places) == 2, what="two panes")
        bottom = c.mirror.active
        places = {p: (pl.x, pl.y, pl.width, pl.height) for p, pl in c.mirror.places.items()}
        assert places == {top: (0, 1, 80, 11), bottom: (0, 13, 80, 11)}     # layout: 12 rows, separator, 11
        c.wait(lambda: titles(c) == [(top, 0, 0, 80, "0: sh"), (bottom, 0, 12, 80, "1: sh")], what="titles")
        c.wait(lambda: "$" in c.text(), what="prompt below")
        c.type("stty size\r")
        c.wait(lambda: "11 80" in c.text(), what="the PTY's size")
        c.command("select-pane", top)
        c.type("stty size\r")
        c.wait(lambda: c.mirror.active == top and "11 80" in c.text(), what="the top PTY's size")
        assert (c.mirror.panes[top].cols, c.mirror.panes[top].rows) == (80, 11)


def test_without_the_option_a_pane_has_the_whole_height_and_no_title(server):
    with server.client((80, 24)) as c:
        c.new()
        c.wait(lambda: "$" in c.text(), what="prompt")
        place = c.mirror.places[c.mirror.active]
        assert (place.x, place.y, place.width, place.height) == (0, 0, 80, 24)
        assert c.mirror.titles == []
        c.type("stty size\r")
        c.wait(lambda: "24 80" in c.text(), what="the PTY's size")


def test_border_titles_follow_osc_titles_and_the_foreground_command(server):
    with server.client((80, 24)) as c:
        c.new(options=TITLES)
        c.wait(lambda: "$" in c.text(), what="prompt")
        pane = c.mirror.active
        c.type("printf '\\033]2;build \\033[31m log\\007'\r")
        c.wait(lambda: titles(c) == [(pane, 0, 0, 80, "0: build [31m log")], what="the OSC 2 title, sanitised")
        c.type("printf '\\033]2;\\007'; exec sleep 30\r")
        c.wait(lambda: titles(c) == [(pane, 0, 0, 80, "0: sleep")], what="the foreground command")
        # nothing changes now: the slow tick sends no layout
        start = len(c.received)
        c.pump(2.5)
        assert [m for m in c.received[start:] if m["t"] == "layout"] == []
