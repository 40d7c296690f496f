"""Robustness under abuse: the Textual client driven by Pilot against a real mux server (one per test, killed
afterwards) with real PTY children.

Covers: 16 panes in one window; splits refused for lack of room (the server says so in a message; the refused
panes' children and pages are gone); a storm of 200 terminal resizes while two panes flood (the mirrored screens
stay consistent, output after the storm arrives, a quiet pane keeps its text); children that exit, are SIGKILLed
from outside, or close their PTY (the pane closes, the others carry on); a child that never reads its input while
megabytes are pasted into it (the server keeps at most MAX_PENDING_INPUT bytes for it and drops the rest);
malformed config and theme files (`python -m mux`: exit status 2, one line on stderr, no traceback); and a
non-UTF-8 locale (`LANG=C LC_ALL=C`: --print-config, replay, Latin-1 bytes from a pane program, and mux itself
inside tmux).

The panes live in the server process, so everything is checked where it can be seen: the client's mirror (what the
user sees), the server's child processes and page mappings (/proc/PID of the server: the OS's truth), and the
server's log ("OS-tagged page bytes left: 0" once it exits, and no error logged). Every test checks that the other
panes lose nothing and that the UI does not freeze: keys typed into a quiet pane still come back. Waits are
conditions with deadlines; no timing is asserted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual import events
from textual.drivers.headless_driver import HeadlessDriver
from textual.geometry import Size

import mux.ui.app as app_module
from mux.config import load_config
from mux.protocol import MAX_PASTE
from mux.session.pane import MAX_PENDING_INPUT
from mux.ui.app import MuxApp
from tests.pilot import wait_for

ROOT = Path(__file__).resolve().parent.parent.parent
PY = sys.executable

# Prints argv[1] (text to keep on screen), then the hex of every byte it receives, in raw mode: a quiet pane whose
# echo proves keys still get through.
HEXDUMP_CODE = (
    "import os, sys, tty\n"
    "tty.setraw(0)\n"
    "os.write(1, sys.argv[1].encode() + b'hex-ready\\r\\n')\n"
    "while True:\n"
    "    data = os.read(0, 64)\n"
    "    if not data: break\n"
    "    os.write(1, (' '.join(f'{b:02x}' for b in data) + '\\r\\n').encode())\n")


def hexdump(text: str = "") -> list[str]:
    return [PY, "-c", HEXDUMP_CODE, text]


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

# Never reads its input (raw mode, so nothing is echoed or buffered line-wise either) until the file argv[1]
# exists; then it reads everything that is waiting (until its input is quiet for a second) and prints how many
# bytes that was, and from then on the size of every read.
DEAF = [PY, "-c", (
    "import os, select, sys, time, tty\n"
    "tty.setraw(0)\n"
    "print('deaf-ready', end='\\r\\n', flush=True)\n"
    "while not os.path.exists(sys.argv[1]):\n"
    "    time.sleep(0.05)\n"
    "total = 0\n"
    "while select.select([0], [], [], 1.0)[0]:\n"
    "    data = os.read(0, 1 << 16)\n"
    "    if not data: break\n"
    "    total += len(data)\n"
    "os.write(1, b'deaf-read-%d-bytes\\r\\n' % total)\n"
    "while True:\n"
    "    data = os.read(0, 1 << 16)\n"
    "    if not data: break\n"
    "    os.write(1, b'deaf-got-%d\\r\\n' % len(data))\n")]

# The session's command. Each new pane (the first one and every split) runs the next command queued in the folder
# argv[1] (/bin/sh when none is), so the panes of one window can run different programs, as splits with a command
# did before the server existed. It records its pid (the pane's child, as it execs) in argv[1]/pids.
LAUNCHER_CODE = (
    "import json, os, sys\n"
    "queue = sys.argv[1]\n"
    "argv = ['/bin/sh']\n"
    "for name in sorted(n for n in os.listdir(queue) if n.endswith('.json')):\n"
    "    path = os.path.join(queue, name)\n"
    "    try:\n"
    "        os.rename(path, path + '.taken')\n"
    "    except FileNotFoundError:\n"
    "        continue\n"
    "    with open(path + '.taken') as f:\n"
    "        argv = json.load(f)\n"
    "    break\n"
    "with open(os.path.join(queue, 'pids'), 'a') as f:\n"
    "    f.write(f'{os.getpid()}\\n')\n"
    "os.execvp(argv[0], argv)\n")


class Launcher:
    def __init__(self, root: Path) -> None:
        self.queue = root / "launch"
        self.queue.mkdir()
        self.pushed = 0

    @property
    def argv(self) -> list[str]:
        return [PY, "-c", LAUNCHER_CODE, str(self.queue)]

    def push(self, command: list[str]) -> None:
        """The next pane runs `command`."""
        temporary = self.queue / f"{self.pushed:04d}.tmp"
        temporary.write_text(json.dumps(command))
        temporary.rename(self.queue / f"{self.pushed:04d}.json")
        self.pushed += 1

    def waiting(self) -> bool:
        return any(p.suffix == ".json" for p in self.queue.iterdir())

    def pids(self) -> list[int]:
        try:
            return [int(line) for line in (self.queue / "pids").read_text().split()]
        except OSError:
            return []


class Watch:
    """Records, in a running app, every layout the client applied (the pane ids it showed) and every message it
    flashed, so that a pane that came and went between two looks is still seen."""

    def __init__(self, app: MuxApp) -> None:
        self.app = app
        self.layouts: list[set[int]] = []
        self.messages: list[str] = []
        mirror = app.mirror
        apply_layout, flash = mirror.apply_layout, app.flash

        def on_layout(message):
            apply_layout(message)
            self.layouts.append(set(mirror.places))

        def on_flash(text, seconds=3.0):
            self.messages.append(text)
            flash(text, seconds)

        mirror.apply_layout = on_layout
        app.flash = on_flash

    def seen(self) -> set[int]:
        return set().union(*self.layouts) if self.layouts else set()


# ---------------------------------------------------------------------------------------------- what the user sees


def text_of(app: MuxApp, pane_id: int) -> str:
    pane = app.mirror.panes.get(pane_id)
    return "\n".join(line.rstrip() for line in pane.display()) if pane is not None else ""


def stream_of(app: MuxApp, pane_id: int) -> str:
    """The pane's rows joined without separators: rows are padded to the pane's width, so a soft-wrapped line reads
    whole again and the padding of a short line separates it from the next."""
    pane = app.mirror.panes.get(pane_id)
    return "".join(pane.display()) if pane is not None else ""


def mirror_consistent(app: MuxApp) -> bool:
    """Every pane of the layout is mirrored at the size of its place, with that many rows, each exactly as wide."""
    mirror = app.mirror
    for pane_id, place in mirror.places.items():
        pane = mirror.panes.get(pane_id)
        if pane is None or (pane.cols, pane.rows) != (place.width, place.height) or len(pane.lines) != pane.rows:
            return False
        if any(cell_len(pane.text(y)) != pane.cols for y in range(pane.rows)):
            return False
    return True


async def select(pilot, app: MuxApp, pane_id: int) -> None:
    app.send({"t": "command", "name": "select-pane", "args": [pane_id]})
    await wait_for(pilot, lambda: app.mirror.active == pane_id, what=f"pane {pane_id} active")


async def assert_echoes(pilot, app: MuxApp, pane_id: int, keys: str) -> None:
    """Make a HEXDUMP pane active, type keys (letters and digits, different in every call of
    a test), and see their hex come
    back: the UI, the server and that pane are alive."""
    want = " ".join(f"{ord(c):02x}" for c in keys)
    assert want not in " ".join(stream_of(app, pane_id).split()), "use other keys: these were echoed already"
    await select(pilot, app, pane_id)
    await pilot.press(*keys)
    # The hex dump of the keys, however the reads split them.
    await wait_for(pilot, lambda: want in " ".join(stream_of(app, pane_id).split()), what=f"the echo of {keys!r}")


async def split_with(pilot, watch: Watch, launcher: Launcher, command: list[str] | None,
                     key: str = "percent_sign") -> int:
    """Split the active pane; the new pane runs `command` (/bin/sh if None). Returns its id (the pane may be gone
    already if its child exited at once)."""
    before = max(watch.seen(), default=0)
    if command is not None:
        launcher.push(command)
    await pilot.press("ctrl+b", key)
    await wait_for(pilot, lambda: max(watch.seen(), default=0) > before, what="the split")
    if command is not None:
        await wait_for(pilot, lambda: not launcher.waiting(), what="the new pane's child to start")
    return max(watch.seen())


async def resize_terminal(pilot, app: MuxApp, width: int, height: int) -> None:
    """Pilot.resize_terminal without its wait for an idle CPU (never idle while panes flood)."""
    if isinstance(app._driver, HeadlessDriver):
        app._driver._size = Size(width, height)
    app.post_message(events.Resize(Size(width, height), Size(width, height)))
    await pilot.pause(0)


# ---------------------------------------------------------------------------------------------- the server process


def server_children(server_pid: int) -> set[int]:
    """The server's live child processes (zombies do not count: they are gone, only not yet reaped)."""
    out = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()       # after "pid (comm) ": state, ppid, ...
        if fields[0] != "Z" and int(fields[1]) == server_pid:
            out.add(int(entry))
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


