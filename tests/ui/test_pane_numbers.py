"""The pane numbers of prefix q (mux/ui/pane_numbers.py): the block font, the fallback for small panes, and the
rule that a pane's number is its position in the layout message."""

from mux.ui.mirror import PanePlace, SessionMirror
from mux.ui.pane_numbers import DIGIT_HEIGHT, big_number, number_box, pane_numbers


def test_big_number_draws_each_digit_three_cells_wide():
    rows = big_number(10)
    assert len(rows) == DIGIT_HEIGHT and {len(r) for r in rows} == {7}
    assert rows[0] == "  # ###" and rows[2] == "  # # #"
    assert all(set(r) <= {"#", " "} for r in big_number(1234567890))


def test_a_small_pane_gets_the_plain_number():
    assert number_box(3, 3, 5) == big_number(3)
    assert number_box(3, 2, 5) == ["3"] and number_box(3, 3, 4) == ["3"]
    assert number_box(12, 1, 1) == ["1"]                 # never wider than the pane


def test_numbers_are_the_servers_also_for_a_zoomed_pane():
    mirror = SessionMirror()
    mirror.apply_layout({"session": "s", "cols": 20, "rows": 5, "windows": [[0, "w", True]], "separators": [],
                         "panes": [[7, 11, 0, 9, 5, "", 0], [3, 0, 0, 10, 5, "", 1]], "active": 3, "zoomed": False})
    assert pane_numbers(mirror.places) == {7: 0, 3: 1}
    assert isinstance(mirror.places[7], PanePlace)
    mirror.apply_layout({"session": "s", "cols": 20, "rows": 5, "windows": [[0, "w", True]], "separators": [],
                         "panes": [[3, 0, 0, 20, 5, "", 1]], "active": 3, "zoomed": True})
    assert pane_numbers(mirror.places) == {3: 1}
