"""SVG snapshots of the main layouts (pytest-textual-snapshot), the client attached to a fresh mux server per test
(so pane ids start at %1). Panes run a fixed program and the memory bar's server RSS and sparkline are pinned, so
the pictures are deterministic; refresh them with `pytest tests/ui/test_snapshots.py --snapshot-update` after a
deliberate change."""

from __future__ import annotations

import pytest

from mux.ui.status import MemoryBar
from tests.pilot import wait_for

SIZE = (100, 24)
PROGRAM = ["/bin/sh", "-c",
           "printf '\\033[1;32mready\\033[0m %s\\n' \"$((6*7))\"; printf '中文 ok 👍\\n'; exec sleep 600"]


@pytest.fixture
def app(make_app, border_titles_config, monkeypatch):
    original = MemoryBar.update_figures

    def update_figures(self, panes, rss):
        self.trends.clear()         # one sample per sparkline, however many seconds the bar has been shown
        original(self, panes, 42_000_000)

    monkeypatch.setattr(MemoryBar, "update_figures", update_figures)
    return make_app(PROGRAM, size=SIZE, app_config=border_titles_config)     # the default look: border titles on


def ready(app, panes: int) -> bool:
    """`panes` panes placed, each showing the program's output, the window named after it."""
    mirror = app.mirror
    if len(mirror.places) != panes or not mirror.windows or mirror.windows[0][1] != "sleep":
        return False
    views = app.window_view.views
    for pane_id, place in mirror.places.items():
        pane = mirror.panes.get(pane_id)
        if pane is None or (pane.cols, pane.rows) != (place.width, place.height):
            return False
        lines = pane.display()
        if not lines[0].startswith("ready 42") or not lines[1].startswith("中文 ok 👍"):
            return False
        view = views.get(pane_id)
        if view is None or (view.size.width, view.size.height) != (place.width, place.height):
            return False
    return True


async def settle(pilot, panes: int = 1) -> None:
    await wait_for(pilot, lambda: ready(pilot.app, panes), what=f"{panes} pane(s) drawn")
    await pilot.pause()
    await pilot.pause()


def test_single_pane(snap_compare, app):
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_side_by_side_with_memory_bar(snap_compare, app):
    async def before(pilot):
        await settle(pilot)
        await pilot.press("ctrl+b", "percent_sign")
        await settle(pilot, 2)
        await pilot.press("ctrl+b", "m")
        bar = app.memory_bar

        def bar_ready() -> bool:
            labels = [line.split(" │")[0] for line in bar.lines]
            return labels == ["%1 sleep", "%2 sleep", "server RSS 42.0 MB"] and app.mirror.rows == SIZE[1] - 1 - 3

        await wait_for(pilot, bar_ready, what="the memory bar")
        await settle(pilot, 2)

    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_nested_splits(snap_compare, app):
    async def before(pilot):
        await settle(pilot)
        await pilot.press("ctrl+b", "percent_sign")
        await settle(pilot, 2)
        await pilot.press("ctrl+b", "quotation_mark")
        await settle(pilot, 3)

    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_zoomed_pane(snap_compare, app):
    async def before(pilot):
        await settle(pilot)
        await pilot.press("ctrl+b", "percent_sign")
        await settle(pilot, 2)
        await pilot.press("ctrl+b", "z")
        await wait_for(pilot, lambda: app.mirror.zoomed, what="zoomed")
        await settle(pilot, 1)

    assert snap_compare(app, terminal_size=SIZE, run_before=before)
