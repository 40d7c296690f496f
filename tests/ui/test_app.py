"""The Textual client driven by Pilot against a real mux server (one per test, killed afterwards) with real PTY
children: typing, splits, focus, zoom, windows, the memory status bar, scrollback mode and search (run by the
server), key routing, detach, rename and choose session, kill window, two clients of different sizes, the session
ending when its last child exits, and no starvation while a pane floods.

Everything is read from what the client mirrors (`app.mirror`), as the user would see it; waits are conditions
with deadlines, and no timing is asserted."""

from __future__ import annotations

import sys

import pytest
from textual import events
from textual.drivers.headless_driver import HeadlessDriver
from textual.geometry import Size
from textual.widgets import Static

import mux.ui.app as app_module
from mux.config import load_config
from mux.protocol import MAX_NOTIFY_TEXT
from mux.ui.app import ChooseSessionScreen, ConfirmScreen, HelpScreen, MuxApp, PromptScreen, osc9_notification
from mux.ui.connection import Connection
from mux.ui.pane_numbers import big_number
from mux.ui.status import MemoryBar
from tests.pilot import wait_for

# A pane program that prints the hex of every byte it receives, in raw mode (so no tty translation hides keys).
HEXDUMP = [sys.executable, "-c", (
    "import os, sys, tty\n"
    "tty.setraw(0)\n"
    "os.write(1, b'hex-ready\\r\\n')\n"
    "while True:\n"
    "    data = os.read(0, 64)\n"
    "    if not data: break\n"
    "    os.write(1, (' '.join(f'{b:02x}' for b in data) + '\\r\\n').encode())\n"
    "    if data == b'Q': break\n")]

# Like HEXDUMP, but on the alternate screen (as less or vim would be) until it reads a "P".
ALT_HEXDUMP = [sys.executable, "-c", (
    "import os, sys, tty\n"
    "tty.setraw(0)\n"
    "os.write(1, b'\\x1b[?1049halt-ready\\r\\n')\n"
    "while True:\n"
    "    data = os.read(0, 64)\n"
    "    if not data: break\n"
    "    if b'P' in data:\n"
    "        os.write(1, b'\\x1b[?1049lprimary-ready\\r\\n')\n"
    "        continue\n"
    "    os.write(1, (' '.join(f'{b:02x}' for b in data) + '\\r\\n').encode())\n")]


def screen_lines(app: MuxApp, pane_id: int | None = None) -> list[str]:
    """The rows of a pane (the active one by default) as the client mirrors them."""
    mirror = app.mirror
    pane = mirror.panes.get(mirror.active if pane_id is None else pane_id)
    return [line.rstrip() for line in pane.display()] if pane is not None else []


def screen_text(app: MuxApp, pane_id: int | None = None) -> str:
    return "\n".join(screen_lines(app, pane_id))


def hex_tokens(app: MuxApp) -> str:
    """A HEXDUMP pane's output as one line of tokens, however the reads split it."""
    return " ".join(screen_text(app).split())


def status_text(app: MuxApp) -> str:
    return app.status_line.render().plain


def copy_state(app: MuxApp) -> dict | None:
    pane = app.mirror.panes.get(app.mirror.active)
    return pane.copy if pane is not None else None


async def type_text(pilot, text: str) -> None:
    await pilot.press(*["enter" if ch == "\n" else ch for ch in text])


async def prompt(app: MuxApp, pilot) -> None:
    await wait_for(pilot, lambda: "$" in screen_text(app), what="the shell prompt")