# A page mapping as /proc/PID/maps names it: "[anon:mux-pool.p3]" or "/memfd:mux-pool.p3 (deleted)".
_PAGE_MAPPING = re.compile(rb"^[0-9a-f]+-[0-9a-f]+ .*(?:\[anon:|/memfd:)mux-(?:pool|direct)\.(\w+)", re.M)


def server_page_owners(server_pid: int) -> set[bytes] | None:
    """The PageLists (owners) with page mappings in the server process, as the OS sees them; None if it cannot
    tell. Every pane keeps at least one page of its primary screen, so a pane shows up as one owner (two while it
    has an alternate screen)."""
    try:
        maps = Path(f"/proc/{server_pid}/maps").read_bytes()
    except OSError:
        return None
    owners = set(_PAGE_MAPPING.findall(maps))
    return owners or None


def assert_server_healthy(server) -> None:
    log = server.log
    assert " ERROR " not in log and " CRITICAL " not in log and "Traceback" not in log, log[-3000:]


def assert_server_released_everything(server) -> None:
    """kill-server: the server exits, and its last words say no page mapping was left."""
    server.stop()
    assert not server.alive()
    assert "OS-tagged page bytes left: 0" in server.log, server.log[-2000:]
    assert_server_healthy(server)


# ---------------------------------------------------------------------------------------------- many panes


