"""App robustness under abuse, with the Textual app driven by Pilot and real PTY children.

Covers: 16 panes in one window; splits refused for lack of room (nothing leaks); a storm of 200 terminal resizes
while two panes flood (screens stay consistent, output after the storm arrives, a quiet pane keeps its text);
children that exit, are SIGKILLed from outside, or close their PTY; a child that never reads its input while
megabytes are pasted into it; malformed config and theme files (`python -m mux`: exit status 2, one line on stderr,
no traceback); and a non-UTF-8 locale (`LANG=C LC_ALL=C`: --print-config, replay, Latin-1 bytes from a pane
program, and mux itself inside tmux).

Every test checks that the other panes lose nothing and that the UI does not freeze: keys typed into a quiet pane
still come back. Waits are conditions with deadlines; no timing is asserted.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from textual import events
from textual.drivers.headless_driver import HeadlessDriver
from textual.geometry import Size

from mux.config import load_config
from mux.session.pane import MAX_PENDING_INPUT
from mux.terminal import memory
from mux.ui.app import MuxApp
from tests.pilot import wait_for
from tests.terminal.test_fuzz import check_screen

ROOT = Path(__file__).resolve().parent.parent.parent
PY = sys.executable

# Prints the hex of every byte it receives, in raw mode: a quiet pane whose echo proves keys still get through.
HEXDUMP = [PY, "-c", (
    "import os, tty\n"
    "tty.setraw(0)\n"
    "while True:\n"
    "    data = os.read(0, 64)\n"
    "    if not data: break\n"
    "    os.write(1, (' '.join(f'{b:02x}' for b in data) + '\\r\\n').encode())\n")]

# Floods numbered lines until it reads an "S", then prints a marker and waits.
FLOOD = [PY, "-c", (
    "import os, select, time, tty\n"
    "tty.setraw(0)\n"
    "n = 0\n"
    "while True:\n"
    "    if select.select([0], [], [], 0)[0] and b'S' in os.read(0, 1024): break\n"
    "    os.write(1, b'flood-%d-flood-flood-flood-flood\\r\\n' % n)\n"
    "    n += 1\n"
    "os.write(1, b'\\r\\nAFTER-STORM-MARKER\\r\\n')\n"
    "time.sleep(120)\n")]

# Never reads its input (raw mode, so nothing is echoed or buffered line-wise either).
DEAF = [PY, "-c", "import time, tty; tty.setraw(0); print('deaf-ready', flush=True); time.sleep(120)"]


def text_of(pane) -> str:
    return "\n".join(line.rstrip() for line in pane.screen.display())


def all_text(pane) -> str:
    """History and screen rows joined without separators, so a soft-wrapped line reads whole again."""
    screen = pane.screen
    return "".join(screen.history_text() + screen.display())


async def type_text(pilot, text: str) -> None:
    names = {" ": "space", "\n": "enter", "-": "minus", ".": "full_stop", "/": "slash", "'": "apostrophe",
             ";": "semicolon", "=": "equals_sign", "|": "vertical_line"}
    await pilot.press(*[names.get(ch, ch) for ch in text])


async def assert_echoes(pilot, app: MuxApp, pane_id: int, keys: str = "q7") -> None:
    """Focus a HEXDUMP pane, type keys, and see their hex come back: the UI and that pane are alive."""
    window = app.current
    app._focus_pane(window, pane_id)
    await pilot.pause()
    pane = window.panes[pane_id]
    want = " ".join(f"{ord(c):02x}" for c in keys)

    def echoed() -> int:
        return " ".join(" ".join(pane.screen.history_text() + pane.screen.display()).split()).count(want)

    before, read = echoed(), pane.bytes_read
    await type_text(pilot, keys)
    # The hex dump of the keys, however the reads split them: at least "xx " per key and a line end.
    await wait_for(pilot, lambda: pane.bytes_read >= read + 3 * len(keys) + 1, what=f"echo of {keys!r}")
    if pane.screen.columns >= 3 * len(keys):        # wide enough to read the echo back whole
        await wait_for(pilot, lambda: echoed() > before, what=f"echo of {keys!r} on screen")


async def split_with(pilot, app: MuxApp, command: list[str], key: str = "percent_sign"):
    """Split the focused pane; the new pane runs `command`. Returns the new Pane (which may be gone already if its
    child exited at once)."""
    spawned = app.__dict__.get("_spawned")
    if spawned is None:
        spawned = app._spawned = []
        original = app._spawn

        def spawn(cols: int, rows: int):
            pane = original(cols, rows)
            spawned.append(pane)
            return pane

        app._spawn = spawn
    count = len(spawned)
    app.command = command
    await pilot.press("ctrl+b", key)
    await wait_for(pilot, lambda: len(spawned) > count, what="the split")
    pane = spawned[-1]
    await wait_for(pilot, lambda: pane.id in app.current.panes or pane.closed, what="the new pane")
    return pane


async def resize_terminal(pilot, app: MuxApp, width: int, height: int) -> None:
    """Pilot.resize_terminal without its wait for an idle CPU (never idle while panes flood)."""
    if isinstance(app._driver, HeadlessDriver):
        app._driver._size = Size(width, height)
    app.post_message(events.Resize(Size(width, height), Size(width, height)))
    await pilot.pause(0)


# ---------------------------------------------------------------------------------------------- many panes


async def test_sixteen_panes_in_one_window(config):
    app = MuxApp(config)
    async with app.run_test(size=(200, 61)) as pilot:
        window = app.current
        first = window.focused
        await wait_for(pilot, lambda: "$" in text_of(window.panes[first]), what="the first prompt")
        window.panes[first].write(b"echo first-pane-$((40+2))\n")
        await wait_for(pilot, lambda: "first-pane-42" in text_of(window.panes[first]), what="the first output")
        while len(window.panes) < 16:
            rects = window.layout.geometry(window.view.size.width, window.view.size.height)
            target = max(rects, key=lambda p: (rects[p].width * rects[p].height, -p))
            app._focus_pane(window, target)
            await pilot.pause()
            wide = rects[target].width >= 2 * rects[target].height
            await split_with(pilot, app, ["/bin/sh"], "percent_sign" if wide else "quotation_mark")
        await pilot.pause(0.3)
        width, height = window.view.size.width, window.view.size.height
        rects = window.layout.geometry(width, height)
        assert set(rects) == set(window.panes), "every pane has a rect"
        for rect in rects.values():
            assert rect.width >= 8 and rect.height >= 4, rect
        await wait_for(pilot, lambda: all(
            (window.panes[p].screen.columns, window.panes[p].screen.lines) == (rects[p].width, rects[p].height)
            for p in rects), what="every pane sized to its rect")
        for pane_id, pane in window.panes.items():
            pane.write(f"echo pane-{pane_id}-$((1+1))\n".encode())
        await wait_for(pilot, lambda: all(f"pane-{p}-2" in text_of(window.panes[p]) for p in window.panes),
                       what="every pane answering")
        assert "first-pane-42" in all_text(window.panes[first]), "the first pane kept its output through 15 splits"
        target = sorted(window.panes)[7]
        app._focus_pane(window, target)
        await pilot.pause()
        await type_text(pilot, "echo typed-ok | tr a-z A-Z\n")
        await wait_for(pilot, lambda: "TYPED-OK" in text_of(window.panes[target]), what="typed command output")
        assert not any("typed" in all_text(p).lower() for i, p in window.panes.items() if i != target)
        for pane in window.panes.values():
            check_screen(pane.screen, pane.stream)


async def test_splits_past_the_room_left_are_refused_and_leak_nothing(config):
    """In a small window splitting goes on until the layout refuses; every refused pane is closed and released."""
    app = MuxApp(config, HEXDUMP)
    async with app.run_test(size=(24, 10)) as pilot:
        window = app.current
        quiet = window.focused
        await pilot.pause(0.3)
        window.panes[quiet].stream.feed(b"quiet-pane-text\r\n")
        spawned = []
        for k in range(12):
            app._focus_pane(window, quiet)
            await pilot.pause()
            spawned.append(await split_with(pilot, app, ["/bin/sh"], "percent_sign" if k % 2 else "quotation_mark"))
        await pilot.pause(0.2)
        refused = [pane for pane in spawned if pane.id not in window.panes]
        assert refused, "a 24x9 window cannot hold 13 panes"
        for pane in refused:
            assert pane.closed and not pane.process.isalive()
            assert memory.os_tagged_bytes(owner=pane.screen.primary.owner) in (None, 0)
        rects = window.layout.geometry(window.view.size.width, window.view.size.height)
        assert set(rects) <= set(window.panes) and quiet in rects
        assert "quiet-pane-text" in all_text(window.panes[quiet])
        await assert_echoes(pilot, app, quiet)


# ---------------------------------------------------------------------------------------------- resize storm


async def test_resize_storm_while_two_panes_flood(config):
    # A small scrollback: every resize reflows each pane's whole history, which at 10 MB and 2 columns takes
    # seconds per resize (see the report); the point here is consistency, not reflow speed.
    config = load_config(overrides={"shell": "/bin/sh", "scrollback.limit_bytes": 0})
    app = MuxApp(config, HEXDUMP)
    async with app.run_test(size=(120, 40)) as pilot:
        window = app.current
        quiet = window.focused
        await pilot.pause(0.3)
        # Text in the quiet pane's emulator (fed directly: the child only echoes), to be found intact afterwards.
        window.panes[quiet].stream.feed(b"".join(b"keep-%03d-" % k + b"x" * 40 + b"\r\n" for k in range(30)))
        floods = [(await split_with(pilot, app, FLOOD, "percent_sign")).id,
                  (await split_with(pilot, app, FLOOD, "quotation_mark")).id]
        await wait_for(pilot, lambda: all(window.panes[f].bytes_read > 10_000 for f in floods), what="floods")
        sizes = [(120, 40), (30, 10), (1, 1), (200, 60), (80, 24), (2, 3), (41, 7), (160, 12), (10, 50), (3, 1)]
        for k in range(200):
            width, height = sizes[k % len(sizes)]
            await resize_terminal(pilot, app, max(1, width - k % 7), max(1, height - k % 3))
            if k % 20 == 0:
                await pilot.pause(0.02)
        await resize_terminal(pilot, app, 120, 40)
        await pilot.pause(0.3)
        read_before = {f: window.panes[f].bytes_read for f in floods}
        await wait_for(pilot, lambda: all(window.panes[f].bytes_read > read_before[f] for f in floods),
                       what="output still flowing after the storm")
        for pane_id in floods:
            window.panes[pane_id].write(b"S")
        await wait_for(pilot, lambda: all("AFTER-STORM-MARKER" in text_of(window.panes[f]) for f in floods),
                       what="the marker printed after the storm")
        for pane in window.panes.values():
            check_screen(pane.screen, pane.stream)
        rects = window.layout.geometry(window.view.size.width, window.view.size.height)
        assert set(rects) == set(window.panes)
        await wait_for(pilot, lambda: all((window.panes[p].screen.columns, window.panes[p].screen.lines)
                                          == (r.width, r.height) for p, r in rects.items()), what="pane sizes")
        kept = all_text(window.panes[quiet])
        missing = [k for k in range(30) if b"keep-%03d-" % k + b"x" * 40 not in kept.encode()]
        assert not missing, f"the quiet pane lost lines {missing}"
        await assert_echoes(pilot, app, quiet)


# ---------------------------------------------------------------------------------------------- children that go away


async def test_children_that_exit_are_killed_or_close_their_pty(config):
    app = MuxApp(config, HEXDUMP)
    async with app.run_test(size=(160, 40)) as pilot:
        window = app.current
        quiet = window.focused
        await pilot.pause(0.3)
        window.panes[quiet].stream.feed(b"quiet-pane-text\r\n")
        cases = {
            "exits": [PY, "-c", "print('bye'); raise SystemExit(3)"],
            "killed": [PY, "-c", "import time; print('waiting', flush=True); time.sleep(120)"],
            "closes its pty": ["/bin/sh", "-c", "exec 0<&- 1>&- 2>&-; sleep 30"],
        }
        for name, command in cases.items():
            app._focus_pane(window, quiet)
            await pilot.pause()
            pane = await split_with(pilot, app, command)
            pane_id = pane.id
            owners = [pane.screen.primary.owner]
            if name == "killed":
                await wait_for(pilot, lambda pane=pane: "waiting" in text_of(pane), what="the child to start")
                os.kill(pane.process.pid, signal.SIGKILL)
            await wait_for(pilot, lambda pane_id=pane_id: pane_id not in window.panes, what=f"the pane that {name}")
            assert pane.closed and not pane.alive and pane_id not in app.views
            assert not pane.process.isalive(), f"the child that {name} is gone"
            for owner in owners:
                assert memory.os_tagged_bytes(owner=owner) in (None, 0), "a closed pane's pages are released"
            assert window.focused in window.panes
            assert "quiet-pane-text" in text_of(window.panes[quiet])
            await assert_echoes(pilot, app, quiet, keys="ok")
        assert app.is_running and list(window.panes) == [quiet]


# ---------------------------------------------------------------------------------------------- input nobody reads


async def test_megabytes_pasted_into_a_child_that_never_reads(config):
    app = MuxApp(config, HEXDUMP)
    async with app.run_test(size=(120, 30)) as pilot:
        window = app.current
        quiet = window.focused
        await pilot.pause(0.3)
        window.panes[quiet].stream.feed(b"quiet-pane-text\r\n")
        deaf = await split_with(pilot, app, DEAF)
        deaf_id = deaf.id
        await wait_for(pilot, lambda: "deaf-ready" in text_of(deaf), what="the deaf child to start")
        view = app.views[deaf_id]
        chunk = "paste-" * 200_000                          # 1.2 MB per paste
        for _ in range(5):
            view.post_message(events.Paste(chunk))
            await pilot.pause()
        await type_text(pilot, "typing-into-a-deaf-child")   # keys too, while its input is full
        for _ in range(20):
            app.write_to_pane(deaf, b"k" * 100_000)
        await pilot.pause(0.2)
        assert deaf.alive
        assert len(deaf._pending) <= MAX_PENDING_INPUT
        assert deaf.dropped_input > 0, "input past MAX_PENDING_INPUT is dropped, not queued without bound"
        await assert_echoes(pilot, app, quiet)
        # Still alive and still accepting (and dropping) input; other panes unaffected.
        app.write_to_pane(deaf, b"more")
        assert len(deaf._pending) <= MAX_PENDING_INPUT
        await assert_echoes(pilot, app, quiet, keys="zz")
        assert "quiet-pane-text" in all_text(window.panes[quiet]) and "deaf-ready" in text_of(deaf)


# ---------------------------------------------------------------------------------------------- config and theme files


def run_mux(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "mux", *args], capture_output=True, timeout=60, cwd=cwd or ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


BAD_CONFIGS = [
    ("syntax.toml", b"prefix = \n", "line 1"),
    ("unknown-key.toml", b"colour = 1\n", "colour: unknown key"),
    ("type.toml", b'mouse = "yes"\n', "mouse: must be true or false"),
    ("negative.toml", b"[scrollback]\nlimit_bytes = -5\n", "scrollback.limit_bytes: must be a whole number"),
    ("table.toml", b"scrollback = 3\n", "scrollback: must be a table"),
    ("key.toml", b'[keys]\n"ctrl+B" = "zoom"\n', 'keys."ctrl+B": invalid key name'),
    ("action.toml", b'[keys]\n"x" = "explode"\n', 'keys.x: unknown action "explode"'),
    ("prefix.toml", b'prefix = "ctrl+\\nb"\n', "prefix: invalid key name"),
    ("latin1.toml", b'shell = "caf\xe9"\n', "not UTF-8 text"),
    ("nul.toml", b'shell = "a\\u0000b"\n', "shell: must be a program path or name"),
    ("theme-ref.toml", b'theme = "./no-such-theme.toml"\n', "theme: no such theme file"),
    ("clipboard.toml", b"[clipboard]\nosc52_write = 1\n", "clipboard.osc52_write: must be true or false"),
]


def _theme(tmp_path: Path, name: str, change: str | None = None, append: str = "") -> Path:
    text = (ROOT / "themes" / "default.toml").read_text()
    if change is not None:
        key = change.split(" = ")[0]
        text = "\n".join(change if line.startswith(key + " = ") else line for line in text.splitlines()) + "\n"
    path = tmp_path / name
    path.write_text(text + append)
    return path


def assert_one_line_error(done: subprocess.CompletedProcess, *parts: str) -> None:
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, (done.returncode, stderr)
    assert "Traceback" not in stderr, stderr
    assert stderr.endswith("\n") and stderr.count("\n") == 1, f"one line expected, got {stderr!r}"
    assert stderr.startswith("mux: error: "), stderr
    for part in parts:
        assert part in stderr, (part, stderr)
    assert done.stdout == b""


@pytest.mark.parametrize("name, content, reason", BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_malformed_config_is_one_line_and_status_2(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    assert_one_line_error(run_mux("--config", str(path), "--print-config"), str(path), reason)


@pytest.mark.parametrize("change, append, reason", [
    ('foreground = "red"', "", 'terminal.foreground: must be a colour "#rrggbb", got "red"'),
    ('red = "#12345"', "", "ansi.red: must be a colour"),
    (None, "[extra]\n", "extra: unknown key"),
    (None, "[ui]\nborder = 1\n", "invalid TOML"),
    ('cursor = "#zzzzzz"', "", "terminal.cursor: must be a colour"),
], ids=["name-not-colour", "short-colour", "unknown-table", "duplicate-table", "bad-hex"])
def test_malformed_theme_is_one_line_and_status_2(tmp_path, change, append, reason):
    theme = _theme(tmp_path, "bad.toml", change, append)
    assert_one_line_error(run_mux("--theme", str(theme), "--print-config"), str(theme), reason)
    # The same file named by a config file: the message names the theme file, where the mistake is.
    config = tmp_path / "config.toml"
    config.write_text('theme = "bad.toml"\n')
    assert_one_line_error(run_mux("--config", str(config), "--print-config"), str(theme), reason)


def test_missing_table_theme_and_unreadable_files(tmp_path):
    theme = tmp_path / "partial.toml"
    theme.write_text("[terminal]\n")
    assert_one_line_error(run_mux("--theme", str(theme), "--print-config"), str(theme), "terminal.foreground: missing")
    assert_one_line_error(run_mux("--config", str(tmp_path), "--print-config"), str(tmp_path), "cannot read")
    assert_one_line_error(run_mux("--config", str(tmp_path / "nope.toml"), "--print-config"), "no such config file")
    # Not a file at all: an endless device is refused, not read into memory.
    assert_one_line_error(run_mux("--theme", "/dev/zero", "--print-config"), "/dev/zero", "larger than")
    assert_one_line_error(run_mux("--config", "/dev/zero", "--print-config"), "/dev/zero", "larger than")


# ---------------------------------------------------------------------------------------------- a non-UTF-8 locale

C_LOCALE = {"LANG": "C", "LC_ALL": "C"}


@pytest.mark.parametrize("utf8_mode", ["", "0"], ids=["default", "PYTHONUTF8=0"])
def test_c_locale_print_config_and_replay(tmp_path, utf8_mode):
    """LANG=C: Python's UTF-8 mode normally kicks in; with PYTHONUTF8=0 stdout is really ASCII. Neither may crash."""
    env = {**C_LOCALE, "PYTHONUTF8": utf8_mode} if utf8_mode else dict(C_LOCALE)
    config = tmp_path / "cönfig" / "config.toml"          # a non-ASCII path too (surrogates in an ASCII locale)
    config.parent.mkdir()
    config.write_text('[keys]\n"é" = "zoom"\n"€" = "help"\n', encoding="utf-8")
    done = run_mux("--config", str(config), "--print-config", env=env)
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    printed = done.stdout.decode("utf-8")                  # TOML is UTF-8 whatever the locale
    assert '"é" = "zoom"' in printed and '"euro_sign" = "help"' in printed and "cönfig" in printed
    again = tmp_path / "again.toml"
    again.write_bytes(done.stdout)
    assert load_config(again).action_for("é") == "zoom"

    recording = tmp_path / "utf8.bin"
    recording.write_bytes("héllo wörld 中文 👩‍💻\r\n\x1b[31mred\x1b[m é\u0301\r\n".encode() + b"bad \xff\xfe bytes\r\n")
    done = run_mux("replay", str(recording), "--cols", "40", "--rows", "5", env=env)
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    lines = done.stdout.decode("utf-8").splitlines()
    if utf8_mode:           # an ASCII stdout: what it cannot show becomes "?"
        assert lines == ["h?llo w?rld ?? ???", "red ??", "bad ?? bytes"], lines
    else:
        assert lines == ["héllo wörld 中文 👩‍💻", "red é\u0301", "bad \ufffd\ufffd bytes"], lines


