"""Window alerts on a real server with a headless client: `!` when a pane of another window rings the bell or sends
a desktop notification, `#` on its output, `~` when it printed and then stayed quiet `silence` seconds; none on the
current window, all cleared when the window is selected, each off with its option; notifications reach the
clients as `notify` messages; a window that keeps printing once flagged sends no more layouts.

A pane in window 0 waits for a file before it acts, so that the test can first open window 1 (no timing
assumed); waits are conditions with deadlines."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from tests.server.harness import HeadlessClient, running_server


@pytest.fixture
def server(tmp_path):
    with running_server(tmp_path) as s:
        yield s


def options(**monitor) -> dict:
    return {"shell": "/bin/sh", **monitor}


def layouts(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["t"] == "layout"]


def start_waiting(c: HeadlessClient, trigger: Path, then: str) -> None:
    """In the current window's pane: wait for `trigger` to exist, then run the shell command `then`."""
    c.wait(lambda: "$" in c.text(), what="the prompt")
    command = f"while [ ! -e {shlex.quote(str(trigger))} ]; do sleep 0.05; done; {then}"
    c.type(command + "\r")
    tail = command.replace(" ", "")[-12:]

    def echoed() -> bool:       # the whole line and its newline: no more output until the trigger
        pane = c.mirror.panes.get(c.mirror.active)
        if pane is None or pane.cursor is None or pane.cursor[0] != 0:
            return False
        return "".join(pane.display()[:pane.cursor[1]]).replace(" ", "").endswith(tail)

    c.wait(echoed, what="the command echoed")


def open_second_window(c: HeadlessClient) -> None:
    c.command("new-window")
    c.wait(lambda: c.mirror.current_window == 1, what="window 1 current")


def select_first_window(c: HeadlessClient) -> None:
    c.command("select-window", 0)
    c.wait(lambda: c.mirror.current_window == 0, what="window 0 current")


def test_bell_in_another_window_flags_it_until_it_is_selected(server, tmp_path):
    trigger = tmp_path / "go"
    with server.client((80, 24)) as c:
        c.new(options=options(activity=False))
        start_waiting(c, trigger, "printf 'ring\\a\\n'")
        open_second_window(c)
        assert c.mirror.window_flags == {}
        trigger.touch()
        c.wait(lambda: c.mirror.window_flags == {0: "!"}, what="window 0 flagged !")
        assert [w[3] for w in layouts(c.received)[-1]["windows"]] == ["!", ""]
        # a bell in the current window flags nothing
        c.type("printf 'again\\a\\n'\r")
        c.wait_message("bell")
        c.pump(0.3)
        assert c.mirror.window_flags == {0: "!"}
        select_first_window(c)
        c.wait(lambda: c.mirror.window_flags == {}, what="the flag cleared")
        assert "ring" in c.text()


def test_bell_off_sets_no_flag(server, tmp_path):
    trigger = tmp_path / "go"
    with server.client((80, 24)) as c:
        c.new(options=options(bell=False))
        start_waiting(c, trigger, "printf '\\a'")
        open_second_window(c)
        trigger.touch()
        c.wait_message("bell")          # the bell still reaches the client; the flag would come with it
        c.wait(lambda: c.mirror.window_flags == {0: "#"}, what="window 0 flagged # (its output), not !")
        c.pump(0.3)
        assert c.mirror.window_flags == {0: "#"}