async def test_sixteen_panes_in_one_window(make_app, mux_server):
    app = make_app(size=(200, 61))
    async with app.run_test(size=(200, 61)) as pilot:
        mirror = app.mirror
        await wait_for(pilot, lambda: len(mirror.places) == 1 and "$" in text_of(app, mirror.active),
                       what="the first prompt")
        first = mirror.active
        await pilot.press(*"echo first-pane-$((40+2))", "enter")
        await wait_for(pilot, lambda: "first-pane-42" in text_of(app, first).split(), what="the first output")
        while len(mirror.places) < 16:
            places = mirror.places
            target = max(places, key=lambda p: (places[p].width * places[p].height, -p))
            await select(pilot, app, target)
            wide = places[target].width >= 2 * places[target].height
            count = len(places)
            await pilot.press("ctrl+b", "percent_sign" if wide else "quotation_mark")
            await wait_for(pilot, lambda count=count: len(mirror.places) > count, what="the split")
        assert (mirror.cols, mirror.rows) == (200, 60)
        for place in mirror.places.values():
            assert place.width >= 8 and place.height >= 4, place
        await wait_for(pilot, lambda: mirror_consistent(app), what="every pane mirrored at the size of its place")
        assert set(app.window_view.views) == set(mirror.places)
        for pane_id in mirror.places:
            await wait_for(pilot, lambda pane_id=pane_id: "$" in text_of(app, pane_id), what=f"pane {pane_id} prompt")
            await select(pilot, app, pane_id)
            app.window_view.views[pane_id].post_message(events.Paste(f"echo pane-{pane_id}-$((1+1))\n"))
            # (the paste is handled by the view in its turn: wait for its answer before another pane is active)
            await wait_for(pilot, lambda pane_id=pane_id: f"pane-{pane_id}-2" in text_of(app, pane_id).split(),
                           what=f"pane {pane_id} answering")
        assert all(f"pane-{p}-2" in text_of(app, p).split() for p in mirror.places), "every pane answered"
        assert "first-pane-42" in text_of(app, first).split(), "the first pane kept its output through 15 splits"
        target = sorted(mirror.places)[7]
        await select(pilot, app, target)
        await pilot.press(*"echo typed-ok | tr a-z A-Z", "enter")
        await wait_for(pilot, lambda: "TYPED-OK" in text_of(app, target), what="typed command output")
        assert not any("typed" in text_of(app, p).lower() for p in mirror.places if p != target)
        assert len(server_children(mux_server.pid)) == 16
        owners = server_page_owners(mux_server.pid)
        assert owners is None or len(owners) == 16
        assert mirror_consistent(app)
    assert_server_released_everything(mux_server)


