"""Security defaults: what a program in a pane can make mux do.

- OSC 52 clipboard writes from a child are ignored unless `[clipboard] osc52_write = true`; OSC 52 reads
  (`ESC ] 52 ; c ; ?`) are never answered.
- Nothing child-controlled is echoed back as input: no title reports (`CSI 21 t`, `CSI 20 t`, OSC title queries,
  XTGETTCAP), and colour query replies hold only `rgb:` values, even after the child set colours to arbitrary
  text. A property test feeds random queries and text and checks every reply against an allow-list of shapes.
- OSC 8 hyperlinks open only on ctrl+click, and only http(s) and file URIs without control characters; a plain
  click, a mouse move or a key never opens anything.

Both levels are checked: the Screen's `on_reply` directly, and the app with real PTY children whose programs
print what mux sent to their input (`App.copy_to_clipboard` / `App.open_url` are patched to record).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mux.config import load_config
from mux.terminal.screen import Screen
from mux.terminal.stream import Stream
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
    r"\x1b\[\??\d{1,5};[012]\$y",               # DECRQM
    r"\x1b\[\?\d{1,2}u",                        # kitty keyboard flags
    rf"\x1b\]4;\d{{1,3}};{_RGB}\x1b\\",          # palette colour
    rf"\x1b\](?:10|11|12);{_RGB}\x1b\\",         # dynamic colours
]).encode())


def make_screen():
    replies: list[bytes] = []
    clipboard: list[tuple[str, str]] = []
    screen = Screen(80, 24, on_reply=replies.append, on_clipboard=lambda target, text: clipboard.append((target, text)))
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
        for query in (b"\x1b[21t", b"\x1b[20t", b"\x1b[18t", b"\x1b[19t", b"\x1b[14t", b"\x1b[13t", b"\x1b[11t",
                      b"\x1b[22;0t\x1b[23;0t", b"\x1b]2;?\x07", b"\x1b]0;?\x07", b"\x1b]1;?\x07", b"\x1b]21\x07",
                      b"\x1b]l\x07", b"\x1b]L\x07", b"\x1b]176;?\x07", b"\x1bP+q544e\x1b\\", b"\x1bP$qm\x1b\\",
                      b"\x1bP$q\"p\x1b\\", b"\x1b]7;?\x07", b"\x1b]8;;?\x07"):
            stream.feed(query)
        stream.feed(DA1)
        assert replies == [b"\x1b[?62;22c"]
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
        for code in ("4;1", "4;255", "10", "11", "12"):
            stream.feed(f"\x1b]{code};{EVIL}\x1b\\".encode())
            stream.feed(f"\x1b]{code};rgb:zz/{EVIL}/00\x07".encode())
        stream.feed(b"\x1b]4;1;?\x07\x1b]4;255;?;0;?\x1b\\\x1b]10;?\x07\x1b]11;?;?\x07\x1b]12;?\x07\x1b]4;256;?\x07")
        assert len(replies) == 7, replies                       # index 256 does not exist: no reply
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
            "\x1b]2;?\x07", "\x1bP+q544e\x1b\\", "\x1b[99999;99999H\x1b[6n", "\x1b[?99999$p", "\x1b]4;0;?;1;?\x07"]
_SETS = ["\x1b]4;{n};{t}\x07", "\x1b]10;{t}\x07", "\x1b]11;{t}\x1b\\", "\x1b]2;{t}\x07", "\x1b]7;{t}\x07",
         "\x1b]8;;{t}\x07{t}\x1b]8;;\x07", "\x1b]52;c;{t}\x07", "{t}", "\x1b]104;{n}\x07", "\x1b]4;{n};#{n:06x}\x07"]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(parts=st.lists(st.one_of(
    st.sampled_from(_QUERIES),
    st.builds(lambda fmt, n, t: fmt.format(n=n, t=t), st.sampled_from(_SETS), st.integers(0, 300),
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
    """The focused pane's history and screen, rows joined without separators (soft-wrapped lines read whole)."""
    pane = app.current.panes[app.current.focused]
    return "".join(pane.screen.history_text() + pane.screen.display())


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


async def child_receives(config, queries: bytes) -> bytes:
    app = MuxApp(config, [*PROBE, queries.hex()])
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_for(pilot, lambda: ":END" in pane_text(app), what="the probe's report")
        found = re.search(r"REPLIES:([0-9a-f]*):END", pane_text(app))
        assert found is not None
        return bytes.fromhex(found.group(1))


async def test_child_gets_no_osc52_read_and_no_title_report(config):
    queries = (f"\x1b]2;{EVIL}\x07".encode() + b"\x1b]52;c;?\x07\x1b]52;p;?\x1b\\\x1b[21t\x1b[20t\x1b]2;?\x07"
               b"\x1b]l\x07\x1bP+q544e\x1b\\")
    assert await child_receives(config, queries) == b"\x1b[?62;22c"