async def test_typing_reaches_the_active_pane(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await prompt(app, pilot)
        await type_text(pilot, "echo mux-''ok\n")
        await wait_for(pilot, lambda: "mux-ok" in screen_lines(app), what="the echo's output line")
        assert status_text(app).startswith(f"[{app.mirror.session}] 0:")


async def test_split_focus_zoom_and_close(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        mirror = app.mirror
        await wait_for(pilot, lambda: len(mirror.places) == 1, what="the first layout")
        first = mirror.active
        assert (mirror.cols, mirror.rows) == (100, 29), "the window area is the terminal minus the status line"
        await pilot.press("ctrl+b", "percent_sign")
        await wait_for(pilot, lambda: len(mirror.places) == 2 and mirror.active != first, what="side by side")
        second = mirror.active
        a, b = mirror.places[first], mirror.places[second]
        assert a.x < b.x and a.y == b.y and a.height == b.height == 29        # side by side
        assert a.width + 1 + b.width == 100                                    # one separator column
        await pilot.press("ctrl+b", "quotation_mark")
        await wait_for(pilot, lambda: len(mirror.places) == 3 and mirror.active not in (first, second),
                       what="stacked")
        third = mirror.active
        b, c = mirror.places[second], mirror.places[third]
        assert c.y > b.y and c.x == b.x and c.width == b.width                 # stacked
        views = app.window_view.views
        await wait_for(pilot, lambda: views[third].size == Size(c.width, c.height), what="the view at its place")
        assert views[third].has_focus
        await pilot.press("ctrl+b", "left")
        await wait_for(pilot, lambda: mirror.active == first, what="focus left")
        await wait_for(pilot, lambda: views[first].has_focus, what="the active view focused")
        await pilot.press("ctrl+b", "right")
        await wait_for(pilot, lambda: mirror.active in (second, third), what="focus right")
        await pilot.press("ctrl+b", "z")
        await wait_for(pilot, lambda: mirror.zoomed, what="zoomed")
        assert list(mirror.places) == [mirror.active]
        zoomed = mirror.places[mirror.active]
        assert (zoomed.x, zoomed.y, zoomed.width, zoomed.height) == (0, 0, 100, 29)
        await pilot.press("ctrl+b", "z")
        await wait_for(pilot, lambda: not mirror.zoomed and len(mirror.places) == 3, what="unzoomed")
        closing = mirror.active
        await pilot.press("ctrl+b", "x")
        await wait_for(pilot, lambda: len(mirror.places) == 2, what="a pane closed")
        assert closing not in mirror.places and mirror.active in mirror.places
        await wait_for(pilot, lambda: set(views) == set(mirror.places), what="the closed pane's view removed")


async def test_click_focuses_a_pane(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        mirror = app.mirror
        await wait_for(pilot, lambda: len(mirror.places) == 1, what="the first layout")
        first = mirror.active
        await pilot.press("ctrl+b", "percent_sign")
        await wait_for(pilot, lambda: len(mirror.places) == 2, what="the split")
        view = app.window_view.views[first]
        place = mirror.places[first]
        await wait_for(pilot, lambda: view.size == Size(place.width, place.height), what="the view resized")
        await pilot.click(view, offset=(2, 2))
        await wait_for(pilot, lambda: mirror.active == first, what="the clicked pane active")


async def test_windows_create_select_cycle_and_rename(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        mirror = app.mirror
        await wait_for(pilot, lambda: len(mirror.windows) == 1, what="the first layout")
        await pilot.press("ctrl+b", "c")
        await wait_for(pilot, lambda: len(mirror.windows) == 2 and mirror.current_window == 1, what="window 1")
        await pilot.press("ctrl+b", "0")
        await wait_for(pilot, lambda: mirror.current_window == 0, what="select window 0")
        await pilot.press("ctrl+b", "n")
        await wait_for(pilot, lambda: mirror.current_window == 1, what="next window")
        await pilot.press("ctrl+b", "p")
        await wait_for(pilot, lambda: mirror.current_window == 0, what="previous window")
        await pilot.press("ctrl+b", "1")
        await wait_for(pilot, lambda: mirror.current_window == 1, what="select window 1")
        await pilot.press("ctrl+b", "0")
        await wait_for(pilot, lambda: mirror.current_window == 0, what="select window 0 again")
        await pilot.press("ctrl+b", "comma")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="the rename prompt")
        await pilot.press("ctrl+a", "ctrl+k")      # clear the prefilled name in the Input
        await type_text(pilot, "logs\n")
        await wait_for(pilot, lambda: (0, "logs", True) in mirror.windows, what="the window renamed")
        await wait_for(pilot, lambda: "0:logs*" in status_text(app) and " 1:" in status_text(app),
                       what="the status line")
        assert status_text(app).startswith(f"[{mirror.session}] 0:logs* 1:")
        assert not isinstance(app.screen, PromptScreen)
        await wait_for(pilot, lambda: app.window_view.views[mirror.active].has_focus, what="the pane refocused")


async def test_memory_status_bar_shows_every_visible_pane(make_app):
    app = make_app(size=(120, 30))
    async with app.run_test(size=(120, 30)) as pilot:
        mirror = app.mirror
        await wait_for(pilot, lambda: len(mirror.places) == 1, what="the first layout")
        await pilot.press("ctrl+b", "percent_sign")
        await wait_for(pilot, lambda: len(mirror.places) == 2, what="the split")
        bar = app.query_one(MemoryBar)
        assert not bar.display
        await pilot.press("ctrl+b", "m")
        await wait_for(pilot, lambda: bar.display and len(bar.lines) == 3, what="the bar's lines")
        assert sorted(int(line.split()[0][1:]) for line in bar.lines[:-1]) == sorted(mirror.places)
        for line in bar.lines[:-1]:
            assert line.startswith("%")
            for word in ("pages", "pool", "oversized"):
                assert word in line
        assert bar.lines[-1].startswith("server RSS ")
        # The window area shrinks by the bar's height (the client tells the server).
        await wait_for(pilot, lambda: mirror.rows == 30 - 1 - 3, what="the window area above the bar")
        # A third pane: the next stats message (once a second) has a line for it too.
        await pilot.press("ctrl+b", "quotation_mark")
        await wait_for(pilot, lambda: len(mirror.places) == 3 and len(bar.lines) == 4, what="a line per pane")
        assert sorted(int(line.split()[0][1:]) for line in bar.lines[:-1]) == sorted(mirror.places)
        await pilot.press("ctrl+b", "m")
        assert not bar.display
        await wait_for(pilot, lambda: mirror.rows == 29, what="the window area back")


async def test_scrollback_mode_scrolls_searches_and_leaves(make_app, tmp_path):
    go = tmp_path / "go"
    app = make_app(size=(80, 20))
    async with app.run_test(size=(80, 20)) as pilot:
        await prompt(app, pilot)
        # 300 lines now, 50 more once the test creates `go` (while scrolled back). Pasted: typing is tested above.
        view = app.window_view.views[app.mirror.active]
        view.post_message(events.Paste(f"seq 1 300; while [ ! -e {go} ]; do sleep 0.05; done; seq 301 350"))
        rows = app.mirror.panes[app.mirror.active].display
        await wait_for(pilot, lambda: "done; seq 301 350" in "".join(rows()), what="the pasted command")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "300" in screen_lines(app), what="seq's output")
        await pilot.press("ctrl+b", "left_square_bracket")
        await wait_for(pilot, lambda: copy_state(app) is not None, what="scrollback mode")
        top, history = copy_state(app)["position"]
        assert history > 200 and top == history       # at the bottom: the view starts where the screen is
        await wait_for(pilot, lambda: "[scrollback]" in status_text(app), what="the status line says so")
        await pilot.press("pageup", "pageup")
        await wait_for(pilot, lambda: copy_state(app)["position"][0] < top, what="scrolled up")
        await pilot.press("g")
        await wait_for(pilot, lambda: copy_state(app)["position"][0] == 0, what="the top of the history")
        assert screen_lines(app)[0].startswith("$ seq 1 300;")
        await pilot.press("G")
        await wait_for(pilot, lambda: copy_state(app)["position"][0] == top, what="the bottom again")
        await pilot.press("g")
        await wait_for(pilot, lambda: copy_state(app)["position"][0] == 0, what="the top again")
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="the search prompt")
        await type_text(pilot, "123\n")

        def current_match():
            state = copy_state(app)
            return next((s for s in state["spans"] if s[3] == "current-match"), None) if state else None

        await wait_for(pilot, lambda: current_match() is not None, what="the current match highlighted")
        y, start, end, _ = current_match()
        assert screen_lines(app)[y][start:end] == "123"
        assert status_text(app).startswith(f"[{app.mirror.session}]") and "/123" in status_text(app)
        # More output while scrolled back does not move the view.
        before, history = copy_state(app)["position"]
        go.touch()
        await wait_for(pilot, lambda: copy_state(app)["position"][1] >= history + 50, what="the new output")
        assert abs(copy_state(app)["position"][0] - before) <= 1
        await pilot.press("q")
        await wait_for(pilot, lambda: copy_state(app) is None, what="out of scrollback mode")
        await wait_for(pilot, lambda: "350" in screen_lines(app), what="the screen follows the output again")


async def test_scrollback_mode_shows_its_position_in_the_pane_corner_and_moves_by_half_pages(make_app):
    app = make_app(size=(80, 20))
    async with app.run_test(size=(80, 20)) as pilot:
        await prompt(app, pilot)
        await type_text(pilot, "seq 1 100\n")
        await wait_for(pilot, lambda: "100" in screen_lines(app), what="seq's output")
        view = app.window_view.views[app.mirror.active]
        await pilot.press("ctrl+b", "left_square_bracket")
        await wait_for(pilot, lambda: copy_state(app) is not None, what="scrollback mode")
        history = copy_state(app)["position"][1]
        corner = lambda: view.render_line(0).text.rstrip()        # noqa: E731
        await wait_for(pilot, lambda: corner().endswith(f"[0/{history}]"), what="[0/history] at the bottom")
        assert f"/{history}]" not in status_text(app)                   # the corner, not the status line, has it
        await pilot.press("g")
        await wait_for(pilot, lambda: corner().endswith(f"[{history}/{history}]"), what="the top of the history")
        height = app.mirror.panes[app.mirror.active].rows
        await pilot.press("ctrl+d", "ctrl+d", "ctrl+d")             # the view and the cursor move together
        scrolled = 3 * (height // 2)
        await wait_for(pilot, lambda: corner().endswith(f"[{history - scrolled}/{history}]"), what="half pages down")
        await pilot.press("ctrl+u", "ctrl+u", "ctrl+u", "ctrl+u")
        await wait_for(pilot, lambda: corner().endswith(f"[{history}/{history}]"), what="half pages up")
        await pilot.press("q")
        await wait_for(pilot, lambda: copy_state(app) is None, what="scrollback mode left")
        assert not view.render_line(0).text.rstrip().endswith("]")


async def test_scrollback_mode_jumps_to_a_marked_prompt_and_moves_by_words(make_app):
    app = make_app(size=(80, 20))
    async with app.run_test(size=(80, 20)) as pilot:
        await prompt(app, pilot)
        view = app.window_view.views[app.mirror.active]
        view.post_message(events.Paste("printf '\\033]133;A\\007marked here\\n'; seq 1 40"))
        await wait_for(pilot, lambda: "seq 1 40" in screen_text(app), what="the pasted command")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "40" in screen_lines(app), what="seq's output")
        await pilot.press("ctrl+b", "left_square_bracket")
        await wait_for(pilot, lambda: copy_state(app) is not None, what="scrollback mode")
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: screen_lines(app)[0].startswith("marked here"), what="the prompt at the top")

        def cursor() -> tuple[int, int] | None:
            state = copy_state(app)
            return next(((s[0], s[1]) for s in state["spans"] if s[3] == "cursor"), None) if state else None

        assert cursor() == (0, 0)
        await pilot.press("w")
        await wait_for(pilot, lambda: cursor() == (0, 7), what="the next word")
        await pilot.press("b")
        await wait_for(pilot, lambda: cursor() == (0, 0), what="back a word")
        await pilot.press("o")                      # a prompt mark but no output mark: nothing to select
        await wait_for(pilot, lambda: "no command output" in status_text(app), what="o explains itself")