async def test_splits_past_the_room_left_are_refused_and_leak_nothing(make_app, mux_server, tmp_path):
    """In a small window splitting goes on until the layout refuses; the server says so, and every refused pane's
    child and pages are gone."""
    launcher = Launcher(tmp_path)
    launcher.push(hexdump("quiet-pane-text\r\n"))
    app = make_app(launcher.argv, size=(24, 10))
    watch = Watch(app)
    async with app.run_test(size=(24, 10)) as pilot:
        mirror = app.mirror
        await wait_for(pilot, lambda: mirror.active is not None and "hex-ready" in text_of(app, mirror.active),
                       what="the quiet pane")
        quiet = mirror.active
        attempts, added = 12, 0
        for k in range(attempts):
            before, messages = max(watch.seen()), len(watch.messages)
            await pilot.press("ctrl+b", "percent_sign" if k % 2 else "quotation_mark")
            await wait_for(pilot, lambda before=before, messages=messages:
                           max(watch.seen()) > before or len(watch.messages) > messages, what="the split or refusal")
            if max(watch.seen()) > before:
                added += 1
        refusals = [m for m in watch.messages if "no room to split" in m]
        assert added + len(refusals) == attempts, watch.messages
        assert refusals, "a 24x9 window cannot hold 13 panes"
        assert len(mirror.places) == 1 + added and quiet in mirror.places
        await wait_for(pilot, lambda: len(server_children(mux_server.pid)) == len(mirror.places),
                       what="the children of refused panes gone")
        owners = server_page_owners(mux_server.pid)
        assert owners is None or len(owners) == len(mirror.places), "the refused panes' pages are released"
        await wait_for(pilot, lambda: mirror_consistent(app), what="the mirror consistent")
        assert "quiet-pane-text" in text_of(app, quiet)
        await assert_echoes(pilot, app, quiet, "q7")
    assert_server_released_everything(mux_server)


# ---------------------------------------------------------------------------------------------- resize storm


def flood_count(app: MuxApp, pane_id: int) -> int:
    """The number of the last flood line the pane shows whole."""
    numbers = [int(n) for n in re.findall(r"flood-(\d+)-flood-flood-flood-flood", stream_of(app, pane_id))]
    return max(numbers, default=-1)