def test_output_in_another_window_flags_activity_once(server, tmp_path):
    trigger = tmp_path / "go"
    printer = shlex.quote(sys.executable) + " -c " + shlex.quote(     # one line: typed, a newline would be Enter
        "import itertools, time; [print('tick', flush=True) or time.sleep(0.02) for _ in itertools.count()]")
    with server.client((80, 24)) as c:
        c.new(options=options())
        start_waiting(c, trigger, printer)
        open_second_window(c)
        c.pump(0.3)
        assert c.mirror.window_flags == {}, "no output yet, no flag"
        trigger.touch()
        c.wait(lambda: c.mirror.window_flags == {0: "#"}, what="window 0 flagged #")
        c.wait(lambda: c.mirror.windows[0][1] not in ("sh", "sleep"), what="window 0 named after the printer")
        start = len(c.received)
        c.pump(1.5)                      # it keeps printing: the flag is set, nothing more is sent
        assert layouts(c.received[start:]) == []
        select_first_window(c)
        c.wait(lambda: c.mirror.window_flags == {} and "tick" in c.text(), what="cleared, output shown")
        c.command("select-window", 1)
        c.wait(lambda: c.mirror.window_flags == {0: "#"}, what="flagged again by new output")
        c.command("select-window", 0)
        c.wait(lambda: c.mirror.window_flags == {}, what="cleared again")
        c.command("kill-window")
        c.wait(lambda: len(c.mirror.windows) == 1, what="the printer's window gone")


def test_activity_off_sets_no_flag(server, tmp_path):
    trigger = tmp_path / "go"
    with server.client((80, 24)) as c:
        c.new(options=options(activity=False))
        start_waiting(c, trigger, "echo printed-once; printf '\\a'")
        open_second_window(c)
        trigger.touch()
        c.wait(lambda: c.mirror.window_flags == {0: "!"}, what="the bell after the output")
        select_first_window(c)
        c.wait(lambda: "printed-once" in c.text(), what="the output")


def test_silence_after_output_flags_the_window_once(server, tmp_path):
    trigger = tmp_path / "go"
    with server.client((80, 24)) as c:
        c.new(options=options(activity=False, silence=1))
        start_waiting(c, trigger, "echo waiting-for-you; cat")
        open_second_window(c)
        trigger.touch()
        c.wait(lambda: c.mirror.window_flags == {0: "~"}, what="window 0 flagged ~")
        select_first_window(c)
        c.wait(lambda: c.mirror.window_flags == {} and "waiting-for-you" in c.text(), what="cleared")
        c.command("select-window", 1)
        c.wait(lambda: c.mirror.current_window == 1, what="window 1 again")
        c.pump(2.5)                      # still quiet: the stretch of quiet was flagged already
        assert c.mirror.window_flags == {}


def test_silence_off_by_default(server, tmp_path):
    trigger = tmp_path / "go"
    with server.client((80, 24)) as c:
        c.new(options=options(activity=False))
        start_waiting(c, trigger, "echo waiting-for-you; printf 'then\\a'; cat")
        open_second_window(c)
        trigger.touch()
        c.wait(lambda: c.mirror.window_flags == {0: "!"}, what="the bell")
        c.pump(2.5)
        assert c.mirror.window_flags == {0: "!"}, "no ~ without the silence option"


def test_notifications_flag_the_window_and_reach_the_client(server, tmp_path):
    trigger = tmp_path / "go"
    with server.client((80, 24)) as c:
        c.new(options=options(activity=False))
        start_waiting(c, trigger, "printf '\\033]777;notify;Agent;needs \\033[31myou\\007'")
        open_second_window(c)
        trigger.touch()
        assert c.wait_message("notify") == {"t": "notify", "title": "Agent", "body": "needs [31myou"}
        c.wait(lambda: c.mirror.window_flags == {0: "!"}, what="window 0 flagged !")
        # from the current window: forwarded, no flag
        c.type("printf '\\033]9;build done\\007'\r")
        assert c.wait_message("notify") == {"t": "notify", "title": "", "body": "build done"}
        assert c.mirror.window_flags == {0: "!"}
        select_first_window(c)
        c.wait(lambda: c.mirror.window_flags == {}, what="cleared")


def test_a_flood_of_bells_is_not_a_message_per_byte(server):
    flood = [sys.executable, "-c", "import sys, time\nsys.stdout.write('\\a' * 200_000 + 'flood-done\\n')\n"
             "sys.stdout.flush()\ntime.sleep(60)"]
    with server.client((80, 24)) as c:
        c.new(command=flood)
        c.wait(lambda: "flood-done" in c.text(), timeout=30, what="the flood read")
        bells = sum(1 for m in c.received if m["t"] == "bell")
        assert 1 <= bells < 2_000 and not c.lost