async def test_latin1_bytes_from_a_pane_become_replacement_characters(config, monkeypatch):
    for name, value in C_LOCALE.items():
        monkeypatch.setenv(name, value)
    app = MuxApp(config, HEXDUMP)
    async with app.run_test(size=(100, 30)) as pilot:
        window = app.current
        quiet = window.focused
        pane = await split_with(pilot, app, ["/bin/sh", "-c", r"printf 'caf\351 na\357ve \344\366\374\n'; sleep 60"])
        await wait_for(pilot, lambda: "caf" in text_of(pane), what="the Latin-1 output")
        assert "caf\ufffd na\ufffdve \ufffd\ufffd\ufffd" in text_of(pane)
        assert pane.stream.errors == 0
        check_screen(pane.screen, pane.stream)
        await assert_echoes(pilot, app, quiet)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_mux_runs_in_the_c_locale_inside_tmux():
    """The real `mux` in a real terminal with LANG=C LC_ALL=C: a pane printing Latin-1 shows U+FFFD, the app works."""
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        socket = str(tmpdir / "sock")
        status = tmpdir / "status"
        env = {**os.environ, "HOME": str(tmpdir), "XDG_CONFIG_HOME": str(tmpdir / "config"), "TERM": "xterm-256color",
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONPATH": str(ROOT)}
        pane_cmd = r"printf 'caf\351 ok\n'; exec cat"
        command = (f"cd {ROOT} && LANG=C LC_ALL=C {PY} -m mux -- /bin/sh -c \"{pane_cmd}\"; echo $? > {status}; "
                   "sleep 30")

        def tmux(*args: str) -> str:
            return subprocess.run(["tmux", "-S", socket, *args], capture_output=True, text=True, timeout=20,
                                  env=env).stdout

        def wait(predicate, what: str) -> str:
            deadline = time.monotonic() + 20
            while True:
                text = tmux("capture-pane", "-p", "-t", "c")
                if predicate(text):
                    return text
                if time.monotonic() > deadline:
                    raise AssertionError(f"{what}: timed out; the terminal shows:\n{text}")
                time.sleep(0.1)

        subprocess.run(["tmux", "-S", socket, "-f", "/dev/null", "new-session", "-d", "-s", "c", "-x", "100",
                        "-y", "20", command], check=True, env=env, timeout=20)
        try:
            screen = wait(lambda t: "ok" in t, "the pane's output")
            assert "caf\ufffd ok" in screen, screen
            tmux("send-keys", "-t", "c", "typed-in-c", "Enter")
            wait(lambda t: t.count("typed-in-c") >= 2, "cat echoing a line")       # the tty echo and cat's copy
            tmux("send-keys", "-t", "c", "C-d")
            deadline = time.monotonic() + 20
            while not status.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert status.exists() and status.read_text().strip() == "0", "mux exits 0 when its last pane ends"
        finally:
            subprocess.run(["tmux", "-S", socket, "kill-server"], capture_output=True, timeout=20)
