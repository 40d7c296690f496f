"""The Textual app driven by Pilot, with real PTY children: splits, focus, zoom, windows, the memory status bar,
scrollback mode and search, key routing, exit, and no starvation while a pane floods."""

from __future__ import annotations

import sys

from textual import events

from mux.ui.app import MuxApp
from mux.ui.status import MemoryBar, StatusLine
from tests.pilot import wait_for

# A pane program that prints the hex of every byte it receives, in raw mode (so no tty translation hides keys).
HEXDUMP = [sys.executable, "-c", (
    "import os, sys, tty\n"
    "tty.setraw(0)\n"
    "while True:\n"
    "    data = os.read(0, 64)\n"
    "    if not data: break\n"
    "    os.write(1, (' '.join(f'{b:02x}' for b in data) + '\\r\\n').encode())\n"
    "    if data == b'Q': break\n")]


def screen_lines(app: MuxApp, pane_id: int | None = None) -> list[str]:
    window = app.current
    pane = window.panes[pane_id if pane_id is not None else window.focused]
    return [line.rstrip() for line in pane.screen.display()]


def screen_text(app: MuxApp, pane_id: int | None = None) -> str:
    return "\n".join(screen_lines(app, pane_id))


async def type_text(pilot, text: str) -> None:
    keys = []
    for ch in text:
        keys.append({" ": "space", "\n": "enter", ";": "semicolon", "'": "apostrophe", "|": "vertical_line",
                     "-": "minus", ".": "full_stop", "/": "slash", "=": "equals_sign"}.get(ch, ch))
    await pilot.press(*keys)


async def test_typing_reaches_the_focused_pane(config):
    app = MuxApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "$" in screen_text(app))
        await type_text(pilot, "echo mux-ok\n")
        await wait_for(pilot, lambda: "mux-ok" in screen_lines(app))     # the echo's output line


async def test_split_focus_zoom_and_close(config):
    app = MuxApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        window = app.current
        first = window.focused
        await pilot.press("ctrl+b", "percent_sign")
        await wait_for(pilot, lambda: len(window.panes) == 2)
        second = window.focused
        assert second != first, "a new split takes the focus"
        await pilot.pause(0.2)
        rects = window.layout.geometry(window.view.size.width, window.view.size.height)
        assert rects[first].x < rects[second].x and rects[first].y == rects[second].y   # side by side
        await pilot.press("ctrl+b", "quotation_mark")
        await wait_for(pilot, lambda: len(window.panes) == 3)
        third = window.focused
        await pilot.pause(0.2)
        rects = window.layout.geometry(window.view.size.width, window.view.size.height)
        assert rects[third].y > rects[second].y and rects[third].x == rects[second].x          # stacked
        await pilot.press("ctrl+b", "left")
        assert window.focused == first
        await pilot.press("ctrl+b", "right")
        assert window.focused in (second, third)
        await pilot.press("ctrl+b", "z")
        await pilot.pause(0.1)
        assert window.layout.zoomed == window.focused
        assert list(window.layout.geometry(100, 29)) == [window.focused]
        await pilot.press("ctrl+b", "z")
        assert window.layout.zoomed is None
        await pilot.press("ctrl+b", "x")
        await wait_for(pilot, lambda: len(window.panes) == 2)
        assert window.focused in window.panes


async def test_click_focuses_a_pane(config):
    app = MuxApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        window = app.current
        first = window.focused
        await pilot.press("ctrl+b", "percent_sign")
        await wait_for(pilot, lambda: len(window.panes) == 2)
        await pilot.pause(0.2)
        await pilot.click(app.views[first], offset=(2, 2))
        await wait_for(pilot, lambda: window.focused == first)


async def test_windows_create_select_cycle_and_rename(config):
    app = MuxApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+b", "c")
        await wait_for(pilot, lambda: len(app.windows) == 2)
        assert app.current.index == 1
        await pilot.press("ctrl+b", "0")
        assert app.current.index == 0
        await pilot.press("ctrl+b", "n")
        assert app.current.index == 1
        await pilot.press("ctrl+b", "p")
        assert app.current.index == 0
        await pilot.press("ctrl+b", "comma")
        await pilot.pause(0.2)
        await pilot.press("ctrl+a", "ctrl+k")      # clear the prefilled name in the Input
        await type_text(pilot, "logs")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current.name == "logs")
        await pilot.pause(0.1)
        status = app.query_one(StatusLine)
        assert (0, "logs", True) in status.windows


async def test_memory_status_bar_shows_every_visible_pane(config):
    app = MuxApp(config)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+b", "percent_sign")
        await wait_for(pilot, lambda: len(app.current.panes) == 2)
        bar = app.query_one(MemoryBar)
        assert not bar.display
        await pilot.press("ctrl+b", "m")
        await wait_for(pilot, lambda: bar.display and len(bar.lines) == 3)
        for pane_id, line in zip(app.current.layout.panes(), bar.lines, strict=False):
            assert line.startswith(f"%{pane_id} ")
            for word in ("pages", "pool", "oversized"):
                assert word in line
        assert bar.lines[-1].startswith("RSS ")
        await pilot.press("ctrl+b", "m")
        assert not bar.display