async def test_child_colour_queries_get_only_rgb_values(config):
    queries = (f"\x1b]4;1;{EVIL}\x1b\\\x1b]11;{EVIL}\x07".encode()
               + b"\x1b]4;1;?\x07\x1b]11;?\x07\x1b]10;?\x1b\\")
    received = await child_receives(config, queries)
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
async def test_osc52_write_from_a_child(tmp_path, monkeypatch, enabled):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    copied: list[str] = []
    monkeypatch.setattr(MuxApp, "copy_to_clipboard", lambda self, text: copied.append(text))
    file = tmp_path / "config.toml"
    file.write_text("[clipboard]\nosc52_write = true\n" if enabled else "")
    config = load_config(file, overrides={"shell": "/bin/sh"})
    assert config.osc52_write is enabled
    app = MuxApp(config, CLIPBOARD_WRITER)
    async with app.run_test(size=(100, 20)) as pilot:
        await wait_for(pilot, lambda: "osc52-sent" in pane_text(app), what="the child's output")
        await pilot.pause(0.1)
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


def _links_program() -> list[str]:
    out = "".join(f"\x1b]8;id=l{k};{uri}\x1b\\LINK{k}-LINK{k}\x1b]8;;\x1b\\\r\n" for k, (uri, _) in enumerate(LINKS))
    return [PY, "-c", "import sys, time, tty\ntty.setraw(0)\n"
                      f"sys.stdout.buffer.write({(out + 'links-ready').encode()!r})\n"
                      "sys.stdout.flush()\ntime.sleep(60)\n"]


@pytest.mark.parametrize("child_mouse", [False, True], ids=["no-mouse-mode", "child-mouse-mode"])
async def test_links_open_only_on_ctrl_click_and_only_safe_schemes(config, monkeypatch, child_mouse):
    opened: list[str] = []
    monkeypatch.setattr(MuxApp, "open_url", lambda self, url, **kw: opened.append(url))
    app = MuxApp(config, _links_program())
    async with app.run_test(size=(100, 20)) as pilot:
        await wait_for(pilot, lambda: "links-ready" in pane_text(app), what="the links")
        pane = app.current.panes[app.current.focused]
        view = app.views[pane.id]
        if child_mouse:
            pane.stream.feed(b"\x1b[?1000h\x1b[?1006h")      # as if the child asked for mouse reports
        for row, (uri, _) in enumerate(LINKS):
            assert view.link_at(2, row) == uri, (row, view.link_at(2, row))
        # No explicit action, no link opened: plain clicks, moves, keys.
        for row in range(len(LINKS)):
            await pilot.hover(view, offset=(3, row))
            await pilot.click(view, offset=(3, row))
            await pilot.click(view, offset=(3, row), shift=True)
            await pilot.click(view, offset=(3, row), button=2)
            await pilot.click(view, offset=(3, row), button=3, control=True)
        await pilot.press("enter", "o", "ctrl+o", "ctrl+enter", "space")
        await pilot.pause(0.1)
        assert opened == []
        # ctrl+click: only the allowed ones.
        for row in range(len(LINKS)):
            await pilot.click(view, offset=(3, row), control=True)
        await pilot.pause(0.1)
        assert opened == [uri for uri, ok in LINKS if ok]
        # A ctrl+click where there is no link opens nothing either.
        await pilot.click(view, offset=(60, 2), control=True)
        await pilot.pause(0.1)
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
async def test_child_text_in_the_status_lines_has_no_control_characters(tmp_path, monkeypatch, program):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    config = load_config(overrides={"shell": "/bin/sh", "status_bar": True})
    app = MuxApp(config, program)
    async with app.run_test(size=(120, 20)) as pilot:
        await wait_for(pilot, lambda: "-set" in pane_text(app), what="the child's output")
        pane = app.current.panes[app.current.focused]
        await wait_for(pilot, lambda: ("PWN" in pane.title) and app.status_line.windows
                       and "PWN" in app.status_line.windows[0][1], what="the name in the status line")
        app._update_memory_bar()
        shown = [name for _, name, _ in app.status_line.windows] + list(app.memory_bar.lines) + [pane.title]
        for text in shown:
            assert not _CONTROL.search(text), repr(text)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_child_title_cannot_reach_the_real_terminal():
    """End to end in tmux: a pane's title with an OSC 2 inside must not change the title of tmux's own pane."""
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        socket = str(Path(tmp) / "sock")
        script = Path(tmp) / "child.py"
        script.write_text(TITLE_SETTER[2])
        env = {**os.environ, "HOME": tmp, "XDG_CONFIG_HOME": str(Path(tmp) / "config"), "TERM": "xterm-256color",
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONPATH": str(root)}

        def tmux(*args: str) -> str:
            return subprocess.run(["tmux", "-S", socket, *args], capture_output=True, text=True, timeout=20,
                                  env=env).stdout

        subprocess.run(["tmux", "-S", socket, "-f", "/dev/null", "new-session", "-d", "-s", "s", "-x", "100", "-y",
                        "20", f"cd {root} && {PY} -m mux -- {PY} {script}; sleep 30"], check=True, env=env,
                       timeout=20)
        try:
            deadline = time.monotonic() + 20
            while "title-set" not in tmux("capture-pane", "-p", "-t", "s"):
                assert time.monotonic() < deadline, tmux("capture-pane", "-p", "-t", "s")
                time.sleep(0.1)
            deadline = time.monotonic() + 20
            while "[mux] 0:Z" not in tmux("capture-pane", "-p", "-t", "s"):   # the status line shows the title
                assert time.monotonic() < deadline, tmux("capture-pane", "-p", "-t", "s")
                time.sleep(0.1)
            time.sleep(0.3)
            assert "HOSTPWNED" not in tmux("display", "-p", "-t", "s", "#{pane_title}")
        finally:
            subprocess.run(["tmux", "-S", socket, "kill-server"], capture_output=True, timeout=20)