async def test_resize_storm_while_two_panes_flood(config, make_app, mux_server, tmp_path, monkeypatch):
    # A small scrollback: every resize reflows each pane's whole history, which at 10 MB and 2 columns takes
    # seconds per resize; the point here is consistency, not reflow speed. A line limit, as cold pages keep many
    # times more history in the same bytes.
    config = load_config(overrides={"shell": "/bin/sh", "scrollback.limit_bytes": 0, "scrollback.limit_lines": 2000})
    # Every resize goes to the server, none coalesced: a real storm for it.
    monkeypatch.setattr(app_module, "RESIZE_COALESCE_S", 0.001)
    launcher = Launcher(tmp_path)
    keep = "".join(f"keep-{k:03d}-" + "x" * 40 + "\r\n" for k in range(30))
    launcher.push(hexdump(keep))
    app = make_app(launcher.argv, size=(120, 40), app_config=config)
    watch = Watch(app)
    async with app.run_test(size=(120, 40)) as pilot:
        mirror = app.mirror
        await wait_for(pilot, lambda: mirror.active is not None and "hex-ready" in text_of(app, mirror.active),
                       what="the quiet pane")
        quiet = mirror.active
        floods = [await split_with(pilot, watch, launcher, FLOOD, "percent_sign"),
                  await split_with(pilot, watch, launcher, FLOOD, "quotation_mark")]
        await wait_for(pilot, lambda: all(flood_count(app, f) > 1000 for f in floods), what="floods")
        sizes = [(120, 40), (30, 10), (1, 1), (200, 60), (80, 24), (2, 3), (41, 7), (160, 12), (10, 50), (3, 1)]
        for k in range(200):
            width, height = sizes[k % len(sizes)]
            await resize_terminal(pilot, app, max(1, width - k % 7), max(1, height - k % 3))
            if k % 20 == 0:
                await pilot.pause(0.02)
        await resize_terminal(pilot, app, 120, 40)
        await wait_for(pilot, lambda: (mirror.cols, mirror.rows) == (120, 39) and mirror_consistent(app),
                       what="the layout and the panes back at 120x39")
        seen = {f: flood_count(app, f) for f in floods}
        await wait_for(pilot, lambda: all(flood_count(app, f) > seen[f] for f in floods),
                       what="output still flowing after the storm")
        for pane_id in floods:
            await select(pilot, app, pane_id)
            await pilot.press("S")
        await wait_for(pilot, lambda: all("AFTER-STORM-MARKER" in text_of(app, f) for f in floods),
                       what="the marker printed after the storm")
        await wait_for(pilot, lambda: mirror_consistent(app), what="the mirror consistent")
        assert set(mirror.places) == {quiet, *floods}
        kept = text_of(app, quiet).splitlines()
        missing = [k for k in range(30) if f"keep-{k:03d}-" + "x" * 40 not in kept]
        assert not missing, f"the quiet pane lost lines {missing}"
        await assert_echoes(pilot, app, quiet, "q7")
        assert_server_healthy(mux_server)
    assert_server_released_everything(mux_server)


# ---------------------------------------------------------------------------------------------- children that go away


