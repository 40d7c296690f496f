"""Tests of the Session model's layout presets and pane moves (mux/session/session.py), with fake panes: no PTY.
`check()` runs after every step."""

import itertools

import pytest

from mux.session.layout import HORIZONTAL, LAYOUTS, VERTICAL, LayoutError
from mux.session.session import Session


class FakePane:
    """What Session needs of a pane: an id, a size it is resized to, a title."""

    ids = itertools.count(1)

    def __init__(self, cols: int, rows: int) -> None:
        self.id = next(self.ids)
        self.size = (cols, rows)
        self.released = False
        self.title = f"pane{self.id}"

    def resize(self, cols: int, rows: int) -> None:
        self.size = (cols, rows)


def make_session(panes: int = 1, size=(81, 25)) -> Session:
    def release(pane: FakePane) -> None:
        pane.released = True

    session = Session("s", lambda argv, cols, rows: FakePane(cols, rows), release, size)
    session.new_window()
    for n in range(panes - 1):
        session.split(HORIZONTAL if n % 2 else VERTICAL)
    session.check()
    return session


def order(session: Session) -> list[int]:
    return session.current.layout.panes()


def sizes_match(session: Session) -> bool:
    window = session.current
    return all(window.panes[p].size == (r.width, r.height) for p, r in session.geometry(window).items())


def test_next_layout_cycles_tmux_order_and_resizes_the_panes():
    session = make_session(4)
    panes = order(session)
    seen = [session.next_layout() for _ in range(len(LAYOUTS) + 1)]
    session.check()
    assert seen == [*LAYOUTS, LAYOUTS[0]]
    assert order(session) == panes and sizes_match(session)


def test_select_layout_unzooms_and_refuses_an_unknown_name():
    session = make_session(3)
    session.zoom()
    assert session.select_layout("tiled") == "tiled"
    assert session.current.layout.zoomed is None and sizes_match(session)
    with pytest.raises(LayoutError, match="unknown layout"):
        session.select_layout("spiral")
    session.check()


def test_swap_pane_moves_the_active_pane_and_keeps_it_active():
    session = make_session(3)
    first, second, third = order(session)
    session.select_pane(second)
    session.swap_pane(1)
    session.check()
    assert order(session) == [first, third, second] and session.current.active == second
    session.swap_pane(1)                                 # wraps: from the end to the start
    assert order(session) == [second, third, first] and session.current.active == second
    session.swap_pane(-1)                                # wraps back
    assert order(session) == [first, third, second]
    assert sizes_match(session)


def test_swap_pane_alone_does_nothing():
    session = make_session(1)
    session.swap_pane(1)
    session.check()


def test_break_pane_makes_a_window_of_its_own_and_keeps_the_pane():
    session = make_session(3)
    old = session.current
    pane = session.active_pane
    new = session.break_pane()
    session.check()
    assert session.current is new and new.index == 1 and list(new.panes) == [pane.id]
    assert pane.id not in old.panes and len(old.panes) == 2 and not pane.released
    assert pane.size == session.size                     # resized to the whole window area
    assert old.active in old.panes and old.last_active is None


def test_break_pane_refuses_a_lone_pane():
    session = make_session(1)
    with pytest.raises(LayoutError, match="only one pane"):
        session.break_pane()
    session.check()
    assert len(session.windows) == 1


def test_break_pane_takes_the_first_free_index():
    session = make_session(1)
    session.new_window()                                 # index 1
    session.select_index(0)
    session.split(HORIZONTAL)
    new = session.break_pane()
    assert [w.index for w in session.windows] == [0, 1, 2] and new.index == 2


def test_next_pane_wraps_in_pane_order():
    session = make_session(3)
    panes = order(session)
    session.select_pane(panes[0])
    visited = []
    for _ in range(3):
        assert session.next_pane()
        visited.append(session.current.active)
    session.check()
    assert visited == [panes[1], panes[2], panes[0]]


def test_next_pane_unzooms_when_it_leaves_the_zoomed_pane():
    session = make_session(2)
    session.zoom()
    session.next_pane()
    assert session.current.layout.zoomed is None and sizes_match(session)


def test_last_pane_goes_back_and_forth():
    session = make_session(3)
    panes = order(session)
    session.select_pane(panes[0])
    session.select_pane(panes[2])
    assert session.last_pane() and session.current.active == panes[0]
    assert session.last_pane() and session.current.active == panes[2]
    session.check()


def test_last_pane_none_at_first_and_after_it_closed():
    session = make_session(1)
    assert not session.last_pane()
    session.split(VERTICAL)
    previous = session.current.last_active
    assert previous is not None
    session.close_pane(previous)
    session.check()
    assert session.current.last_active is None and not session.last_pane()