async def test_scrollback_mode_scrolls_searches_and_leaves(config):
    app = MuxApp(config)
    async with app.run_test(size=(80, 20)) as pilot:
        await type_text(pilot, "seq 1 300\n")
        await wait_for(pilot, lambda: "300" in screen_text(app))
        view = app.views[app.current.focused]
        pl = view.pane.screen.pagelist
        assert pl.history_rows() > 200
        await pilot.press("ctrl+b", "left_square_bracket")
        assert view.scrollback
        top = pl.viewport_top()
        await pilot.press("pageup", "pageup")
        assert pl.viewport_top() < top
        await pilot.press("slash")
        await pilot.pause(0.2)
        await type_text(pilot, "123")
        await pilot.press("enter")
        await wait_for(pilot, lambda: view.current_match is not None)
        match = view.current_match
        page, r = pl.row_locations(match.row, 1)[0]
        assert page.row_text(r)[match.start:match.end] == "123"
        assert pl.viewport_top() <= match.row < pl.viewport_top() + view.size.height
        # More output while scrolled back does not move the view.
        before = pl.viewport_top()
        app.current.panes[app.current.focused].write(b"seq 1 50\n")
        await pilot.pause(0.5)
        assert abs(pl.viewport_top() - before) <= 1 or pl.viewport.garbage
        await pilot.press("q")
        assert not view.scrollback and pl.viewport is None


async def test_textual_bindings_do_not_swallow_pane_keys(config):
    app = MuxApp(config, HEXDUMP)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause(0.5)
        for key, expected in (("ctrl+q", "11"), ("ctrl+p", "10"), ("ctrl+c", "03"), ("tab", "09"),
                              ("escape", "1b"), ("ctrl+b", None)):
            if expected is None:
                await pilot.press("ctrl+b", "ctrl+b")       # the prefix twice sends it through
                expected = "02"
            else:
                await pilot.press(key)
            await wait_for(pilot, lambda expected=expected: expected in screen_text(app).split())


async def test_last_pane_exit_ends_mux_with_status_zero(config):
    app = MuxApp(config, ["/bin/sh", "-c", "exit 7"])
    async with app.run_test(size=(80, 20)) as pilot:
        await wait_for(pilot, lambda: not app.is_running or not app.windows)
    assert app.return_code == 0


async def test_typing_into_one_pane_while_another_floods(config):
    """No starvation: every keystroke typed into one pane is echoed while the other pane floods."""
    app = MuxApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        flood_pane = app.current.focused
        await type_text(pilot, "yes flood-flood-flood-flood\n")
        await pilot.press("ctrl+b", "percent_sign")
        await wait_for(pilot, lambda: len(app.current.panes) == 2)
        quiet = app.current.focused
        await wait_for(pilot, lambda: "$" in screen_text(app, quiet))
        flood = app.current.panes[flood_pane]
        start_bytes = flood.bytes_read
        typed = "abcdefghij"
        for k, ch in enumerate(typed):
            await pilot.press(ch)
            echoed = typed[:k + 1]
            await wait_for(pilot, lambda echoed=echoed: any(line.endswith(echoed) for line in screen_lines(app, quiet)),
                           timeout=5)
        assert flood.bytes_read > start_bytes, "the flooding pane kept being read meanwhile"


async def test_wheel_scrolls_history_or_sends_arrows_to_full_screen_programs(config):
    app = MuxApp(config, HEXDUMP)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause(0.5)
        view = app.views[app.current.focused]
        pane = view.pane
        pane.stream.feed(b"\x1b[?1049h")          # as if the program entered the alternate screen
        await pilot.pause(0.1)
        view.post_message(events.MouseScrollUp(view, 5, 5, 0, -1, 0, False, False, False))
        await wait_for(pilot, lambda: "1b 5b 41 1b 5b 41 1b 5b 41" in screen_text(app).replace("\n", " "))
        assert not view.scrollback
        pane.stream.feed(b"\x1b[?1049l")
        view.post_message(events.MouseScrollUp(view, 5, 5, 0, -1, 0, False, False, False))
        await wait_for(pilot, lambda: view.scrollback)      # the primary screen: the wheel scrolls history


async def test_dragging_a_border_resizes_the_panes(config):
    app = MuxApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        window = app.current
        first = window.focused
        await pilot.press("ctrl+b", "percent_sign")
        await wait_for(pilot, lambda: len(window.panes) == 2)
        await pilot.pause(0.2)
        width, height = window.view.size.width, window.view.size.height
        (separator,) = window.layout.separators(width, height)
        before = window.layout.geometry(width, height)[first].width
        await pilot.mouse_down(window.view, offset=(separator.x, 3))
        await pilot.hover(window.view, offset=(separator.x - 15, 3))
        await pilot.mouse_up(window.view, offset=(separator.x - 15, 3))
        await pilot.pause(0.1)
        after = window.layout.geometry(width, height)[first].width
        assert after == before - 15
        assert app.views[first].size.width == after, "the pane view follows its new rect"


async def test_a_burst_of_resizes_reflows_once_with_the_last_size(config):
    from textual.geometry import Size

    app = MuxApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        view = app.views[app.current.focused]
        applied = []
        resize = view.pane.resize
        view.pane.resize = lambda cols, rows: (applied.append((cols, rows)), resize(cols, rows))
        for width in range(40, 90):
            view.post_message(events.Resize(Size(width, 20), Size(width, 20)))
        await wait_for(pilot, lambda: applied)
        await pilot.pause(0.2)
        assert applied[-1] == (89, 20) and len(applied) < 10
        assert (view.pane.screen.columns, view.pane.screen.lines) == (89, 20)