async def test_children_that_exit_are_killed_or_close_their_pty(make_app, mux_server, tmp_path):
    launcher = Launcher(tmp_path)
    launcher.push(hexdump("quiet-pane-text\r\n"))
    app = make_app(launcher.argv, size=(160, 40))
    watch = Watch(app)
    async with app.run_test(size=(160, 40)) as pilot:
        mirror = app.mirror
        await wait_for(pilot, lambda: mirror.active is not None and "hex-ready" in text_of(app, mirror.active),
                       what="the quiet pane")
        quiet = mirror.active
        cases = {
            "exits": [PY, "-c", "print('bye'); raise SystemExit(3)"],
            "killed": [PY, "-c", "import time; print('waiting', flush=True); time.sleep(120)"],
            "closes its pty": ["/bin/sh", "-c", "exec 0<&- 1>&- 2>&-; exec sleep 30"],
        }
        for (name, command), keys in zip(cases.items(), ["ok", "ab", "cd"], strict=True):
            await select(pilot, app, quiet)
            pids = len(launcher.pids())
            pane_id = await split_with(pilot, watch, launcher, command)
            await wait_for(pilot, lambda pids=pids: len(launcher.pids()) > pids, what="the child's pid")
            pid = launcher.pids()[-1]
            if name == "killed":
                await wait_for(pilot, lambda pane_id=pane_id: "waiting" in text_of(app, pane_id),
                               what="the child to start")
                os.kill(pid, signal.SIGKILL)
            await wait_for(pilot, lambda pane_id=pane_id: pane_id not in mirror.places, what=f"the pane that {name}")
            await wait_for(pilot, lambda pid=pid: not alive(pid), what=f"the child that {name} gone")
            await wait_for(pilot, lambda: set(app.window_view.views) == {quiet}, what="its view removed")
            assert mirror.active == quiet and list(mirror.places) == [quiet]
            assert server_children(mux_server.pid) == {launcher.pids()[0]}
            owners = server_page_owners(mux_server.pid)
            assert owners is None or len(owners) == 1, "a closed pane's pages are released"
            assert "quiet-pane-text" in text_of(app, quiet)
            await assert_echoes(pilot, app, quiet, keys)
        assert app.is_running and list(mirror.places) == [quiet]
        assert_server_healthy(mux_server)
    assert_server_released_everything(mux_server)


# ---------------------------------------------------------------------------------------------- input nobody reads


async def test_megabytes_pasted_into_a_child_that_never_reads(make_app, mux_server, tmp_path):
    launcher = Launcher(tmp_path)
    launcher.push(hexdump("quiet-pane-text\r\n"))
    go = tmp_path / "go"
    app = make_app(launcher.argv, size=(120, 30))
    watch = Watch(app)
    async with app.run_test(size=(120, 30)) as pilot:
        mirror = app.mirror
        await wait_for(pilot, lambda: mirror.active is not None and "hex-ready" in text_of(app, mirror.active),
                       what="the quiet pane")
        quiet = mirror.active
        deaf = await split_with(pilot, watch, launcher, [*DEAF, str(go)])
        await wait_for(pilot, lambda: "deaf-ready" in text_of(app, deaf), what="the deaf child to start")
        view = app.window_view.views[deaf]
        chunk = "paste-" * 200_000                          # 1.2 MB per paste (the client sends the first MB)
        pastes = 8
        for _ in range(pastes):
            view.post_message(events.Paste(chunk))
            await pilot.pause()
        await pilot.press(*"typingintoadeafchild")           # keys too, while its input is full
        pasted = pastes * min(len(chunk), MAX_PASTE)
        assert pasted > MAX_PENDING_INPUT + (1 << 20)
        # The server and the other panes are unaffected, and the deaf pane is still there.
        await assert_echoes(pilot, app, quiet, "q7")
        assert deaf in mirror.places and "deaf-ready" in text_of(app, deaf)
        # Now it reads: it gets what the server kept for it (at most MAX_PENDING_INPUT, plus what the PTY itself
        # holds), not the megabytes that were pasted.
        go.touch()
        await wait_for(pilot, lambda: "deaf-read-" in text_of(app, deaf), what="the deaf child's count")
        got = int(re.search(r"deaf-read-(\d+)-bytes", text_of(app, deaf)).group(1))
        assert MAX_PENDING_INPUT <= got <= MAX_PENDING_INPUT + (256 << 10), got
        assert got < pasted, "input past MAX_PENDING_INPUT is dropped, not queued without bound"
        # Still alive and accepting input once it reads; other panes unaffected.
        await select(pilot, app, deaf)
        await pilot.press(*"more")
        await wait_for(pilot, lambda: "deaf-got-" in text_of(app, deaf), what="input reaching the child again")
        await assert_echoes(pilot, app, quiet, "zz")
        assert "quiet-pane-text" in text_of(app, quiet) and "deaf-ready" in text_of(app, deaf)
        assert_server_healthy(mux_server)
    assert_server_released_everything(mux_server)


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


