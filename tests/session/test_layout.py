"""Tests of the pane layout model (mux/session/layout.py): unit tests of each operation and tmux behaviour, then a
Hypothesis state machine over random splits, removes, resizes, drags, zooms and window sizes that checks after
every step that panes and separators tile the window exactly, that no pane is empty when the window is big
enough, that `neighbour` answers an adjacent pane, and that window resizes keep order and proportions."""

import dataclasses

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from mux.session.layout import (
    DOWN,
    HORIZONTAL,
    LAYOUTS,
    LEFT,
    MAIN_PANE_HEIGHT,
    MAIN_PANE_WIDTH,
    RIGHT,
    UP,
    VERTICAL,
    Layout,
    LayoutError,
    Rect,
    Separator,
)

H, V = HORIZONTAL, VERTICAL
MOVES = (LEFT, RIGHT, UP, DOWN)
widths = st.one_of(st.integers(1, 12), st.integers(40, 100))  # mostly roomy windows, some cramped ones
heights = st.one_of(st.integers(1, 8), st.integers(20, 50))


def paint(layout: Layout, width: int, height: int) -> list[list[object]]:
    """Every cell's owner (a pane, or "sep"); fails on overlap or anything outside the window."""
    grid: list[list[object]] = [[None] * width for _ in range(height)]

    def put(x: int, y: int, w: int, h: int, what: object) -> None:
        assert 0 <= x and x + w <= width and 0 <= y and y + h <= height, f"{what!r} outside {width}x{height}"
        for row in grid[y:y + h]:
            assert row[x:x + w] == [None] * w, f"{what!r} overlaps {set(row[x:x + w]) - {None}} in row {y}"
            row[x:x + w] = [what] * w

    for pane, r in layout.geometry(width, height).items():
        assert r.width > 0 and r.height > 0, (pane, r)
        put(r.x, r.y, r.width, r.height, pane)
    for sep in layout.separators(width, height):
        assert sep.length > 0, sep
        if sep.orientation == VERTICAL:
            put(sep.x, sep.y, 1, sep.length, "sep")
        else:
            put(sep.x, sep.y, sep.length, 1, "sep")
    return grid


def assert_tiles(layout: Layout, width: int, height: int) -> None:
    grid = paint(layout, width, height)
    holes = [(x, y) for y in range(height) for x in range(width) if grid[y][x] is None]
    assert not holes, f"{layout.describe()} at {width}x{height} leaves {holes[:5]} uncovered"


def adjacent(a: Rect, b: Rect, direction: str) -> bool:
    """b lies across one separator from a on that side, and they overlap along it."""
    if direction in (LEFT, RIGHT):
        touching = b.x == a.right + 1 if direction == RIGHT else b.right + 1 == a.x
        return touching and min(a.bottom, b.bottom) > max(a.y, b.y)
    touching = b.y == a.bottom + 1 if direction == DOWN else b.bottom + 1 == a.y
    return touching and min(a.right, b.right) > max(a.x, b.x)


def make(*steps, size=(80, 24)) -> Layout:
    """Layout(1) at `size`, then split(pane, direction, new[, before]) for each step."""
    layout = Layout(1)
    layout.geometry(*size)
    for step in steps:
        pane, direction, new, *before = step
        layout.split(pane, direction, new, before=bool(before and before[0]))
    return layout


# --- construction and queries ------------------------------------------------------------------------------


def test_single_pane_fills_the_window():
    layout = Layout("a")
    assert layout.panes() == ["a"] and len(layout) == 1 and "a" in layout and "b" not in layout
    assert layout.describe() == "a"
    assert layout.geometry(80, 24) == {"a": Rect(0, 0, 80, 24)}
    assert layout.separators(80, 24) == []
    assert layout.min_size() == (1, 1)
    assert [] not in layout  # unhashable: simply not a pane