async def test_textual_bindings_do_not_swallow_pane_keys(make_app):
    app = make_app(HEXDUMP, size=(80, 20))
    async with app.run_test(size=(80, 20)) as pilot:
        await wait_for(pilot, lambda: "hex-ready" in screen_text(app), what="the program")
        for key, expected in (("ctrl+q", "11"), ("ctrl+p", "10"), ("ctrl+c", "03"), ("tab", "09"),
                              ("escape", "1b"), ("ctrl+backslash", "1c")):
            await pilot.press(key)
            await wait_for(pilot, lambda expected=expected: expected in hex_tokens(app).split(), what=key)
        await pilot.press("ctrl+b", "ctrl+b")       # the prefix twice sends it through
        await wait_for(pilot, lambda: "02" in hex_tokens(app).split(), what="the prefix sent through")
        # The prefix then an unbound key does nothing: the key after it is the next thing the pane gets.
        before = hex_tokens(app)
        await pilot.press("ctrl+b", "y", "w")
        await wait_for(pilot, lambda: hex_tokens(app) != before and "77" in hex_tokens(app).split(), what="w")
        assert "79" not in hex_tokens(app).split()
        assert not app.prefix_pending and app.is_running


async def test_keys_of_a_prompt_do_not_reach_the_pane(make_app):
    """The prompt's Enter and editing keys (Input bindings, which bubble up to the app) are not the pane's."""
    app = make_app(HEXDUMP, size=(80, 20))
    async with app.run_test(size=(80, 20)) as pilot:
        await wait_for(pilot, lambda: "hex-ready" in screen_text(app), what="the program")
        await pilot.press("ctrl+b", "comma")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="the rename prompt")
        await pilot.press("ctrl+a", "ctrl+k", "home", "end", "left", "backspace")
        await type_text(pilot, "logs\n")
        await wait_for(pilot, lambda: (0, "logs", True) in app.mirror.windows, what="the window renamed")
        await wait_for(pilot, lambda: app.window_view.views[app.mirror.active].has_focus, what="the pane refocused")
        await pilot.press("w")
        await wait_for(pilot, lambda: "77" in hex_tokens(app).split(), what="w")
        assert hex_tokens(app).split()[-1:] == ["77"] and "0d" not in hex_tokens(app).split()