@pytest.fixture
def c_locale(monkeypatch):
    """LANG=C LC_ALL=C for what starts after it: listed before `make_app`, the server and its panes get it."""
    for name, value in C_LOCALE.items():
        monkeypatch.setenv(name, value)


async def test_latin1_bytes_from_a_pane_become_replacement_characters(c_locale, make_app, mux_server, tmp_path):
    launcher = Launcher(tmp_path)
    launcher.push(hexdump())
    app = make_app(launcher.argv, size=(100, 30))
    watch = Watch(app)
    async with app.run_test(size=(100, 30)) as pilot:
        mirror = app.mirror
        await wait_for(pilot, lambda: mirror.active is not None and "hex-ready" in text_of(app, mirror.active),
                       what="the quiet pane")
        quiet = mirror.active
        pane = await split_with(pilot, watch, launcher, [
            "/bin/sh", "-c", r"printf 'caf\351 na\357ve \344\366\374\n'; echo locale=$LANG/$LC_ALL; sleep 60"])
        await wait_for(pilot, lambda: "locale=" in text_of(app, pane), what="the Latin-1 output")
        assert "locale=C/C" in text_of(app, pane), "the pane runs in the C locale"
        assert "caf\ufffd na\ufffdve \ufffd\ufffd\ufffd" in text_of(app, pane)
        await wait_for(pilot, lambda: mirror_consistent(app), what="the mirror consistent")
        await assert_echoes(pilot, app, quiet, "q7")
    assert_server_released_everything(mux_server)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_mux_runs_in_the_c_locale_inside_tmux():
    """The real `mux` in a real terminal with LANG=C LC_ALL=C: a pane printing Latin-1 shows U+FFFD, the app works,
    and the session ends (and mux exits 0) with its last pane. Its server is isolated: its own -L name, MUX_TMPDIR
    and XDG_STATE_HOME, and it is killed whatever happens."""
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        socket = str(tmpdir / "sock")
        status = tmpdir / "status"
        name = f"c-{uuid.uuid4().hex[:8]}"
        env = {**os.environ, "HOME": str(tmpdir), "XDG_CONFIG_HOME": str(tmpdir / "config"),
               "XDG_STATE_HOME": str(tmpdir / "state"), "MUX_TMPDIR": str(tmpdir / "run"), "TERM": "xterm-256color",
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONPATH": str(ROOT)}
        env.pop("MUX", None)
        env.pop("TMUX", None)
        pane_cmd = r"printf 'caf\351 ok\n'; exec cat"
        command = (f"cd {ROOT} && LANG=C LC_ALL=C {PY} -m mux -L {name} -- /bin/sh -c \"{pane_cmd}\"; "
                   f"echo $? > {status}; sleep 30")

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

        try:
            subprocess.run(["tmux", "-S", socket, "-f", "/dev/null", "new-session", "-d", "-s", "c", "-x", "100",
                            "-y", "20", command], check=True, env=env, timeout=20)
            screen = wait(lambda t: "ok" in t, "the pane's output")
            assert "caf\ufffd ok" in screen, screen
            tmux("send-keys", "-t", "c", "typed-in-c", "Enter")
            wait(lambda t: t.count("typed-in-c") >= 2, "cat echoing a line")       # the tty echo and cat's copy
            tmux("send-keys", "-t", "c", "C-d")
            deadline = time.monotonic() + 20
            while not status.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert status.exists() and status.read_text().strip() == "0", "mux exits 0 when its last pane ends"
            assert "[exited]" in tmux("capture-pane", "-p", "-t", "c")
            log = (tmpdir / "state" / "mux" / f"server-{name}.log").read_text(errors="replace")
            assert "Traceback" not in log and "OS-tagged page bytes left: 0" in log, log
        finally:
            subprocess.run([PY, "-m", "mux", "-L", name, "kill-server"], capture_output=True, timeout=30, env=env,
                           cwd=str(tmpdir))
            subprocess.run(["tmux", "-S", socket, "kill-server"], capture_output=True, timeout=20)
