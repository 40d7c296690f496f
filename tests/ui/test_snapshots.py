"""SVG snapshots of the main layouts (pytest-textual-snapshot). Panes run a fixed program so the pictures are
deterministic; refresh them with `pytest tests/ui/test_snapshots.py --snapshot-update` after a deliberate change."""

from __future__ import annotations

import pytest

from mux.config import load_config
from mux.session.pane import Pane
from mux.ui import status
from mux.ui.app import MuxApp

SIZE = (100, 24)
PROGRAM = ["/bin/sh", "-c",
           "printf '\\033[1;32mready\\033[0m %s\\n' \"$((6*7))\"; printf '中文 ok 👍\\n'; exec sleep 600"]


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setattr(status, "process_rss", lambda: 42_000_000)
    monkeypatch.setattr(Pane, "_serial", 0)
    return MuxApp(load_config(overrides={"theme": "default"}), PROGRAM)


async def settle(pilot) -> None:
    for _ in range(20):
        await pilot.pause(0.05)


def test_single_pane(snap_compare, app):
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_side_by_side_with_memory_bar(snap_compare, app):
    async def before(pilot):
        await pilot.press("ctrl+b", "percent_sign")
        await settle(pilot)
        await pilot.press("ctrl+b", "m")
        await settle(pilot)
        await pilot.pause(1.1)        # the bar refreshes once a second

    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_nested_splits(snap_compare, app):
    async def before(pilot):
        await pilot.press("ctrl+b", "percent_sign")
        await settle(pilot)
        await pilot.press("ctrl+b", "quotation_mark")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_zoomed_pane(snap_compare, app):
    async def before(pilot):
        await pilot.press("ctrl+b", "percent_sign")
        await settle(pilot)
        await pilot.press("ctrl+b", "z")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=before)
