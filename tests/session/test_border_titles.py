"""Tests of the session model's pane geometry with border titles (mux/session/session.py): which row each pane's
title line takes, the screen sizes left for the panes with titles on and off, the pane numbers and the title
text (sanitised, bounded). Panes are stand-ins: the model never reads a PTY, it only resizes and names panes."""

from __future__ import annotations

import itertools

import pytest

from mux.session.layout import HORIZONTAL, VERTICAL, Rect
from mux.session.session import MAX_BORDER_TITLE, Session, border_title

_ids = itertools.count(1)


class FakePane:
    def __init__(self, cols: int, rows: int) -> None:
        self.id = next(_ids)
        self.size = (cols, rows)
        self.title = "sh"

    def resize(self, cols: int, rows: int) -> None:
        self.size = (cols, rows)


def make_session(size: tuple[int, int], titles: bool | None) -> Session:
    options = {} if titles is None else {"border_titles": titles}
    session = Session("s", lambda argv, cols, rows: FakePane(cols, rows), lambda pane: None, size, None, options)
    session.new_window()
    return session


def sizes(session: Session) -> dict[int, tuple[int, int]]:
    return {pane.id: pane.size for pane in session.current.panes.values()}


@pytest.mark.parametrize("titles", [None, False])
def test_without_titles_a_pane_gets_its_whole_rect(titles):
    session = make_session((80, 24), titles)
    first = session.active_pane
    assert sizes(session) == {first.id: (80, 24)}
    second = session.split(VERTICAL)
    assert session.geometry() == {first.id: Rect(0, 0, 80, 12), second.id: Rect(0, 13, 80, 11)}
    assert sizes(session) == {first.id: (80, 12), second.id: (80, 11)}
    assert session.title_lines() == []
    session.check()


def test_a_lone_pane_gives_its_top_row_to_its_title():
    session = make_session((80, 24), True)
    pane = session.active_pane
    assert session.geometry() == {pane.id: Rect(0, 1, 80, 23)}
    assert sizes(session) == {pane.id: (80, 23)}
    [line] = session.title_lines()
    assert (line.pane, line.x, line.y, line.width, line.text) == (pane.id, 0, 0, 80, "0: sh")
    session.check()


def test_stacked_panes_the_lower_title_is_the_separator_row():
    session = make_session((80, 24), True)
    top = session.active_pane
    bottom = session.split(VERTICAL)
    # the layout gives 12 rows, a separator at row 12, then 11 rows; only the top pane pays for its title
    assert session.geometry() == {top.id: Rect(0, 1, 80, 11), bottom.id: Rect(0, 13, 80, 11)}
    assert sizes(session) == {top.id: (80, 11), bottom.id: (80, 11)}
    assert [(t.pane, t.y, t.text) for t in session.title_lines()] == [(top.id, 0, "0: sh"), (bottom.id, 12, "1: sh")]
    assert [s.y for s in session.current.layout.separators(80, 24)] == [12]
    session.check()


def test_side_by_side_panes_share_the_top_title_row():
    session = make_session((81, 24), True)
    left = session.active_pane
    right = session.split(HORIZONTAL)
    assert sizes(session) == {left.id: (40, 23), right.id: (40, 23)}
    assert [(t.x, t.y, t.width) for t in session.title_lines()] == [(0, 0, 40), (41, 0, 40)]
    session.check()


def test_numbers_follow_the_layout_order_and_survive_zoom():
    session = make_session((81, 24), True)
    first = session.active_pane
    session.split(HORIZONTAL)
    session.select_pane(first.id)
    second = session.split(VERTICAL)        # h[first, second | third]: numbers 0, 1, 2 in layout order
    order = session.current.layout.panes()
    assert order[:2] == [first.id, second.id]
    assert {t.pane: t.text.split(":")[0] for t in session.title_lines()} == {p: str(n) for n, p in enumerate(order)}
    session.select_pane(order[2])
    session.zoom()
    [line] = session.title_lines()
    assert (line.pane, line.y, line.text.split(":")[0]) == (order[2], 0, "2")
    assert sizes(session)[order[2]] == (81, 23)
    session.check()


def test_a_one_row_top_pane_keeps_its_row_and_has_no_title():
    session = make_session((80, 5), True)
    top = session.active_pane
    bottom = session.split(VERTICAL)        # 5 rows: 2, separator, 2
    session.set_size(80, 3)                 # 1, separator, 1: the top pane keeps its one row, as tmux does
    assert session.geometry() == {top.id: Rect(0, 0, 80, 1), bottom.id: Rect(0, 2, 80, 1)}
    assert sizes(session) == {top.id: (80, 1), bottom.id: (80, 1)}
    assert [t.pane for t in session.title_lines()] == [bottom.id]
    session.check()


def test_title_text_is_the_title_sanitised_and_bounded_to_the_width():
    session = make_session((30, 10), True)
    pane = session.active_pane
    pane.title = "vim\x1b[31m\u202eevil\u2028next\tline"
    [line] = session.title_lines()
    assert line.text == "0: vim[31mevil next line"
    pane.title = "x" * 500
    [line] = session.title_lines()
    assert line.text == "0: " + "x" * 30


def test_border_title():
    assert border_title("  a\x07b\n\nc  ") == "ab c"
    assert border_title("中文\u0301 ok") == "中文\u0301 ok"
    assert len(border_title("y" * 10_000)) == MAX_BORDER_TITLE
    assert border_title("\x9b31m") == "31m"


def test_a_new_windows_pane_starts_at_its_final_size():
    spawned = []

    def spawn(argv, cols, rows):
        spawned.append((cols, rows))
        return FakePane(cols, rows)

    for titles, rows in ((True, 23), (False, 24)):
        spawned.clear()
        session = Session("s", spawn, lambda pane: None, (80, 24), None, {"border_titles": titles})
        session.new_window()
        assert spawned == [(80, rows)] and sizes(session) == {session.active_pane.id: (80, rows)}