async def test_wheel_scrolls_history_or_sends_arrows_to_full_screen_programs(make_app):
    app = make_app(ALT_HEXDUMP, size=(80, 20))
    async with app.run_test(size=(80, 20)) as pilot:
        await wait_for(pilot, lambda: "alt-ready" in screen_text(app), what="the program on the alternate screen")
        view = app.window_view.views[app.mirror.active]
        view.post_message(events.MouseScrollUp(view, 5, 5, 0, -1, 0, False, False, False))
        await wait_for(pilot, lambda: hex_tokens(app).count("1b 5b 41") == 3, what="three arrow keys")
        assert copy_state(app) is None
        await pilot.press("P")
        await wait_for(pilot, lambda: "primary-ready" in screen_text(app), what="the primary screen")
        view.post_message(events.MouseScrollUp(view, 5, 5, 0, -1, 0, False, False, False))
        await wait_for(pilot, lambda: copy_state(app) is not None, what="the wheel scrolls history")


async def test_dragging_a_border_resizes_the_panes(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        mirror = app.mirror
        await wait_for(pilot, lambda: len(mirror.places) == 1, what="the first layout")
        first = mirror.active
        await pilot.press("ctrl+b", "percent_sign")
        await wait_for(pilot, lambda: len(mirror.separators) == 1, what="the split")
        (orientation, x, y, length, _, _) = mirror.separators[0]
        assert orientation == "vertical"
        before = mirror.places[first].width
        await pilot.mouse_down(app.window_view, offset=(x, 3))
        await pilot.hover(app.window_view, offset=(x - 15, 3))
        await pilot.mouse_up(app.window_view, offset=(x - 15, 3))
        await wait_for(pilot, lambda: mirror.places[first].width == before - 15, what="the separator moved")
        view = app.window_view.views[first]
        await wait_for(pilot, lambda: view.size.width == before - 15, what="the pane view follows its new place")
        await wait_for(pilot, lambda: mirror.panes[first].cols == before - 15, what="the pane resized")


async def test_a_burst_of_resizes_sends_the_last_size(make_app, monkeypatch):
    # A long coalescing interval, so that the burst below is sure to be coalesced at least once.
    monkeypatch.setattr(app_module, "RESIZE_COALESCE_S", 1.0)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.mirror.cols == 100, what="the first layout")
        sent = []
        send = app.send
        app.send = lambda message: (sent.append(message) if message["t"] == "resize" else None, send(message))
        widths = range(40, 90)
        for width in widths:
            await pilot.resize_terminal(width, 20)
        await wait_for(pilot, lambda: (app.mirror.cols, app.mirror.rows) == (89, 19), what="the last size")
        assert [(m["cols"], m["rows"]) for m in sent][-1] == (89, 19)
        assert len(sent) < len(widths), "the resizes were coalesced"
        await wait_for(pilot, lambda: (app.mirror.panes[app.mirror.active].cols,
                                       app.mirror.panes[app.mirror.active].rows) == (89, 19), what="the pane resized")


async def test_last_pane_exit_ends_the_session_and_the_app(make_app):
    app = make_app(["/bin/sh", "-c", "exit 7"], size=(80, 20))
    async with app.run_test(size=(80, 20)) as pilot:
        await wait_for(pilot, lambda: not app.is_running, what="the app exits")
    assert app.exit_line == "[exited]"
    assert app.return_code == 0


async def test_a_send_that_fails_still_reads_the_servers_last_words(config):
    """The server wrote `exited` and closed; the client's next send fails (broken pipe) before it has read that.
    It reads it anyway and ends with [exited], not [lost server: ...] (this raced when the last pane ended)."""
    import os

    from mux.ui.connection import ConnectionLost

    read_end, write_end = os.pipe()

    class ClosedByServer:
        out = b""

        def send(self, message):
            raise ConnectionLost("the mux server went away (Broken pipe)")

        def receive(self):
            return [{"t": "exited"}]

        def fileno(self):
            return read_end

    app = MuxApp(config, ClosedByServer())
    try:
        app.send({"t": "ack"})
        app.send({"t": "ack"})          # nothing more is sent once the write side is gone
    finally:
        os.close(read_end)
        os.close(write_end)
    assert app.exit_line == "[exited]"