def test_rect_and_separator_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Rect(0, 0, 1, 1).x = 3  # type: ignore[misc]
    sep = Separator(3, 0, 5, VERTICAL, (1,), (2,), (), 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        sep.x = 1  # type: ignore[misc]
    assert sep.position == 3 and sep.contains(3, 4) and not sep.contains(3, 5) and not sep.contains(2, 0)
    assert sep.cells() == [(3, y) for y in range(5)]


# --- split ---------------------------------------------------------------------------------------------------


def test_horizontal_split_is_side_by_side_with_a_separator_column():
    layout = make((1, H, 2))
    assert layout.describe() == "h[1,2]" and layout.panes() == [1, 2]
    # 80 columns: 1 separator, the new pane gets (80 - 1) // 2 = 39, the old keeps 40 (tmux's rounding)
    assert layout.geometry(80, 24) == {1: Rect(0, 0, 40, 24), 2: Rect(41, 0, 39, 24)}
    [sep] = layout.separators(80, 24)
    assert (sep.x, sep.y, sep.length, sep.orientation, sep.before, sep.after) == (40, 0, 24, VERTICAL, (1,), (2,))
    assert_tiles(layout, 80, 24)


def test_vertical_split_stacks_with_a_separator_row():
    layout = make((1, V, 2))
    assert layout.describe() == "v[1,2]"
    assert layout.geometry(80, 24) == {1: Rect(0, 0, 80, 12), 2: Rect(0, 13, 80, 11)}
    [sep] = layout.separators(80, 24)
    assert (sep.x, sep.y, sep.length, sep.orientation) == (0, 12, 80, HORIZONTAL)


def test_split_before_puts_the_new_pane_first():
    layout = make((1, H, 2, True))
    assert layout.describe() == "h[2,1]"
    assert layout.geometry(80, 24) == {2: Rect(0, 0, 39, 24), 1: Rect(40, 0, 40, 24)}


def test_split_in_the_parents_direction_adds_a_sibling():
    layout = make((1, H, 2), (2, H, 3))
    assert layout.describe() == "h[1,2,3]"
    # the other panes keep their cells; 2's 39 columns become 19 + separator + 19
    assert layout.geometry(80, 24) == {1: Rect(0, 0, 40, 24), 2: Rect(41, 0, 19, 24), 3: Rect(61, 0, 19, 24)}
    layout.split(1, H, 4, before=True)
    assert layout.describe() == "h[4,1,2,3]"


def test_split_across_the_parents_direction_nests():
    layout = make((1, H, 2), (2, V, 3), (3, H, 4), (1, V, 5))
    assert layout.describe() == "h[v[1,5],v[2,h[3,4]]]"
    assert layout.panes() == [1, 5, 2, 3, 4]
    assert_tiles(layout, 80, 24)


def test_split_without_a_known_size_halves_the_weight():
    layout = Layout(1)
    layout.split(1, H, 2)
    layout.split(2, H, 3)
    assert layout.last_size is None
    assert layout.describe(weights=True) == "h[1:1,2:1/2,3:1/2]"
    g = layout.geometry(81, 10)  # 79 content columns: 39.5, 19.75, 19.75; the 2 left over go to the .75s
    assert [g[p].width for p in (1, 2, 3)] == [39, 20, 20]


def test_split_refuses_when_a_half_would_be_empty():
    layout = Layout(1)
    layout.geometry(3, 2)
    layout.split(1, H, 2)  # 3 columns: 1 + separator + 1
    assert layout.geometry(3, 2) == {1: Rect(0, 0, 1, 2), 2: Rect(2, 0, 1, 2)}
    with pytest.raises(LayoutError, match="no room"):
        layout.split(2, H, 3)
    with pytest.raises(LayoutError, match="no room"):
        layout.split(2, V, 3)  # 2 rows: no room for 1 + separator + 1 either
    assert layout.describe() == "h[1,2]" and 3 not in layout
    layout.geometry(3, 3)
    layout.split(2, V, 3)
    assert layout.describe() == "h[1,v[2,3]]"


def test_split_refuses_unknown_and_duplicate_panes_and_bad_directions():
    layout = make((1, H, 2))
    with pytest.raises(LayoutError):
        layout.split(9, H, 3)
    with pytest.raises(LayoutError):
        layout.split(1, H, 2)
    with pytest.raises(ValueError):
        layout.split(1, "sideways", 3)
    assert layout.describe() == "h[1,2]"


# --- remove --------------------------------------------------------------------------------------------------


def test_remove_gives_space_to_the_previous_sibling_and_focuses_it():
    layout = make((1, H, 2), (2, H, 3))
    before = layout.geometry(80, 24)
    assert layout.remove(2) == 1
    after = layout.geometry(80, 24)
    assert layout.describe() == "h[1,3]"
    assert after[1].width == before[1].width + before[2].width + 1 and after[3] == before[3]


def test_remove_first_child_gives_space_to_the_next_and_focuses_it():
    layout = make((1, H, 2), (2, H, 3))
    assert layout.remove(1) == 2
    assert layout.describe() == "h[2,3]"
    assert layout.geometry(80, 24)[2].x == 0


def test_remove_focuses_the_pane_of_the_sibling_next_to_the_closed_one():
    layout = make((1, V, 2), (1, H, 3))  # v[h[1,3],2]
    assert layout.describe() == "v[h[1,3],2]"
    assert layout.remove(2) == 3  # the previous sibling's last pane: the one along the closed pane's edge
    layout = make((1, V, 2), (2, H, 3))  # v[1,h[2,3]]
    assert layout.remove(1) == 2  # the next sibling's first pane


def test_remove_collapses_a_split_left_with_one_child():
    layout = make((1, H, 2), (2, V, 3))
    assert layout.remove(3) == 2
    assert layout.describe() == "h[1,2]"
    assert layout.geometry(80, 24) == {1: Rect(0, 0, 40, 24), 2: Rect(41, 0, 39, 24)}
    layout.check()


def test_collapse_merges_into_a_parent_of_the_same_direction():
    layout = make((1, H, 2), (2, V, 3), (3, H, 4))  # h[1,v[2,h[3,4]]]
    widths = {p: r.width for p, r in layout.geometry(80, 24).items()}
    assert layout.remove(2) == 3
    assert layout.describe() == "h[1,3,4]"
    layout.check()
    after = layout.geometry(80, 24)
    assert after[1].width == widths[1]
    assert abs(after[3].width - widths[3]) <= 1 and abs(after[4].width - widths[4]) <= 1


def test_remove_last_pane_empties_the_layout():
    layout = make((1, H, 2))
    assert layout.remove(2) == 1
    assert layout.remove(1) is None
    assert len(layout) == 0 and layout.panes() == [] and layout.describe() == ""
    assert layout.geometry(80, 24) == {} and layout.separators(80, 24) == []
    layout.check()
    with pytest.raises(LayoutError):
        layout.remove(1)


# --- geometry ------------------------------------------------------------------------------------------------


def test_rounding_remainder_goes_to_the_largest_fraction_then_the_earlier_child():
    layout = Layout(1)
    layout.split(1, H, 2)
    layout.split(2, H, 3)
    layout.split(1, H, 4)  # weights 1/2 each: four equal shares
    for width in range(7, 40):
        g = layout.geometry(width, 1)
        widths = [g[p].width for p in layout.panes()]
        content = width - 3
        assert sum(widths) == content and max(widths) - min(widths) <= 1
        assert widths == sorted(widths, reverse=True), widths  # leftovers go to the earlier children
        assert_tiles(layout, width, 1)


def test_every_pane_gets_a_cell_at_min_size():
    layout = make((1, H, 2), (2, V, 3), (3, H, 4), (1, V, 5), size=(200, 100))
    width, height = layout.min_size()
    assert (width, height) == (5, 3)
    g = layout.geometry(width, height)
    assert set(g) == set(layout.panes()) and all(r.width >= 1 and r.height >= 1 for r in g.values())
    assert_tiles(layout, width, height)


def test_too_small_window_hides_trailing_panes_and_still_tiles():
    layout = make((1, H, 2), (2, H, 3))
    g = layout.geometry(3, 1)
    assert g == {1: Rect(0, 0, 1, 1), 2: Rect(2, 0, 1, 1)}  # 3 does not fit; 2 takes the rest
    assert [(s.before, s.after) for s in layout.separators(3, 1)] == [((1,), (2,))]
    assert layout.geometry(1, 1) == {1: Rect(0, 0, 1, 1)}
    for width in range(1, 8):
        for height in range(1, 4):
            assert_tiles(layout, width, height)
    assert layout.geometry(0, 5) == {} and layout.separators(5, 0) == []
    with pytest.raises(ValueError):
        layout.geometry(-1, 5)


def test_window_resize_scales_panes_proportionally():
    layout = make((1, H, 2), size=(81, 24))
    [sep] = layout.separators(81, 24)
    assert layout.drag(sep, 20, 81, 24) == 20
    assert layout.geometry(81, 24)[1].width == 20
    assert layout.geometry(161, 24)[1].width == 40  # 20/80 of 160 content columns
    assert layout.geometry(41, 24)[1].width == 10
    assert layout.geometry(81, 24)[1].width == 20  # and back: weights were not touched


# --- separators ----------------------------------------------------------------------------------------------


def test_separators_name_the_groups_they_separate():
    layout = make((1, H, 2), (2, V, 3), (3, H, 4))
    seps = layout.separators(80, 24)
    assert [(s.orientation, s.before, s.after, s.path, s.index) for s in seps] == [
        (VERTICAL, (1,), (2, 3, 4), (), 0),
        (HORIZONTAL, (2,), (3, 4), (1,), 0),
        (VERTICAL, (3,), (4,), (1, 1), 0),
    ]
    outer = seps[0]
    assert outer.length == 24 and seps[1].length == 39 and seps[2].length == 11
    assert all(s.contains(*cell) for s in seps for cell in s.cells())


# --- neighbour -----------------------------------------------------------------------------------------------


def test_neighbour_picks_the_adjacent_pane_on_the_centre_line():
    layout = make((1, H, 2), (2, V, 3))  # 1 | 2 over 3
    assert layout.neighbour(1, RIGHT, 80, 24) == 2  # 1's centre row 11 is in 2 (rows 0-11)
    assert layout.neighbour(2, LEFT, 80, 24) == 1 and layout.neighbour(3, LEFT, 80, 24) == 1
    assert layout.neighbour(2, DOWN, 80, 24) == 3 and layout.neighbour(3, UP, 80, 24) == 2
    assert layout.neighbour(1, LEFT, 80, 24) is None and layout.neighbour(3, DOWN, 80, 24) is None
    assert layout.neighbour(2, RIGHT, 80, 24) is None and layout.neighbour(1, UP, 80, 24) is None
    inner = layout.separators(80, 24)[1]
    assert layout.drag(inner, 3, 80, 24) == 3  # now 2 is rows 0-2 and 3 rows 4-23
    assert layout.neighbour(1, RIGHT, 80, 24) == 3  # 1's centre row 11 is in 3
    with pytest.raises(ValueError):
        layout.neighbour(1, "north", 80, 24)
    with pytest.raises(LayoutError):
        layout.neighbour(7, LEFT, 80, 24)


def test_neighbour_falls_back_to_most_overlap_then_top_most():
    # 1 is 3 rows high; right of it 2 (row 0) and 3 (row 2) with a separator on its centre row 1
    layout = Layout(1)
    layout.geometry(5, 3)
    layout.split(1, H, 2)
    layout.split(2, V, 3)
    g = layout.geometry(5, 3)
    assert g[2] == Rect(3, 0, 2, 1) and g[3] == Rect(3, 2, 2, 1)
    assert layout.neighbour(1, RIGHT, 5, 3) == 2  # equal overlap: the top-most
    layout.geometry(5, 4)
    assert layout.neighbour(1, RIGHT, 5, 4) == 2  # centre row (4 - 1) // 2 = 1 is in 2 (rows 0-1)


def test_neighbour_of_a_hidden_pane_is_none():
    layout = make((1, H, 2), (2, H, 3))
    assert layout.neighbour(3, LEFT, 3, 1) is None
    assert layout.neighbour(2, RIGHT, 3, 1) is None


# --- resize --------------------------------------------------------------------------------------------------


def test_resize_moves_the_separator_toward_the_direction():
    layout = make((1, H, 2))
    assert layout.resize(1, RIGHT, 5, 80, 24) == 5
    assert layout.geometry(80, 24) == {1: Rect(0, 0, 45, 24), 2: Rect(46, 0, 34, 24)}
    assert layout.resize(2, LEFT, 10, 80, 24) == 10
    assert layout.geometry(80, 24)[2] == Rect(36, 0, 44, 24)
    assert layout.resize(1, LEFT, 5, 80, 24) == 0  # no separator left of 1: a no-op (tmux would shrink it)
    assert layout.resize(1, UP, 5, 80, 24) == 0  # no vertical split at all
    assert layout.geometry(80, 24)[2] == Rect(36, 0, 44, 24)


def test_resize_is_clamped_and_cascades_nearest_first():
    layout = make((1, H, 2), (2, H, 3))  # 40 | 19 | 19
    assert layout.resize(1, RIGHT, 30, 80, 24) == 30
    assert [r.width for r in layout.geometry(80, 24).values()] == [70, 1, 7]
    assert layout.resize(1, RIGHT, 30, 80, 24) == 6  # 3 can only give 6 more
    assert [r.width for r in layout.geometry(80, 24).values()] == [76, 1, 1]
    assert layout.resize(3, LEFT, 100, 80, 24) == 75
    assert [r.width for r in layout.geometry(80, 24).values()] == [1, 1, 76]


def test_resize_uses_the_nearest_ancestor_split_of_that_orientation():
    layout = make((1, H, 2), (2, V, 3))  # h[1,v[2,3]]
    before = layout.geometry(80, 24)
    assert layout.resize(3, LEFT, 4, 80, 24) == 4  # moves the outer separator: 2 and 3 both grow
    after = layout.geometry(80, 24)
    assert after[2].width == after[3].width == before[3].width + 4 and after[1].width == before[1].width - 4
    assert layout.resize(3, UP, 2, 80, 24) == 2
    assert layout.geometry(80, 24)[3].height == before[3].height + 2


def test_resize_grows_exactly_the_pane_inside_a_nested_same_direction_split():
    layout = make((1, H, 4), (1, V, 3), (1, H, 2))  # h[v[h[1,2],3],4]: 2 sits against the outer separator
    assert layout.describe() == "h[v[h[1,2],3],4]"
    before = layout.geometry(80, 24)
    assert layout.resize(2, RIGHT, 6, 80, 24) == 6
    after = layout.geometry(80, 24)
    assert after[2].width == before[2].width + 6 and after[1] == before[1]
    assert after[4].width == before[4].width - 6


def test_resize_refuses_bad_arguments():
    layout = make((1, H, 2))
    with pytest.raises(ValueError):
        layout.resize(1, RIGHT, -1, 80, 24)
    with pytest.raises(ValueError):
        layout.resize(1, "forward", 1, 80, 24)
    with pytest.raises(LayoutError):
        layout.resize(3, RIGHT, 1, 80, 24)


# --- drag ----------------------------------------------------------------------------------------------------


def test_drag_moves_a_separator_and_clamps():
    layout = make((1, V, 2), (2, H, 3))  # v[1,h[2,3]]
    outer, inner = layout.separators(80, 24)
    assert layout.drag(outer, 5, 80, 24) == 5
    assert layout.geometry(80, 24)[1].height == 5
    assert layout.drag(outer, -10, 80, 24) == 1  # 1 keeps one row
    assert layout.drag(outer, 100, 80, 24) == 22  # the panes below keep one row
    assert layout.drag(inner, 10, 80, 24) == 10
    g = layout.geometry(80, 24)
    assert g[2].width == 10 and g[3].x == 11
    assert_tiles(layout, 80, 24)


def test_drag_of_a_stale_separator_raises():
    layout = make((1, H, 2))
    [sep] = layout.separators(80, 24)
    layout.split(2, H, 3)  # the separator between 1 and 2 is still there: still valid
    assert layout.drag(sep, 30, 80, 24) == 30
    layout.split(1, V, 4)  # now it separates (1, 4) from (2,): another separator
    with pytest.raises(LayoutError, match="stale"):
        layout.drag(sep, 10, 80, 24)
    with pytest.raises(LayoutError, match="stale"):
        layout.drag(dataclasses.replace(sep, path=(5,)), 10, 80, 24)


def test_drag_of_a_hidden_separator_is_a_no_op():
    layout = make((1, H, 2), (2, H, 3))
    seps = layout.separators(80, 24)
    before = layout.describe(weights=True)
    assert layout.drag(seps[1], 5, 3, 1) is None
    assert layout.describe(weights=True) == before


# --- zoom ----------------------------------------------------------------------------------------------------


def test_zoom_shows_one_pane_and_toggles_back():
    layout = make((1, H, 2), (2, V, 3))
    tiled = layout.geometry(80, 24)
    assert layout.toggle_zoom(3) == 3 and layout.zoomed == 3
    assert layout.geometry(80, 24) == {3: Rect(0, 0, 80, 24)}
    assert layout.separators(80, 24) == []
    assert_tiles(layout, 80, 24)
    assert layout.toggle_zoom(2) == 2  # zooming another pane switches
    assert layout.toggle_zoom(2) is None and layout.zoomed is None
    assert layout.geometry(80, 24) == tiled


def test_split_remove_resize_and_drag_unzoom():
    layout = make((1, H, 2))
    layout.toggle_zoom(1)
    layout.split(1, V, 3)
    assert layout.zoomed is None
    layout.toggle_zoom(1)
    layout.remove(2)
    assert layout.zoomed is None
    layout.toggle_zoom(1)
    layout.resize(1, DOWN, 1, 80, 24)
    assert layout.zoomed is None
    sep = layout.separators(80, 24)[0]
    layout.toggle_zoom(3)
    layout.drag(sep, 3, 80, 24)
    assert layout.zoomed is None
    layout.toggle_zoom(3)
    assert layout.unzoom() and not layout.unzoom()


def test_a_lone_pane_cannot_be_zoomed():
    layout = Layout(1)
    assert layout.toggle_zoom(1) is None and layout.zoomed is None
    with pytest.raises(LayoutError):
        layout.toggle_zoom(2)


def test_removing_the_zoomed_pane_unzooms():
    layout = make((1, H, 2))
    layout.toggle_zoom(2)
    assert layout.remove(2) == 1 and layout.zoomed is None
    assert layout.geometry(80, 24) == {1: Rect(0, 0, 80, 24)}


# --- the state machine ---------------------------------------------------------------------------------------


def extent(r: Rect, direction: str) -> int:
    return r.width if direction == H else r.height


class LayoutMachine(RuleBasedStateMachine):
    """Random operations on one layout; the invariants check the geometry at the current window size."""

    @initialize(width=widths, height=heights,
                splits=st.lists(st.tuples(st.integers(0, 99), st.sampled_from([H, V])), max_size=8))
    def start(self, width, height, splits):
        self.layout = Layout(0)
        self.next_pane = 1
        self.layout.geometry(160, 80)  # start from a few panes, split in a roomy window
        for i, direction in splits:
            try:
                self.layout.split(self.pick(i), direction, self.next_pane)
                self.next_pane += 1
            except LayoutError:
                pass
        self.size = (width, height)
        self.layout.geometry(width, height)

    def tiled(self) -> dict:
        """The unzoomed geometry at the current size (the layout's zoom is left as it was)."""
        zoomed = self.layout.zoomed
        self.layout.unzoom()
        rects = self.layout.geometry(*self.size)
        if zoomed is not None:
            self.layout.toggle_zoom(zoomed)
        return rects

    def pick(self, i: int):
        panes = self.layout.panes()
        return panes[i % len(panes)]

    @rule(i=st.integers(0, 99), direction=st.sampled_from([H, V]), before=st.booleans())
    def split(self, i, direction, before):
        layout = self.layout
        pane, new = self.pick(i), self.next_pane
        rects = self.tiled()
        shape, zoomed = layout.describe(weights=True), layout.zoomed
        room = extent(rects[pane], direction) if pane in rects else 0
        try:
            layout.split(pane, direction, new, before=before)
        except LayoutError:
            assert room < 3, f"refused to split {pane} with {room} cells {direction}"
            assert layout.describe(weights=True) == shape and layout.zoomed == zoomed
            return
        assert room >= 3
        self.next_pane += 1
        assert layout.zoomed is None
        after = layout.geometry(*self.size)
        for p, r in rects.items():  # nobody else moves
            if p != pane:
                assert after[p] == r, (p, r, after[p])
        old, fresh = after[pane], after[new]
        assert extent(fresh, direction) == (room - 1) // 2
        assert extent(old, direction) == room - 1 - extent(fresh, direction)
        assert adjacent(fresh, old, RIGHT if direction == H else DOWN) if before else \
            adjacent(old, fresh, RIGHT if direction == H else DOWN)

    @rule(i=st.integers(0, 99))
    def remove(self, i):
        layout = self.layout
        if len(layout) == 1:
            return
        pane = self.pick(i)
        rects = self.tiled()
        focus = layout.remove(pane)
        assert focus in layout and pane not in layout and layout.zoomed is None
        if pane in rects and focus in rects:
            assert any(adjacent(rects[pane], rects[focus], d) for d in MOVES), (pane, focus, rects)

    @rule(i=st.integers(0, 99), direction=st.sampled_from(MOVES), cells=st.integers(0, 40))
    def resize(self, i, direction, cells):
        layout = self.layout
        pane = self.pick(i)
        before = self.tiled()
        moved = layout.resize(pane, direction, cells, *self.size)
        assert layout.zoomed is None
        after = layout.geometry(*self.size)
        assert 0 <= moved <= cells
        if moved == 0:
            assert after == before
            return
        if pane not in before or pane not in after:
            return  # a hidden pane (window too small) still moves its ancestor's separator, but has no rect
        old, new = before[pane], after[pane]
        if direction == RIGHT:
            assert (new.x, new.right) == (old.x, old.right + moved)
        elif direction == LEFT:
            assert (new.x, new.right) == (old.x - moved, old.right)
        elif direction == DOWN:
            assert (new.y, new.bottom) == (old.y, old.bottom + moved)
        else:
            assert (new.y, new.bottom) == (old.y - moved, old.bottom)

    @rule(i=st.integers(0, 99), to=st.integers(-5, 110))
    def drag(self, i, to):
        layout = self.layout
        layout.unzoom()
        seps = layout.separators(*self.size)
        if not seps:
            return
        sep = seps[i % len(seps)]
        got = layout.drag(sep, to, *self.size)
        assert got is not None
        lo, hi = sorted((sep.position, to))
        assert lo <= got <= hi, (sep.position, to, got)
        [moved] = [s for s in layout.separators(*self.size) if (s.path, s.index) == (sep.path, sep.index)]
        assert moved.position == got

    @rule(i=st.integers(0, 99))
    def zoom(self, i):
        pane = self.pick(i)
        was = self.layout.zoomed
        now = self.layout.toggle_zoom(pane)
        if was == pane or len(self.layout) == 1:
            assert now is None
        else:
            assert now == pane

    @rule(width=widths, height=heights)
    def window(self, width, height):
        layout = self.layout
        old_size, old = self.size, self.tiled()
        shape = layout.describe(weights=True)
        self.size = (width, height)
        new = self.tiled()
        assert layout.describe(weights=True) == shape  # geometry never changes weights
        n = len(layout)
        big = 4 * n + 1
        if min(old_size) >= big and min(width, height) >= big:
            assert list(new) == list(old) == layout.panes()
            (w1, h1), (w2, h2) = old_size, self.size
            event("proportions checked")
            # an edge may drift by the separators before it (they do not scale) plus a rounding cell per level
            # at each size: at most about 2n + 2 cells at the smaller size (observed: under 2)
            tol = (2 * n + 2) / min(w1, w2), (2 * n + 2) / min(h1, h2)
            for p in old:
                a, b = old[p], new[p]
                for e1, e2, total1, total2, t in ((a.x, b.x, w1, w2, tol[0]), (a.right, b.right, w1, w2, tol[0]),
                                                  (a.y, b.y, h1, h2, tol[1]), (a.bottom, b.bottom, h1, h2, tol[1])):
                    assert abs(e1 / total1 - e2 / total2) <= t, (p, a, b, old_size, self.size, shape)

    @invariant()
    def structure(self):
        self.layout.check()
        n = len(self.layout)
        width, height = self.layout.min_size()
        assert 1 <= width <= 2 * n - 1 and 1 <= height <= 2 * n - 1

    @invariant()
    def tiles_the_window(self):
        assert_tiles(self.layout, *self.size)
        if self.layout.zoomed is not None:
            assert self.layout.geometry(*self.size) == {self.layout.zoomed: Rect(0, 0, *self.size)}

    @invariant()
    def every_pane_shown_when_the_window_is_big_enough(self):
        rects = self.tiled()
        width, height = self.size
        min_w, min_h = self.layout.min_size()
        if width >= min_w and height >= min_h:
            assert list(rects) == self.layout.panes()
        n = len(self.layout)
        if width >= 2 * n + 1 and height >= 2 * n + 1:
            assert list(rects) == self.layout.panes()

    @invariant()
    def neighbours_are_adjacent(self):
        rects = self.tiled()
        for pane, r in rects.items():
            for direction in MOVES:
                got = self.layout.neighbour(pane, direction, *self.size)
                candidates = [p for p, o in rects.items() if p != pane and adjacent(r, o, direction)]
                if got is None:
                    assert not candidates, (pane, direction, candidates)
                    continue
                assert got in candidates, (pane, direction, got, candidates)
                if direction in (LEFT, RIGHT):
                    centre = r.y + (r.height - 1) // 2
                    on_centre = [p for p in candidates if rects[p].y <= centre < rects[p].bottom]
                else:
                    centre = r.x + (r.width - 1) // 2
                    on_centre = [p for p in candidates if rects[p].x <= centre < rects[p].right]
                assert not on_centre or got in on_centre


LayoutMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestLayoutMachine = LayoutMachine.TestCase


# --- presets (select-layout / next-layout), swap ------------------------------------------------------------

# tmux 3.3a's own answer, recorded with `select-layout PRESET; list-panes -F '#{pane_left},#{pane_top},
# #{pane_width},#{pane_height}'` in a window of that size with 2..7 panes (2..4 at 9x7: tmux has no room for more).
TMUX_SHAPES = """
81x25 even-horizontal 0,0,40,25 41,0,40,25
81x25 even-vertical 0,0,81,12 0,13,81,12
81x25 main-horizontal 0,0,81,23 0,24,81,1
81x25 main-vertical 0,0,79,25 80,0,1,25
81x25 tiled 0,0,81,12 0,13,81,12
81x25 even-horizontal 0,0,26,25 27,0,26,25 54,0,27,25
81x25 even-vertical 0,0,81,7 0,8,81,7 0,16,81,9
81x25 main-horizontal 0,0,81,23 0,24,40,1 41,24,40,1
81x25 main-vertical 0,0,79,25 80,0,1,12 80,13,1,12
81x25 tiled 0,0,40,12 41,0,40,12 0,13,81,12
81x25 even-horizontal 0,0,19,25 20,0,19,25 40,0,19,25 60,0,21,25
81x25 even-vertical 0,0,81,5 0,6,81,5 0,12,81,5 0,18,81,7
81x25 main-horizontal 0,0,81,23 0,24,26,1 27,24,26,1 54,24,27,1
81x25 main-vertical 0,0,79,25 80,0,1,7 80,8,1,7 80,16,1,9
81x25 tiled 0,0,40,12 41,0,40,12 0,13,40,12 41,13,40,12
81x25 even-horizontal 0,0,15,25 16,0,15,25 32,0,15,25 48,0,15,25 64,0,17,25
81x25 even-vertical 0,0,81,4 0,5,81,4 0,10,81,4 0,15,81,4 0,20,81,5
81x25 main-horizontal 0,0,81,23 0,24,19,1 20,24,19,1 40,24,19,1 60,24,21,1
81x25 main-vertical 0,0,79,25 80,0,1,5 80,6,1,5 80,12,1,5 80,18,1,7
81x25 tiled 0,0,40,7 41,0,40,7 0,8,40,7 41,8,40,7 0,16,81,9
81x25 even-horizontal 0,0,12,25 13,0,12,25 26,0,12,25 39,0,12,25 52,0,12,25 65,0,16,25
81x25 even-vertical 0,0,81,3 0,4,81,3 0,8,81,3 0,12,81,3 0,16,81,3 0,20,81,5
81x25 main-horizontal 0,0,81,23 0,24,15,1 16,24,15,1 32,24,15,1 48,24,15,1 64,24,17,1
81x25 main-vertical 0,0,79,25 80,0,1,4 80,5,1,4 80,10,1,4 80,15,1,4 80,20,1,5
81x25 tiled 0,0,40,7 41,0,40,7 0,8,40,7 41,8,40,7 0,16,40,9 41,16,40,9
81x25 even-horizontal 0,0,10,25 11,0,10,25 22,0,10,25 33,0,10,25 44,0,10,25 55,0,10,25 66,0,15,25
81x25 even-vertical 0,0,81,2 0,3,81,2 0,6,81,2 0,9,81,2 0,12,81,2 0,15,81,2 0,18,81,7
81x25 main-horizontal 0,0,81,23 0,24,12,1 13,24,12,1 26,24,12,1 39,24,12,1 52,24,12,1 65,24,16,1
81x25 main-vertical 0,0,79,25 80,0,1,3 80,4,1,3 80,8,1,3 80,12,1,3 80,16,1,3 80,20,1,5
81x25 tiled 0,0,26,7 27,0,26,7 54,0,27,7 0,8,26,7 27,8,26,7 54,8,27,7 0,16,81,9
200x60 even-horizontal 0,0,99,60 100,0,100,60
200x60 even-vertical 0,0,200,29 0,30,200,30
200x60 main-horizontal 0,0,200,24 0,25,200,35
200x60 main-vertical 0,0,80,60 81,0,119,60
200x60 tiled 0,0,200,29 0,30,200,30
200x60 even-horizontal 0,0,66,60 67,0,66,60 134,0,66,60
200x60 even-vertical 0,0,200,19 0,20,200,19 0,40,200,20
200x60 main-horizontal 0,0,200,24 0,25,99,35 100,25,100,35
200x60 main-vertical 0,0,80,60 81,0,119,29 81,30,119,30
200x60 tiled 0,0,99,29 100,0,100,29 0,30,200,30
200x60 even-horizontal 0,0,49,60 50,0,49,60 100,0,49,60 150,0,50,60
200x60 even-vertical 0,0,200,14 0,15,200,14 0,30,200,14 0,45,200,15
200x60 main-horizontal 0,0,200,24 0,25,66,35 67,25,66,35 134,25,66,35
200x60 main-vertical 0,0,80,60 81,0,119,19 81,20,119,19 81,40,119,20
200x60 tiled 0,0,99,29 100,0,100,29 0,30,99,30 100,30,100,30
200x60 even-horizontal 0,0,39,60 40,0,39,60 80,0,39,60 120,0,39,60 160,0,40,60
200x60 even-vertical 0,0,200,11 0,12,200,11 0,24,200,11 0,36,200,11 0,48,200,12
200x60 main-horizontal 0,0,200,24 0,25,49,35 50,25,49,35 100,25,49,35 150,25,50,35
200x60 main-vertical 0,0,80,60 81,0,119,14 81,15,119,14 81,30,119,14 81,45,119,15
200x60 tiled 0,0,99,19 100,0,100,19 0,20,99,19 100,20,100,19 0,40,200,20
200x60 even-horizontal 0,0,32,60 33,0,32,60 66,0,32,60 99,0,32,60 132,0,32,60 165,0,35,60
200x60 even-vertical 0,0,200,9 0,10,200,9 0,20,200,9 0,30,200,9 0,40,200,9 0,50,200,10
200x60 main-horizontal 0,0,200,24 0,25,39,35 40,25,39,35 80,25,39,35 120,25,39,35 160,25,40,35
200x60 main-vertical 0,0,80,60 81,0,119,11 81,12,119,11 81,24,119,11 81,36,119,11 81,48,119,12
200x60 tiled 0,0,99,19 100,0,100,19 0,20,99,19 100,20,100,19 0,40,99,20 100,40,100,20
200x60 even-horizontal 0,0,27,60 28,0,27,60 56,0,27,60 84,0,27,60 112,0,27,60 140,0,27,60 168,0,32,60
200x60 even-vertical 0,0,200,7 0,8,200,7 0,16,200,7 0,24,200,7 0,32,200,7 0,40,200,7 0,48,200,12
200x60 main-horizontal 0,0,200,24 0,25,32,35 33,25,32,35 66,25,32,35 99,25,32,35 132,25,32,35 165,25,35,35
200x60 main-vertical 0,0,80,60 81,0,119,9 81,10,119,9 81,20,119,9 81,30,119,9 81,40,119,9 81,50,119,10
200x60 tiled 0,0,66,19 67,0,66,19 134,0,66,19 0,20,66,19 67,20,66,19 134,20,66,19 0,40,200,20
9x7 even-horizontal 0,0,4,7 5,0,4,7
9x7 even-vertical 0,0,9,3 0,4,9,3
9x7 main-horizontal 0,0,9,5 0,6,9,1
9x7 main-vertical 0,0,7,7 8,0,1,7
9x7 tiled 0,0,9,3 0,4,9,3
9x7 even-horizontal 0,0,2,7 3,0,2,7 6,0,3,7
9x7 even-vertical 0,0,9,1 0,2,9,1 0,4,9,3
9x7 main-horizontal 0,0,9,5 0,6,4,1 5,6,4,1
9x7 main-vertical 0,0,7,7 8,0,1,3 8,4,1,3
9x7 tiled 0,0,4,3 5,0,4,3 0,4,9,3
9x7 even-horizontal 0,0,1,7 2,0,1,7 4,0,1,7 6,0,3,7
9x7 even-vertical 0,0,9,1 0,2,9,1 0,4,9,1 0,6,9,1
9x7 main-horizontal 0,0,9,5 0,6,2,1 3,6,2,1 6,6,3,1
9x7 main-vertical 0,0,7,7 8,0,1,1 8,2,1,1 8,4,1,3
9x7 tiled 0,0,4,3 5,0,4,3 0,4,4,3 5,4,4,3
"""


def tangled(count: int, size=(81, 25)) -> Layout:
    """`count` panes 1..count in a nested tree that is none of the presets."""
    layout = Layout(1)
    layout.geometry(*size)
    for new in range(2, count + 1):
        layout.split(new - 1 if new % 3 else 1, H if new % 2 else V, new)
    return layout


def rects(layout: Layout, width: int, height: int) -> list[tuple[int, int, int, int]]:
    return [(r.x, r.y, r.width, r.height) for r in layout.geometry(width, height).values()]


@pytest.mark.parametrize("line", TMUX_SHAPES.strip().splitlines())
def test_presets_give_tmux_shapes(line):
    size, preset, *expected = line.split()
    width, height = map(int, size.split("x"))
    layout = tangled(len(expected), (width, height))
    order = layout.panes()
    layout.arrange(preset, width, height)
    layout.check()
    assert layout.panes() == order                       # pane order (and so every pane's number) is kept
    assert layout.preset == preset
    assert rects(layout, width, height) == [tuple(map(int, r.split(","))) for r in expected]
    assert_tiles(layout, width, height)


@pytest.mark.parametrize("preset", LAYOUTS)
@pytest.mark.parametrize("count", range(1, 8))
@pytest.mark.parametrize("size", [(81, 25), (80, 24), (7, 5), (3, 3), (1, 1), (2, 40), (150, 2), (33, 17)])
def test_presets_tile_any_window(preset, count, size):
    width, height = size
    layout = tangled(count, (81, 25))
    layout.arrange(preset, width, height)
    layout.check()
    assert_tiles(layout, width, height)
    shown = layout.geometry(width, height)
    assert layout.panes()[0] in shown                     # a window too small still shows the first pane
    if width >= layout.min_size()[0] and height >= layout.min_size()[1]:
        assert len(shown) == count


def test_a_preset_scales_with_the_window():
    layout = tangled(4)
    layout.arrange("tiled", 81, 25)
    for width, height in ((200, 60), (20, 9), (81, 25)):
        layout.check()
        assert_tiles(layout, width, height)
    assert rects(layout, 81, 25) == [(0, 0, 40, 12), (41, 0, 40, 12), (0, 13, 40, 12), (41, 13, 40, 12)]


def test_main_pane_keeps_its_tmux_size_in_a_big_window():
    layout = tangled(3, (300, 100))
    layout.arrange("main-vertical", 300, 100)
    assert layout.geometry(300, 100)[1].width == MAIN_PANE_WIDTH
    layout.arrange("main-horizontal", 300, 100)
    assert layout.geometry(300, 100)[1].height == MAIN_PANE_HEIGHT


def test_main_pane_shrinks_so_the_others_keep_a_line():
    layout = tangled(3)
    layout.arrange("main-horizontal", 80, 10)
    geometry = layout.geometry(80, 10)
    assert geometry[1].height == 8 and geometry[2].height == geometry[3].height == 1


def test_tiled_grid_is_tmux_rows_then_columns():
    """tmux adds a row, then a column: 2 panes are stacked, 5 are 2 columns by 3 rows, 7 are 3 by 3."""
    for count, expected in ((2, "v[1,2]"), (3, "v[h[1,2],3]"), (5, "v[h[1,2],h[3,4],5]"),
                            (7, "v[h[1,2,3],h[4,5,6],7]")):
        layout = Layout(1)
        for new in range(2, count + 1):
            layout.split(new - 1, H, new)
        layout.arrange("tiled", 81, 25)
        assert layout.describe() == expected


def test_arrange_unzooms_and_refuses_an_unknown_preset():
    layout = tangled(3)
    layout.toggle_zoom(2)
    layout.arrange("even-vertical", 81, 25)
    assert layout.zoomed is None and len(layout.separators(81, 25)) == 2
    before = layout.describe(weights=True)
    with pytest.raises(ValueError, match="unknown layout"):
        layout.arrange("diagonal", 81, 25)
    assert layout.describe(weights=True) == before and layout.preset == "even-vertical"


def test_splits_after_a_preset_still_work():
    layout = tangled(4)
    layout.arrange("tiled", 81, 25)
    layout.split(4, V, 5)
    layout.remove(1)
    layout.check()
    assert_tiles(layout, 81, 25)
    assert layout.preset == "tiled"                      # tmux's next-layout continues from it


def test_swap_exchanges_places_and_keeps_the_tree():
    layout = make((1, H, 2), (2, V, 3))
    places = layout.geometry(80, 24)
    layout.toggle_zoom(1)
    layout.swap(1, 3)
    layout.check()
    assert layout.panes() == [3, 2, 1] and layout.describe() == "h[3,v[2,1]]"
    assert layout.zoomed is None
    geometry = layout.geometry(80, 24)
    assert geometry[3] == places[1] and geometry[1] == places[3] and geometry[2] == places[2]
    layout.swap(2, 2)
    assert layout.panes() == [3, 2, 1]
    with pytest.raises(LayoutError):
        layout.swap(2, 9)
