"""Security defaults: what a program in a pane, or another user, can make mux do.

- OSC 52 clipboard writes from a child reach the client's clipboard only with `[clipboard] osc52_write = true`
  (the session option the client sends when it creates the session); OSC 52 reads (`ESC ] 52 ; c ; ?`) are never
  answered.
- Nothing child-controlled is echoed back as input: no title reports (`CSI 21 t`, `CSI 20 t`, OSC title queries,
  XTGETTCAP), and colour query replies hold only `rgb:` values, even after the child set colours to arbitrary
  text. A property test feeds random queries and text and checks every reply against an allow-list of shapes.
- OSC 8 hyperlinks open only on ctrl+click (the server answers one on a link with an `open` message), and the
  client opens only http(s) and file URIs without control characters; a plain click, a mouse move or a key never
  opens anything.
- Child text shown in the status lines (titles, process names) carries no control characters, and a child's title
  never reaches the real terminal.
- The server's socket: its directory must be the user's and 0700 (else the CLI refuses, in one line, exit status
  2), the socket is 0600, and a connection from another uid is refused by the server itself (SO_PEERCRED).

Both levels are checked: the Screen's `on_reply` directly, and the Textual client attached to a real server (one
per test, killed afterwards) with real PTY children whose programs print what mux sent to their input
(`App.copy_to_clipboard` / `App.open_url` are patched to record).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mux import protocol
from mux.config import load_config
from mux.terminal.stream import Stream
from mux.terminal.terminal import Terminal
from mux.ui.app import MuxApp
from mux.ui.pane_view import is_openable_uri
from tests.pilot import wait_for

PY = sys.executable
DA1 = b"\x1b[c"
EVIL = "$(touch /tmp/pwned)\x1b[31mEVIL\r\n"

# Every reply mux may send, by shape: only numbers, fixed words and rgb: values, never text from the child.
_HEX4 = "[0-9a-f]{4}"
_RGB = f"rgb:{_HEX4}/{_HEX4}/{_HEX4}"
ALLOWED_REPLIES = re.compile("|".join([
    r"\x1b\[\?62;22c",                          # DA1
    r"\x1b\[>1;10;0c",                          # DA2
    r"\x1bP>\|mux [0-9A-Za-z.+-]+\x1b\\",       # XTVERSION
    r"\x1b\[0n",                                # DSR 5
    r"\x1b\[\??\d{1,5};\d{1,5}R",               # cursor position
    r"\x1b\[\??\d{1,5};[01234]\$y",             # DECRQM
    r"\x1bP0\$r\x1b\\",                          # DECRQSS: not supported
    r'\x1bP1\$r[0-9;:]{1,80}(?:m|r|s| q|t|\*\||"q|"p|\$\}|\$~|\*x)\x1b\\',   # DECRQSS: numbers + the request
    r"\x1b\[\?\d{2}(?:;\d)?n",                   # DECDSR status (printer, keys, locator, ...)
    r"\x1b\[0\*\{",                              # DECMSR
    r"\x1bP\d{1,5}!~0000\x1b\\",                 # DECCKSR
    r"\x1b\[\?\d{1,2}u",                        # kitty keyboard flags
    rf"\x1b\]4;\d{{1,3}};{_RGB}\x1b\\",          # palette colour
    rf"\x1b\]5;[0-4];{_RGB}\x1b\\",             # special colour
    rf"\x1b\]1[0-9];{_RGB}\x1b\\",              # dynamic colours
]).encode())


def make_screen():
    replies: list[bytes] = []
    clipboard: list[tuple[str, str]] = []
    screen = Terminal(80, 24, on_reply=replies.append,
                      on_clipboard=lambda target, text: clipboard.append((target, text)))
    return screen, Stream(screen), replies, clipboard


# ---------------------------------------------------------------------------------------------- screen level


def test_osc52_read_is_never_answered_and_writes_only_reach_the_callback():
    screen, stream, replies, clipboard = make_screen()
    try:
        for query in (b"\x1b]52;c;?\x07", b"\x1b]52;c;?\x1b\\", b"\x1b]52;p;?\x07", b"\x1b]52;;?\x07",
                      b"\x1b]52;s0;?\x9c", "\x9d52;c;?\x9c".encode()):
            stream.feed(query)
        stream.feed(DA1)
        assert replies == [b"\x1b[?62;22c"], "only the DA1 sentinel is answered"
        assert clipboard == []
        stream.feed(b"\x1b]52;c;" + base64.b64encode(b"hello") + b"\x07")
        assert clipboard == [("c", "hello")] and len(replies) == 1
    finally:
        screen.close()


def test_title_reports_and_queries_get_no_reply():
    screen, stream, replies, _ = make_screen()
    try:
        stream.feed(f"\x1b]0;{EVIL}\x07\x1b]2;{EVIL}\x1b\\\x1b]1;{EVIL}\x07".encode())
        assert "EVIL" in screen.title
        for query in (b"\x1b[21t", b"\x1b[20t", b"\x1b[14t", b"\x1b[13t", b"\x1b[11t",
                      b"\x1b[22;0t\x1b[23;0t", b"\x1b]2;?\x07", b"\x1b]0;?\x07", b"\x1b]1;?\x07", b"\x1b]21\x07",
                      b"\x1b]l\x07", b"\x1b]L\x07", b"\x1b]176;?\x07", b"\x1bP+q544e\x1b\\",
                      b"\x1b]7;?\x07", b"\x1b]8;;?\x07"):
            stream.feed(query)
        stream.feed(DA1)
        assert replies == [b"\x1b[?62;22c"]
        # The size reports (xterm's CSI 18 t / 19 t) answer numbers only: nothing a program chose comes back.
        replies.clear()
        stream.feed(b"\x1b[18t\x1b[19t")
        assert replies == [b"\x1b[8;24;80t", b"\x1b[9;24;80t"]
        assert stream.errors == 0
    finally:
        screen.close()


def test_titles_keep_no_control_characters():
    """A title is shown in the status line: an escape sequence in it would reach the real terminal."""
    screen, stream, replies, _ = make_screen()
    try:
        stream.feed("\x1b]0;A\x1b]2;HOST\x1b[2J\u009b6n\x01\x7fB\x07".encode())
        assert screen.title == screen.icon_name == "A]2;HOST[2J6nB"
        stream.feed(b"\x1b]2;tab\there\x1b\\")
        assert screen.title == "tabhere"
        assert replies == []
    finally:
        screen.close()


def test_colour_replies_hold_only_rgb_values_after_arbitrary_sets():
    screen, stream, replies, _ = make_screen()
    try:
        for code in ("4;1", "4;255", "4;256", "5;0", "10", "11", "12", "19"):
            stream.feed(f"\x1b]{code};{EVIL}\x1b\\".encode())
            stream.feed(f"\x1b]{code};rgb:zz/{EVIL}/00\x07".encode())
        stream.feed(b"\x1b]4;1;?\x07\x1b]4;255;?;0;?\x1b\\\x1b]10;?\x07\x1b]11;?;?\x07\x1b]12;?\x07\x1b]4;261;?\x07")
        assert len(replies) == 7, replies                       # index 261 does not exist: no reply
        for reply in replies:
            assert ALLOWED_REPLIES.fullmatch(reply), reply
            assert b"EVIL" not in reply and b"$(" not in reply
        assert replies[0] == b"\x1b]4;1;rgb:cdcd/0000/0000\x1b\\", "a garbage colour does not change the entry"
        # A real colour is taken, and reported back in the rgb: form.
        replies.clear()
        stream.feed(b"\x1b]4;1;#102030\x07\x1b]4;1;?\x07\x1b]11;rgb:ff/80/0\x07\x1b]11;?\x07")
        assert replies == [b"\x1b]4;1;rgb:1010/2020/3030\x1b\\", b"\x1b]11;rgb:ffff/8080/0000\x1b\\"]
    finally:
        screen.close()


_QUERIES = ["\x1b[c", "\x1b[>c", "\x1b[>q", "\x1b[5n", "\x1b[6n", "\x1b[?6n", "\x1b[?2004$p", "\x1b[4$p", "\x1b[?u",
            "\x1b]4;7;?\x07", "\x1b]10;?\x07", "\x1b]11;?\x1b\\", "\x1b]12;?\x07", "\x1b]52;c;?\x07", "\x1b[21t",
            "\x1b]2;?\x07", "\x1bP+q544e\x1b\\", "\x1b[99999;99999H\x1b[6n", "\x1b[?99999$p", "\x1b]4;0;?;1;?\x07",
            "\x1b]4;260;?\x07", "\x1b]5;0;?;4;?\x07", "\x1b]13;?;?;?\x07", "\x1b]19;?\x07",
            "\x1bP$qm\x1b\\", "\x1bP$q r\x1b\\", '\x1bP$q"p\x1b\\', "\x1b[?63;99999n", "\x1b[?26n", "\x1b[?62n",
            "\x1b[12$p", "\x1b[?67$p", "\x1bZ"]
_DCS_JUNK = ["\x1bP$q{t}\x1b\\", "\x1bP$qm{t}\x1b\\", "\x1bP$q{t}m\x1b\\", "\x1bP{t}$qm\x1b\\"]
_SETS = ["\x1b]4;{n};{t}\x07", "\x1b]10;{t}\x07", "\x1b]11;{t}\x1b\\", "\x1b]2;{t}\x07", "\x1b]7;{t}\x07",
         "\x1b]8;;{t}\x07{t}\x1b]8;;\x07", "\x1b]52;c;{t}\x07", "{t}", "\x1b]104;{n}\x07", "\x1b]4;{n};#{n:06x}\x07",
         "\x1b]5;{n};{t}\x07", "\x1b]105;{n}\x07", "\x1b]17;{t}\x07"]


def test_a_decrqss_reply_never_carries_what_the_child_sent_beyond_the_request():
    screen, stream, replies, _ = make_screen()
    try:
        for junk in (b"mEVIL", b"EVILm", b"m\x1b[31m", b"$(touch /tmp/pwned)", b"r;r", b" q ", b"mm", b""):
            stream.feed(b"\x1bP$q" + junk + b"\x1b\\")
        assert replies == [b"\x1bP0$r\x1b\\"] * 8
        replies.clear()
        stream.feed(b"\x1b[31m\x1bP$qm\x1b\\\x1bP$qr\x1b\\")
        assert replies == [b"\x1bP1$r0;31m\x1b\\", b"\x1bP1$r1;24r\x1b\\"]
    finally:
        screen.close()


@settings(max_examples=150, deadline=None, derandomize=True)
@given(parts=st.lists(st.one_of(
    st.sampled_from(_QUERIES),
    st.builds(lambda fmt, n, t: fmt.format(n=n, t=t), st.sampled_from(_SETS), st.integers(0, 300),
              st.text(max_size=30).map(lambda t: "EVIL" + t)),
    st.builds(lambda fmt, t: fmt.format(t=t), st.sampled_from(_DCS_JUNK),
              st.text(max_size=30).map(lambda t: "EVIL" + t))), max_size=25))
def test_every_reply_has_an_allowed_shape(parts):
    """Whatever a child writes, each reply is one of a fixed set of shapes and never carries its text."""
    screen, stream, replies, _ = make_screen()
    try:
        stream.feed("".join(parts).encode("utf-8", "replace"))
        for reply in replies:
            assert ALLOWED_REPLIES.fullmatch(reply), reply
            assert b"EVIL" not in reply
        assert stream.errors == 0
    finally:
        screen.close()


@pytest.mark.parametrize("uri, openable", [
    ("https://example.com/a?b=c#d", True),
    ("http://example.com/", True),
    ("HTTPS://EXAMPLE.COM/", True),
    ("file:///home/user/notes.txt", True),
    ("javascript:alert(1)", False),
    ("JavaScript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False),
    ("ssh://host", False),
    ("vbscript:msgbox(1)", False),
    ("mailto:a@b.c", False),
    ("smb://host/share", False),
    ("x-man-page://ls", False),
    (" https://lead.example/", False),
    ("https", False),
    ("", False),
    ("https://example.com/\x1b[31m", False),
    ("https://example.com/\nfile:///etc/passwd", False),
    ("https://example.com/\x00", False),
    ("https://example.com/\x7f", False),
    ("https://example.com/\x9b31m", False),     # C1 CSI
    ("https://example.com/\x85", False),        # C1 NEL
])
def test_is_openable_uri(uri, openable):
    assert is_openable_uri(uri) is openable


# ---------------------------------------------------------------------------------------------- app level


def pane_text(app: MuxApp) -> str:
    """The active pane's rows as the client mirrors them, joined without separators: rows are padded to the pane's
    width, so a soft-wrapped line reads whole again."""
    mirror = app.mirror
    pane = mirror.panes.get(mirror.active) if mirror.active is not None else None
    return "".join(pane.display()) if pane is not None else ""


async def round_trip(pilot, app: MuxApp) -> None:
    """Wait until the server has handled everything the client sent so far, and the client everything the server
    answered to it: a `want_stats` request is answered at once, after the answers to the earlier requests."""
    bar = app.memory_bar
    bar.lines = []
    app.send({"t": "want_stats", "on": True})
    await wait_for(pilot, lambda: bar.lines != [], what="a round trip to the server")
    app.send({"t": "want_stats", "on": False})


# Writes the bytes given in hex as argv[1], then DA1, reads its input until the DA1 reply, and prints all of it
# in hex: exactly what mux sent to the child as input in answer.
PROBE = [PY, "-c", (
    "import os, re, sys, time, tty\n"
    "tty.setraw(0)\n"
    "os.write(1, bytes.fromhex(sys.argv[1]) + b'\\x1b[c')\n"
    "got = b''\n"
    "while not re.search(rb'\\x1b\\[\\?[0-9;]*c', got):\n"
    "    got += os.read(0, 4096)\n"
    "os.write(1, b'\\r\\nREPLIES:' + got.hex().encode() + b':END\\r\\n')\n"
    "time.sleep(60)\n")]


async def child_receives(make_app, queries: bytes) -> bytes:
    app = make_app([*PROBE, queries.hex()], size=(200, 40))
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_for(pilot, lambda: ":END" in pane_text(app), what="the probe's report")
        found = re.search(r"REPLIES:([0-9a-f]*):END", pane_text(app))
        assert found is not None
        return bytes.fromhex(found.group(1))


async def test_child_gets_no_osc52_read_and_no_title_report(make_app):
    queries = (f"\x1b]2;{EVIL}\x07".encode() + b"\x1b]52;c;?\x07\x1b]52;p;?\x1b\\\x1b[21t\x1b[20t\x1b]2;?\x07"
               b"\x1b]l\x07\x1bP+q544e\x1b\\")
    assert await child_receives(make_app, queries) == b"\x1b[?62;22c"


async def test_child_colour_queries_get_only_rgb_values(make_app):
    queries = (f"\x1b]4;1;{EVIL}\x1b\\\x1b]11;{EVIL}\x07".encode()
               + b"\x1b]4;1;?\x07\x1b]11;?\x07\x1b]10;?\x1b\\")
    received = await child_receives(make_app, queries)
    replies = re.findall(rb"\x1b[^\x1b]*(?:\x1b\\)?", received)
    assert b"".join(replies) == received and len(replies) == 4, received
    for reply in replies:
        assert ALLOWED_REPLIES.fullmatch(reply), reply
    assert b"EVIL" not in received and b"$(" not in received


CLIPBOARD_WRITER = [PY, "-c", (
    "import base64, sys, time\n"
    "sys.stdout.write('\\x1b]52;c;' + base64.b64encode(b'pwned-clipboard').decode() + '\\x07osc52-sent\\r\\n')\n"
    "sys.stdout.flush()\n"
    "time.sleep(60)\n")]


@pytest.mark.parametrize("enabled", [False, True], ids=["default-off", "osc52_write-true"])
async def test_osc52_write_from_a_child(tmp_path, monkeypatch, make_app, enabled):
    copied: list[str] = []
    monkeypatch.setattr(MuxApp, "copy_to_clipboard", lambda self, text: copied.append(text))
    file = tmp_path / "config.toml"
    file.write_text("[clipboard]\nosc52_write = true\n" if enabled else "")
    config = load_config(file, overrides={"shell": "/bin/sh"})
    assert config.osc52_write is enabled
    assert config.pane_options()["osc52_write"] is enabled
    app = make_app(CLIPBOARD_WRITER, size=(100, 20), app_config=config)
    async with app.run_test(size=(100, 20)) as pilot:
        await wait_for(pilot, lambda: "osc52-sent" in pane_text(app), what="the child's output")
        # The server tells the clipboard as it parses the child's output, before the frame showing what came after.
        await round_trip(pilot, app)
        assert copied == (["pwned-clipboard"] if enabled else [])


LINKS = [
    ("https://good.example/path", True),
    ("javascript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False),
    ("ssh://attacker.example", False),
    ("https://ctl.example/\x01x", False),
    ("https://c1.example/\x9b31m", False),
    ("file:///tmp/notes.txt", True),
    ("vbscript:msgbox(1)", False),
]


def _links_program(child_mouse: bool) -> list[str]:
    out = "\x1b[?1000h\x1b[?1006h" if child_mouse else ""        # the child asks for mouse reports
    out += "".join(f"\x1b]8;id=l{k};{uri}\x1b\\LINK{k}-LINK{k}\x1b]8;;\x1b\\\r\n" for k, (uri, _) in enumerate(LINKS))
    return [PY, "-c", "import sys, time, tty\ntty.setraw(0)\n"
                      f"sys.stdout.buffer.write({(out + 'links-ready').encode()!r})\n"
                      "sys.stdout.flush()\ntime.sleep(60)\n"]


@pytest.mark.parametrize("child_mouse", [False, True], ids=["no-mouse-mode", "child-mouse-mode"])
async def test_links_open_only_on_ctrl_click_and_only_safe_schemes(make_app, monkeypatch, child_mouse):
    opened: list[str] = []
    monkeypatch.setattr(MuxApp, "open_url", lambda self, url, **kw: opened.append(url))
    flashed: list[str] = []
    flash = MuxApp.flash
    monkeypatch.setattr(MuxApp, "flash", lambda self, text, *a: (flashed.append(text), flash(self, text, *a)))
    app = make_app(_links_program(child_mouse), size=(100, 20))
    async with app.run_test(size=(100, 20)) as pilot:
        await wait_for(pilot, lambda: "links-ready" in pane_text(app), what="the links")
        mirror = app.mirror
        pane = mirror.panes[mirror.active]
        view = app.window_view.views[mirror.active]
        for row, (uri, _) in enumerate(LINKS):
            assert pane.link_at(2, row) == uri, (row, pane.link_at(2, row))
        # No explicit action, no link opened: plain clicks, moves, keys.
        for row in range(len(LINKS)):
            await pilot.hover(view, offset=(3, row))
            await pilot.click(view, offset=(3, row))
            await pilot.click(view, offset=(3, row), shift=True)
            await pilot.click(view, offset=(3, row), button=2)
            await pilot.click(view, offset=(3, row), button=3, control=True)
        await pilot.press("enter", "o", "ctrl+o", "ctrl+enter", "space")
        await round_trip(pilot, app)
        assert opened == []
        # ctrl+click: the server answers with the link, the client opens only the allowed ones.
        for row in range(len(LINKS)):
            await pilot.click(view, offset=(3, row), control=True)
        await wait_for(pilot, lambda: len(opened) == sum(ok for _, ok in LINKS), what="the safe links opened")
        await round_trip(pilot, app)
        assert opened == [uri for uri, ok in LINKS if ok]
        # The server answered every ctrl+click on a link; the client itself refused the unsafe ones.
        assert flashed == ["not opening a link with that scheme"] * sum(not ok for _, ok in LINKS), flashed
        # A ctrl+click where there is no link opens nothing either.
        await pilot.click(view, offset=(60, 2), control=True)
        await round_trip(pilot, app)
        assert opened == [uri for uri, ok in LINKS if ok]


# Sets its window title, then (in a second pane) its process name, to text full of escape sequences.
TITLE_SETTER = [PY, "-c", (
    "import sys, time\n"
    "sys.stdout.write('\\x1b]2;Z\\x1b]2;HOSTPWNED\\x1b[2J\\u009b6n\\x07title-set\\r\\n')\n"
    "sys.stdout.flush()\n"
    "time.sleep(60)\n")]
COMM_SETTER = [PY, "-c", (
    "import ctypes, sys, time\n"
    "ctypes.CDLL(None).prctl(15, b'\\x1b]2;PWN\\x07', 0, 0, 0)\n"
    "sys.stdout.write('comm-set\\r\\n')\n"
    "sys.stdout.flush()\n"
    "time.sleep(60)\n")]
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@pytest.mark.parametrize("program", [TITLE_SETTER, COMM_SETTER], ids=["title", "process-name"])
async def test_child_text_in_the_status_lines_has_no_control_characters(tmp_path, make_app, program):
    config = load_config(overrides={"shell": "/bin/sh", "status_bar": True})
    app = make_app(program, size=(120, 20), app_config=config)
    async with app.run_test(size=(120, 20)) as pilot:
        await wait_for(pilot, lambda: "-set" in pane_text(app), what="the child's output")
        mirror, bar = app.mirror, app.memory_bar
        # The window list follows titles once a second, and so does the memory bar.
        await wait_for(pilot, lambda: app.status_line.windows and "PWN" in app.status_line.windows[0][1]
                       and "PWN" in mirror.places[mirror.active].title and len(bar.lines) == 2
                       and "PWN" in bar.lines[0], what="the name in the status lines")
        shown = ([name for _, name, _ in app.status_line.windows] + [name for _, name, _ in mirror.windows]
                 + list(bar.lines) + [place.title for place in mirror.places.values()]
                 + [app.status_line.render().plain, bar.render().plain])
        for text in shown:
            assert not _CONTROL.search(text.replace("\n", "")), repr(text)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_child_title_cannot_reach_the_real_terminal():
    """End to end in tmux: a pane's title with an OSC 2 inside must not change the title of tmux's own pane. The
    mux server is isolated (its own -L name, MUX_TMPDIR and XDG_STATE_HOME) and killed whatever happens."""
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        socket = str(Path(tmp) / "sock")
        script = Path(tmp) / "child.py"
        script.write_text(TITLE_SETTER[2])
        name = f"t-{uuid.uuid4().hex[:8]}"
        env = {**os.environ, "HOME": tmp, "XDG_CONFIG_HOME": str(Path(tmp) / "config"),
               "XDG_STATE_HOME": str(Path(tmp) / "state"), "MUX_TMPDIR": str(Path(tmp) / "run"),
               "TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONPATH": str(root)}
        env.pop("MUX", None)
        env.pop("TMUX", None)

        def tmux(*args: str) -> str:
            return subprocess.run(["tmux", "-S", socket, *args], capture_output=True, text=True, timeout=20,
                                  env=env).stdout

        def wait(text: str) -> None:
            deadline = time.monotonic() + 20
            while text not in tmux("capture-pane", "-p", "-t", "s"):
                assert time.monotonic() < deadline, tmux("capture-pane", "-p", "-t", "s")
                time.sleep(0.1)

        try:
            subprocess.run(["tmux", "-S", socket, "-f", "/dev/null", "new-session", "-d", "-s", "s", "-x", "100",
                            "-y", "20", f"cd {root} && {PY} -m mux -L {name} new -s sec -- {PY} {script}; sleep 30"],
                           check=True, env=env, timeout=20)
            wait("title-set")
            # The status line shows the title as text (its escape sequences taken apart): tmux has read it all.
            wait("[sec] 0:Z]2;HOSTPWNED[2J6n")
            assert "HOSTPWNED" not in tmux("display", "-p", "-t", "s", "#{pane_title}")
        finally:
            subprocess.run([PY, "-m", "mux", "-L", name, "kill-server"], capture_output=True, timeout=30, env=env,
                           cwd=tmp)
            subprocess.run(["tmux", "-S", socket, "kill-server"], capture_output=True, timeout=20)


# ---------------------------------------------------------------------------------------------- the socket


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    root = Path(__file__).resolve().parent.parent
    full = {**os.environ, **env, "PYTHONPATH": str(root)}
    full.pop("MUX", None)
    return subprocess.run([PY, "-m", "mux", *args], capture_output=True, timeout=60, cwd=str(root), env=full)


@pytest.mark.parametrize("problem", ["mode-0755", "owned-by-12345"])
@pytest.mark.parametrize("args", [["ls"], ["new", "-d"]], ids=["ls", "new-d"])
def test_an_unsafe_socket_directory_is_refused_by_the_cli(tmp_path, problem, args):
    """tmux's rule: the socket directory must be the user's own, 0700; mux refuses another one in one line (exit
    status 2, naming the directory) and never repairs it, nor starts a server in it."""
    if problem == "owned-by-12345" and os.getuid() != 0:
        pytest.skip("chown to another uid needs root")
    base = tmp_path / "run"
    base.mkdir()
    directory = base / f"mux-{os.getuid()}"
    directory.mkdir()
    if problem == "mode-0755":
        os.chmod(directory, 0o755)
        reason = "mode 0755"
    else:
        os.chmod(directory, 0o700)
        os.chown(directory, 12345, -1)
        reason = "owned by uid 12345"
    before = os.lstat(directory)
    env = {"MUX_TMPDIR": str(base), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}
    done = run_cli(env, "-L", "x", *args)
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, (done.returncode, stderr)
    assert "Traceback" not in stderr, stderr
    assert stderr.endswith("\n") and stderr.count("\n") == 1, f"one line expected, got {stderr!r}"
    assert str(directory) in stderr and reason in stderr, stderr
    assert done.stdout == b""
    after = os.lstat(directory)
    assert (after.st_mode, after.st_uid) == (before.st_mode, before.st_uid), "the directory was changed"
    assert list(directory.iterdir()) == [], "nothing was created in it"
    assert not (tmp_path / "state" / "mux" / "server-x.log").exists(), "no server was started"


def test_the_server_socket_is_0600_in_a_0700_directory(mux_server):
    st = os.lstat(mux_server.path)
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == os.getuid()
    parent = os.lstat(mux_server.path.parent)
    assert stat.S_ISDIR(parent.st_mode) and stat.S_IMODE(parent.st_mode) == 0o700 and parent.st_uid == os.getuid()


# Connects to the socket argv[1] as uid 65534 and says hello (the frame in hex, argv[2]); prints what came back.
# "setuid": the whole process becomes uid 65534. "euid": only its effective uid (what SO_PEERCRED reports) does,
# while its file system uid stays 0, so it gets through the 0700 directory and the 0600 socket and only the
# server's own check is left.
OTHER_UID = (
    "import ctypes, os, socket, sys\n"
    "path, hello, how = sys.argv[1], bytes.fromhex(sys.argv[2]), sys.argv[3]\n"
    "os.setgroups([])\n"
    "if how == 'setuid':\n"
    "    os.setgid(65534)\n"
    "    os.setuid(65534)\n"
    "else:\n"
    "    os.setegid(65534)\n"
    "    os.seteuid(65534)\n"
    "    libc = ctypes.CDLL(None, use_errno=True)\n"
    "    libc.setfsgid(0)\n"
    "    libc.setfsuid(0)\n"
    "print('euid', os.geteuid(), flush=True)\n"
    "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
    "s.settimeout(10)\n"
    "try:\n"
    "    s.connect(path)\n"
    "except PermissionError:\n"
    "    print('connect: permission denied')\n"
    "    sys.exit(0)\n"
    "try:\n"
    "    s.sendall(hello)\n"
    "    data = s.recv(65536)\n"
    "except (BrokenPipeError, ConnectionResetError):\n"
    "    data = b''\n"
    "print('eof' if not data else 'got ' + data.hex())\n")


@pytest.mark.skipif(os.getuid() != 0, reason="becoming another uid needs root")
def test_a_connection_from_another_uid_is_refused(mux_server):
    hello = protocol.encode_client(protocol.hello(80, 24))

    def connect_as_nobody(how: str) -> list[str]:
        done = subprocess.run([PY, "-c", OTHER_UID, str(mux_server.path), hello.hex(), how], capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout.split("\n")

    # The whole process as uid 65534: the 0700 directory already keeps it out.
    assert connect_as_nobody("setuid")[:2] == ["euid 65534", "connect: permission denied"]
    # Past the file system: the server sees uid 65534 and closes the connection without a welcome.
    assert connect_as_nobody("euid")[:2] == ["euid 65534", "eof"]
    deadline = time.monotonic() + 10
    while "refused a connection from uid 65534" not in mux_server.log:
        assert time.monotonic() < deadline, mux_server.log
        time.sleep(0.05)
    # The server carries on for its own user.
    with mux_server.client() as client:
        assert client.new("mine", detached=True)["t"] == "ok"