async def test_typing_into_one_pane_while_another_floods(make_app):
    """No starvation: every keystroke typed into one pane is echoed while the other pane floods."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        mirror = app.mirror
        await prompt(app, pilot)
        quiet = mirror.active
        # Split first: splitting a pane that has flooded for a while reflows all of its history (seconds of it).
        await pilot.press("ctrl+b", "percent_sign")
        await wait_for(pilot, lambda: len(mirror.places) == 2 and mirror.active != quiet, what="the split")
        flood_pane = mirror.active
        await wait_for(pilot, lambda: "$" in screen_text(app, flood_pane), what="the new pane's prompt")
        await type_text(pilot, "yes flood-flood-flood-flood\n")
        await wait_for(pilot, lambda: screen_lines(app, flood_pane).count("flood-flood-flood-flood") > 5,
                       what="the flood")
        await pilot.press("ctrl+b", "semicolon")      # back to the quiet pane, while the other one floods
        await wait_for(pilot, lambda: mirror.active == quiet, what="the quiet pane focused")
        await wait_for(pilot, lambda: "$" in screen_text(app, quiet), what="the quiet pane's prompt")
        start_version = mirror.panes[flood_pane].version
        typed = "abcdefghij"
        for k, ch in enumerate(typed):
            await pilot.press(ch)
            echoed = typed[:k + 1]
            await wait_for(pilot, lambda echoed=echoed: any(line.endswith(echoed) for line in screen_lines(app, quiet)),
                           timeout=10, what=f"the echo of {echoed!r}")
        await wait_for(pilot, lambda: mirror.panes[flood_pane].version > start_version,
                       what="the flooding pane kept being drawn meanwhile")


async def test_prefix_d_detaches_and_the_session_lives_on(make_app, mux_server):
    app = make_app(name="keep")
    async with app.run_test(size=(100, 30)) as pilot:
        await prompt(app, pilot)
        await type_text(pilot, "echo still-''here\n")
        await wait_for(pilot, lambda: "still-here" in screen_lines(app), what="the echo")
        await pilot.press("ctrl+b", "d")
        await wait_for(pilot, lambda: not app.is_running, what="the app exits")
    assert app.return_code == 0
    assert app.exit_line == "[detached (from session keep)]"
    with mux_server.client() as lister:
        sessions = lister.connection.request({"t": "list"}, "sessions")["sessions"]
    assert [(s["name"], s["attached"]) for s in sessions] == [("keep", 0)]
    with mux_server.client((100, 29)) as c:
        c.attach("keep")
        c.wait(lambda: "still-here" in c.text(), what="the pane kept its screen")


async def test_prefix_dollar_renames_the_session(make_app, mux_server):
    app = make_app(name="before")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.mirror.session == "before", what="the first layout")
        await pilot.press("ctrl+b", "dollar_sign")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="the rename prompt")
        assert app.screen.query_one("Input").value == "before"
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "after\n")
        await wait_for(pilot, lambda: app.mirror.session == "after", what="the session renamed")
        await wait_for(pilot, lambda: status_text(app).startswith("[after] "), what="the status line")
        # Escape leaves the prompt without renaming.
        await pilot.press("ctrl+b", "dollar_sign")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="the prompt again")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, PromptScreen), what="the prompt gone")
    with mux_server.client() as lister:
        sessions = lister.connection.request({"t": "list"}, "sessions")["sessions"]
    assert [s["name"] for s in sessions] == ["after"]


async def test_prefix_s_chooses_and_switches_session(make_app, mux_server):
    with mux_server.client() as other:
        other.new("other", ["/bin/sh", "-c", "echo in-other; exec sleep 600"], detached=True)
    app = make_app(name="mine")
    async with app.run_test(size=(100, 30)) as pilot:
        await prompt(app, pilot)
        await pilot.press("ctrl+b", "s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseSessionScreen), what="the session list")
        chooser = app.screen
        names = [s["name"] for s in chooser.sessions]
        assert sorted(names) == ["mine", "other"]
        option_list = chooser.query_one("OptionList")
        assert option_list.highlighted == names.index("mine")
        assert "(this one)" in str(option_list.get_option_at_index(names.index("mine")).prompt)
        step = names.index("other") - names.index("mine")
        await pilot.press(*(["down"] * step if step > 0 else ["up"] * -step), "enter")
        await wait_for(pilot, lambda: app.mirror.session == "other", what="switched")
        await wait_for(pilot, lambda: "in-other" in screen_lines(app), what="the other session's pane")
        await wait_for(pilot, lambda: status_text(app).startswith("[other] "), what="the status line")
        # Escape stays where it is.
        await pilot.press("ctrl+b", "s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseSessionScreen), what="the list again")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ChooseSessionScreen), what="the list gone")
        assert app.mirror.session == "other"
    with mux_server.client() as lister:
        sessions = lister.connection.request({"t": "list"}, "sessions")["sessions"]
    assert sorted(s["name"] for s in sessions) == ["mine", "other"]


async def test_prefix_ampersand_asks_then_kills_the_window(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        mirror = app.mirror
        await wait_for(pilot, lambda: len(mirror.windows) == 1, what="the first layout")
        await pilot.press("ctrl+b", "c")
        await wait_for(pilot, lambda: len(mirror.windows) == 2 and mirror.current_window == 1, what="window 1")
        await pilot.press("ctrl+b", "ampersand")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert "Kill window 1" in app.screen.question
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="no")
        assert len(mirror.windows) == 2        # nothing was sent
        await pilot.press("ctrl+b", "ampersand")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question again")
        await pilot.press("y")
        await wait_for(pilot, lambda: [i for i, _, _ in mirror.windows] == [0], what="window 1 killed")
        assert mirror.current_window == 0 and app.is_running


async def test_two_clients_share_a_session_at_the_smallest_size(make_app, mux_server):
    app = make_app(name="shared", size=(100, 30))
    async with app.run_test(size=(100, 30)) as pilot:
        mirror = app.mirror
        await prompt(app, pilot)
        assert (mirror.cols, mirror.rows) == (100, 29)
        with mux_server.client((60, 20)) as small:
            small.attach("shared")
            await wait_for(pilot, lambda: (mirror.cols, mirror.rows) == (60, 20), what="the smaller size")
            pane = mirror.active
            await wait_for(pilot, lambda: (mirror.panes[pane].cols, mirror.panes[pane].rows) == (60, 20),
                           what="the pane at the smaller size")
            # Outside the session's window the app draws blank cells, no separators.
            strip = app.window_view.render_line(25)
            assert strip.text.strip() == ""
            await type_text(pilot, "echo from-''app\n")
            await wait_for(pilot, lambda: "from-app" in screen_lines(app), what="the echo in the app")
            small.wait(lambda: "from-app" in small.text(), what="the echo in the other client")
            small.type("echo from-''small\r")
            await wait_for(pilot, lambda: "from-small" in screen_lines(app), what="the other client's typing")
            small.send({"t": "detach"})
            small.wait_message("detached")
        await wait_for(pilot, lambda: (mirror.cols, mirror.rows) == (100, 29), what="the full size again")


async def test_a_second_app_attaches_with_its_own_connection(config, mux_server):
    with mux_server.client((100, 29)) as first:
        first.new("shared")
        first.wait(lambda: "$" in first.text(), what="the prompt")
        connection = Connection(mux_server.path, (70, 19))
        connection.request({"t": "attach", "target": "shared", "detach_others": False}, "attached")
        app = MuxApp(config, connection)
        async with app.run_test(size=(70, 20)) as pilot:
            await wait_for(pilot, lambda: (app.mirror.session, app.mirror.cols, app.mirror.rows) == ("shared", 70, 19),
                           what="the second client's size")
            await prompt(app, pilot)
            await type_text(pilot, "echo second-''app\n")
            await wait_for(pilot, lambda: "second-app" in screen_lines(app), what="the echo")
            first.wait(lambda: "second-app" in first.text() and first.mirror.cols == 70, what="seen by the first")
            await pilot.press("ctrl+b", "d")
            await wait_for(pilot, lambda: not app.is_running, what="the second app detaches")
        assert app.exit_line == "[detached (from session shared)]"
        first.wait(lambda: (first.mirror.cols, first.mirror.rows) == (100, 29), what="the first client's size back")
        connection.close()


# --- layouts and pane moves (prefix space, {, }, !, o, ;, q) ------------------------------------------------

async def split_into(app: MuxApp, pilot, count: int) -> list[int]:
    """Split the window until it has `count` panes; returns them in pane order."""
    mirror = app.mirror
    await wait_for(pilot, lambda: len(mirror.places) == 1, what="the first layout")
    for n in range(2, count + 1):
        await pilot.press("ctrl+b", "quotation_mark" if n % 2 else "percent_sign")
        await wait_for(pilot, lambda n=n: len(mirror.places) == n, what=f"{n} panes")
    return list(mirror.places)


async def test_prefix_space_cycles_the_layouts(make_app):
    app = make_app()
    async with app.run_test(size=(101, 30)) as pilot:
        mirror = app.mirror
        panes = await split_into(app, pilot, 4)
        shapes = {
            "even-horizontal": lambda places: [(p.width, p.height) for p in places] == [(24, 29)] * 3 + [(26, 29)],
            "even-vertical": lambda places: [(p.width, p.height) for p in places] == [(101, 6)] * 3 + [(101, 8)],
            "main-horizontal": lambda places: places[0].height == 24 and all(p.height == 4 for p in places[1:]),
            "main-vertical": lambda places: places[0].width == 80 and all(p.width == 20 for p in places[1:]),
            "tiled": lambda places: [(p.x, p.y) for p in places] == [(0, 0), (51, 0), (0, 15), (51, 15)],
        }
        for name, shape in shapes.items():
            await pilot.press("ctrl+b", "space")
            await wait_for(pilot, lambda shape=shape: shape(list(mirror.places.values())), what=name)
            await wait_for(pilot, lambda name=name: f"layout {name}" in status_text(app), what=f"{name} named")
            assert list(mirror.places) == panes
        await pilot.press("ctrl+b", "space")                 # and round again
        await wait_for(pilot, lambda: shapes["even-horizontal"](list(mirror.places.values())), what="round again")


async def test_prefix_braces_swap_the_pane_with_its_neighbours(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        mirror = app.mirror
        first, second, third = await split_into(app, pilot, 3)
        assert mirror.active == third
        place = mirror.places[second]
        await pilot.press("ctrl+b", "left_curly_bracket")
        await wait_for(pilot, lambda: list(mirror.places) == [first, third, second], what="swapped with the previous")
        assert mirror.active == third and mirror.places[third].x == place.x and mirror.places[third].y == place.y
        await pilot.press("ctrl+b", "right_curly_bracket")
        await wait_for(pilot, lambda: list(mirror.places) == [first, second, third], what="swapped back")
        await pilot.press("ctrl+b", "right_curly_bracket")   # the last pane wraps to the first place
        await wait_for(pilot, lambda: list(mirror.places) == [third, second, first], what="wrapped")
        assert mirror.active == third


async def test_prefix_bang_breaks_the_pane_out(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        mirror = app.mirror
        first, second = await split_into(app, pilot, 2)
        await pilot.press("ctrl+b", "exclamation_mark")
        await wait_for(pilot, lambda: len(mirror.windows) == 2 and mirror.current_window == 1, what="a new window")
        assert list(mirror.places) == [second] and mirror.active == second
        await wait_for(pilot, lambda: app.window_view.views[second].size == Size(100, 29), what="the whole window")
        await type_text(pilot, "echo broke''n\n")
        await wait_for(pilot, lambda: "broken" in screen_lines(app), what="the pane still runs")
        await pilot.press("ctrl+b", "exclamation_mark")
        await wait_for(pilot, lambda: "can't break with only one pane" in status_text(app), what="refused")
        assert len(mirror.windows) == 2


async def test_prefix_o_and_semicolon_focus_the_next_and_last_pane(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        mirror = app.mirror
        first, second, third = await split_into(app, pilot, 3)
        await pilot.press("ctrl+b", "o")
        await wait_for(pilot, lambda: mirror.active == first, what="next pane wraps to the first")
        await pilot.press("ctrl+b", "o")
        await wait_for(pilot, lambda: mirror.active == second, what="next pane")
        await pilot.press("ctrl+b", "semicolon")
        await wait_for(pilot, lambda: mirror.active == first, what="last pane")
        await pilot.press("ctrl+b", "semicolon")
        await wait_for(pilot, lambda: mirror.active == second, what="and back")
        await wait_for(pilot, lambda: app.window_view.views[second].has_focus, what="the view focused")


async def test_prefix_semicolon_without_a_last_pane_says_so(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.mirror.places) == 1, what="the first layout")
        await pilot.press("ctrl+b", "semicolon")
        await wait_for(pilot, lambda: "no last pane" in status_text(app), what="the message")


async def test_prefix_q_shows_pane_numbers_and_a_digit_focuses_that_pane(make_app):
    app = make_app(HEXDUMP)
    async with app.run_test(size=(100, 30)) as pilot:
        mirror = app.mirror
        view = app.window_view
        panes = await split_into(app, pilot, 3)
        await wait_for(pilot, lambda: "hex-ready" in screen_text(app), what="the hexdump pane")
        await pilot.press("ctrl+b", "q")
        await wait_for(pilot, lambda: view.numbers_shown and len(view.number_views) == 3, what="three numbers")
        await pilot.pause()
        for number, (pane_id, number_view) in enumerate(zip(panes, view.number_views, strict=True)):
            place = mirror.places[pane_id]
            region = number_view.region
            assert number_view.number == number and number_view.rows == big_number(number)
            assert place.x <= region.x and region.right <= place.x + place.width   # inside its pane, centred
            assert abs((region.x - place.x) - (place.x + place.width - region.right)) <= 1
        await pilot.press("1")
        await wait_for(pilot, lambda: mirror.active == panes[1], what="pane 1 focused")
        assert not view.numbers_shown and not view.number_views
        await pilot.press("ctrl+b", "q")
        await wait_for(pilot, lambda: view.numbers_shown, what="numbers again")
        await pilot.press("x")                                 # any other key hides them and is not the pane's
        await wait_for(pilot, lambda: not view.numbers_shown, what="hidden by a key")
        await pilot.press("y")
        await wait_for(pilot, lambda: "79" in hex_tokens(app).split(), what="the next key reaches the pane")
        assert "78" not in hex_tokens(app).split() and "31" not in hex_tokens(app).split()
        assert mirror.active == panes[1]


async def test_pane_numbers_hide_by_themselves(make_app, monkeypatch):
    # Long enough that a busy machine's polling still sees the numbers before they go, short for the test.
    monkeypatch.setattr(app_module, "DISPLAY_PANES_S", 1.5)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await split_into(app, pilot, 2)
        await pilot.press("ctrl+b", "q")
        await wait_for(pilot, lambda: app.window_view.numbers_shown, what="numbers shown")
        await wait_for(pilot, lambda: not app.window_view.numbers_shown, what="numbers hidden after a while")


async def test_prefix_help_lists_the_layout_and_pane_move_keys(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.mirror.places) == 1, what="the first layout")
        await pilot.press("ctrl+b", "question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help screen")
        text = str(app.screen.query_one(Static).render())
        rows = {line.split()[0]: line for line in text.splitlines()[1:] if line.strip()}
        for key, words in (("space", "next layout"), ("{", "previous"), ("}", "next one"), ("!", "new window"),
                           ("o", "next pane"), (";", "active before"), ("q", "pane numbers")):
            assert words in rows.get(key, ""), (key, text)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")


# ------------------------------------------------------------------ window alerts and notifications

def first_waits_then(claim, trigger, action: str) -> list[str]:
    """A pane program for every window of a session: the first one to run waits for `trigger`, then runs `action`
    (Python); the others only wait. So window 0 acts once window 1 is open, with no timing assumed."""
    return [sys.executable, "-c", (
        "import os, sys, time\n"
        "try:\n"
        f"    os.close(os.open({str(claim)!r}, os.O_CREAT | os.O_EXCL))\n"
        "except FileExistsError:\n"
        "    print('other-ready', flush=True)\n"
        "    time.sleep(3600)\n"
        "print('first-ready', flush=True)\n"
        f"while not os.path.exists({str(trigger)!r}):\n"
        "    time.sleep(0.05)\n"
        f"{action}\n"
        "sys.stdout.flush()\n"
        "time.sleep(3600)\n")]


def window_entry(app: MuxApp, index: int) -> tuple[str, str]:
    """The status line's text for window `index` (`0:name!`) and the style it is drawn in."""
    text = app.status_line.render()
    plain = text.plain
    start = plain.index(f" {index}:") + 1
    end = plain.index(" ", start)
    styles = [str(span.style) for span in text.spans if span.start <= start and span.end >= end]
    return plain[start:end], styles[-1] if styles else ""


async def open_window_and_trigger(app: MuxApp, pilot, trigger) -> None:
    await wait_for(pilot, lambda: "first-ready" in screen_text(app), what="window 0's program waiting")
    await pilot.press("ctrl+b", "c")
    await wait_for(pilot, lambda: app.mirror.current_window == 1 and "other-ready" in screen_text(app),
                   what="window 1")
    assert window_entry(app, 0)[0].endswith(":" + app.mirror.windows[0][1]), "no flag before the trigger"
    trigger.touch()


@pytest.mark.parametrize("monitor, action, flag", [
    ({"monitor.activity": False}, "sys.stdout.write('\\a')", "!"),
    ({"monitor.activity": False}, "sys.stdout.write('\\x1b]777;notify;agent;done\\x07')", "!"),
    ({}, "print('some output')", "#"),
    ({"monitor.activity": False, "monitor.silence": 1}, "print('waiting for you')", "~"),
], ids=["bell", "notification", "activity", "silence"])
async def test_status_line_shows_window_flags_until_the_window_is_selected(tmp_path, monkeypatch, make_app,
                                                                           monitor, action, flag):
    config = load_config(overrides={"shell": "/bin/sh", **monitor})
    trigger = tmp_path / "go"
    app = make_app(first_waits_then(tmp_path / "claim", trigger, action), app_config=config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_window_and_trigger(app, pilot, trigger)
        name = app.mirror.windows[0][1]
        await wait_for(pilot, lambda: window_entry(app, 0)[0] == f"0:{name}{flag}", what=f"window 0 flagged {flag}")
        assert window_entry(app, 0)[1] == app.status_line.alert_style, "a flagged window stands out"
        assert window_entry(app, 1)[0] == f"1:{app.mirror.windows[1][1]}*", "the current window has no flag"
        await pilot.press("ctrl+b", "0")
        await wait_for(pilot, lambda: app.mirror.current_window == 0, what="window 0 selected")
        await wait_for(pilot, lambda: status_text(app).split()[1] == f"0:{name}*", what="the flag cleared")


@pytest.mark.parametrize("forward", [True, False], ids=["forward_notifications", "not-forwarded"])
async def test_notifications_are_written_to_the_outer_terminal_as_osc9(tmp_path, monkeypatch, make_app, forward):
    written: list[str] = []
    monkeypatch.setattr(HeadlessDriver, "write", lambda self, data: written.append(data))
    config = load_config(overrides={"shell": "/bin/sh", "monitor.activity": False,
                                    "monitor.forward_notifications": forward})
    trigger = tmp_path / "go"
    action = "sys.stdout.write('\\x1b]777;notify;Agent \\x1b[31mred;is waiting\\x1b\\\\')"
    app = make_app(first_waits_then(tmp_path / "claim", trigger, action), app_config=config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_window_and_trigger(app, pilot, trigger)
        # The server sends the notification before the layout with the flag: once the flag shows, it was handled.
        await wait_for(pilot, lambda: "!" in window_entry(app, 0)[0], what="window 0 flagged !")
        sent = [data for data in written if data.startswith("\x1b]9;")]
        assert sent == (["\x1b]9;Agent [31mred: is waiting\x07"] if forward else [])


def test_osc9_notification_text_is_sanitised_and_bounded():
    assert osc9_notification("", "build done") == "\x1b]9;build done\x07"
    assert osc9_notification("Agent", "") == "\x1b]9;Agent\x07"
    assert osc9_notification("", "") == osc9_notification(" \x07 ", "\x1b") == ""
    sequence = osc9_notification("t\x1b]52;c;x\x07", "b\x9d\x9c\x7f\x00\u0085ody")
    assert sequence == "\x1b]9;t]52;c;x: body\x07"
    long = osc9_notification("T" * (3 * MAX_NOTIFY_TEXT), "B" * (3 * MAX_NOTIFY_TEXT))
    assert long == f"\x1b]9;{'T' * MAX_NOTIFY_TEXT}: {'B' * MAX_NOTIFY_TEXT}\x07"
    # text that an outer terminal would read as a ConEmu command (4: progress bar) stays a notification
    assert osc9_notification("", "4;1;50") == "\x1b]9;mux: 4;1;50\x07"


def drawn_row(app: MuxApp, y: int) -> str:
    """Row y of the window as the app draws it around the panes (separators and title lines)."""
    return app.window_view.render_line(y).text


def drawn_style(app: MuxApp, x: int, y: int):
    """The style of the cell at (x, y) of the window's own drawing."""
    cell = 0
    for segment in app.window_view.render_line(y):
        if cell <= x < cell + segment.cell_length:
            return segment.style
        cell += segment.cell_length
    raise AssertionError(f"no cell {x} in row {y}")


async def test_border_titles_show_number_title_and_command(make_app, border_titles_config):
    app = make_app(app_config=border_titles_config)
    theme = border_titles_config.theme
    async with app.run_test(size=(100, 30)) as pilot:
        mirror = app.mirror
        await prompt(app, pilot)
        first = mirror.active
        place = mirror.places[first]
        assert (place.x, place.y, place.width, place.height) == (0, 1, 100, 28), "the title line takes row 0"
        views = app.window_view.views
        await wait_for(pilot, lambda: views[first].region.y == 1 and views[first].size == Size(100, 28),
                       what="the pane view below its title line")
        await wait_for(pilot, lambda: drawn_row(app, 0) == "─ 0: sh " + "─" * 92, what="the title line")
        await pilot.press("ctrl+b", "percent_sign")
        await wait_for(pilot, lambda: len(mirror.places) == 2 and mirror.active != first, what="side by side")
        second = mirror.active
        await wait_for(pilot, lambda: drawn_row(app, 0) == "─ 0: sh " + "─" * 42 + "│" + "─ 1: sh " + "─" * 41,
                       what="both title lines")
        # the focused pane's title stands out
        assert drawn_style(app, 53, 0).color.triplet.hex == f"#{theme.border_focused:06x}"
        assert drawn_style(app, 53, 0).bold
        assert drawn_style(app, 2, 0).color.triplet.hex == f"#{theme.border:06x}"
        assert not drawn_style(app, 2, 0).bold
        # a title set with OSC 2 (its controls dropped), cut to the pane's width; then the command again
        await prompt(app, pilot)
        await type_text(pilot, "printf '\\033]2;agent \\033[1m' ; printf 'x%.0s' $(seq 80) ; printf '\\007'\n")
        await wait_for(pilot, lambda: drawn_row(app, 0)[51:].startswith("─ 1: agent [1mxxxx"), what="the OSC title")
        assert drawn_row(app, 0)[50] == "│" and len(drawn_row(app, 0)) == 100
        await type_text(pilot, "printf '\\033]2;\\007'\n")
        await wait_for(pilot, lambda: drawn_row(app, 0)[51:] == "─ 1: sh " + "─" * 41, what="the command again")
        await pilot.press("ctrl+b", "left")
        await wait_for(pilot, lambda: mirror.active == first, what="focus left")
        await wait_for(pilot, lambda: drawn_style(app, 2, 0).bold and not drawn_style(app, 53, 0).bold,
                       what="the focused title moved")
        # a click on a title line focuses its pane
        await pilot.click(app.window_view, offset=(60, 0))
        await wait_for(pilot, lambda: mirror.active == second, what="the clicked title's pane focused")


async def test_stacked_panes_titles_sit_on_the_separator(make_app, border_titles_config):
    app = make_app(app_config=border_titles_config)
    async with app.run_test(size=(100, 30)) as pilot:
        mirror = app.mirror
        await prompt(app, pilot)
        first = mirror.active
        await pilot.press("ctrl+b", "quotation_mark")
        await wait_for(pilot, lambda: len(mirror.places) == 2, what="stacked")
        second = mirror.active
        top, bottom = mirror.places[first], mirror.places[second]
        # 29 rows: the layout gives 14, a separator, 14; the top pane's first row is its title line
        assert (top.y, top.height, bottom.y, bottom.height) == (1, 13, 15, 14)
        await wait_for(pilot, lambda: drawn_row(app, 14).startswith("─ 1: sh ───") and
                       drawn_row(app, 0).startswith("─ 0: sh ───"), what="both titles")
        await wait_for(pilot, lambda: (mirror.panes[first].rows, mirror.panes[second].rows) == (13, 14),
                       what="the panes at their sizes")


async def test_without_border_titles_a_pane_has_the_full_height(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        mirror = app.mirror
        await prompt(app, pilot)
        place = mirror.places[mirror.active]
        assert (place.x, place.y, place.width, place.height) == (0, 0, 100, 29)
        assert mirror.titles == []
        assert app.window_view.views[mirror.active].region.y == 0
        assert "0:" not in drawn_row(app, 0)
