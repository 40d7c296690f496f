"""Tests of copy mode (mux/session/copy_mode.py) on a headless Terminal, and of mux/terminal/rows.row_cells: entering
and leaving, cursor moves and paging, selection across soft-wrapped and hard lines, search with wrap-around,
decorations, the wheel and mouse drags, the viewport pin under new output and pruning, and a Hypothesis run of
random key sequences."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mux.session.copy_mode import SEARCH_CHUNK, CopyAction, CopyMode, Match
from mux.terminal.page import CELL_WIDE
from mux.terminal.rows import row_cells
from mux.terminal.stream import Stream
from mux.terminal.terminal import Terminal

COLS, ROWS = 20, 5


def make(lines: int = 30, cols: int = COLS, rows: int = ROWS, **kwargs) -> tuple[Terminal, Stream, CopyMode]:
    screen = Terminal(cols, rows, **kwargs)
    stream = Stream(screen)
    stream.feed(b"".join(b"line %d\r\n" % i for i in range(lines)))
    return screen, stream, CopyMode(screen)


def text_at(screen: Terminal, row: int) -> str:
    screen.line(0)
    page, r = screen.pagelist.row_locations(row, 1)[0]
    return page.row_text(r).rstrip()


def visible_texts(copy: CopyMode, height: int = ROWS) -> list[str | None]:
    return [None if loc is None else loc[0].row_text(loc[1]).rstrip() for loc in copy.visible_rows(height)]


# ---------------------------------------------------------------------- entering and leaving


def test_inactive_until_entered():
    screen, _, copy = make()
    assert not copy.active
    assert copy.status == ""
    assert copy.key("k", ROWS) == CopyAction("none")
    assert copy.row_spans(0, COLS) == []
    assert screen.pagelist.viewport is None


def test_enter_puts_cursor_on_the_terminal_cursor_at_the_bottom():
    screen, _, copy = make()
    pl = screen.pagelist
    copy.enter()
    assert copy.active
    assert copy.status == "[scrollback]"
    assert (copy.copy_row, copy.copy_col) == (pl.history_rows() + screen.y, screen.x)
    assert copy.copy_row == pl.total_rows - 1       # the cursor sits on the last row after the final newline
    assert copy.viewport_top() == pl.history_rows()
    assert pl.viewport is not None                  # anchored by a pin
    assert visible_texts(copy) == ["line 26", "line 27", "line 28", "line 29", ""]
    before = (copy.copy_row, pl.viewport)
    copy.enter()                                    # a second enter changes nothing
    assert (copy.copy_row, pl.viewport) == before


def test_leave_restores_the_active_area():
    screen, _, copy = make()
    pl = screen.pagelist
    copy.enter()
    copy.key("g", ROWS)
    copy.key("v", ROWS)
    copy.search("line", False, ROWS)
    assert copy.viewport_top() == 0
    assert copy.key("q", ROWS) == CopyAction("leave")
    assert not copy.active
    assert pl.viewport is None
    assert (copy.select_from, copy.matches, copy.current_match, copy.status) == (None, [], None, "")
    assert copy.viewport_top() == pl.history_rows()
    assert copy.visible_rows(ROWS) == [screen.line(y) for y in range(ROWS)]
    copy.enter()
    assert copy.key("escape", ROWS) == CopyAction("leave")
    assert not copy.active and pl.viewport is None


def test_visible_rows_pads_past_the_end_and_flushes_pending_writes():
    screen, stream, copy = make(lines=0)
    stream.feed(b"pending")
    copy.enter()
    rows = copy.visible_rows(ROWS + 2)
    assert len(rows) == ROWS + 2
    assert rows[ROWS:] == [None, None]
    assert rows[0][0].row_text(rows[0][1]).rstrip() == "pending"


# ---------------------------------------------------------------------- moves


def test_cursor_moves_clamp_to_the_history_and_the_columns():
    screen, _, copy = make()
    pl = screen.pagelist
    copy.enter()
    bottom = copy.copy_row
    copy.key("j", ROWS)
    copy.key("down", ROWS)
    assert copy.copy_row == bottom                  # already on the last row
    copy.key("k", ROWS)
    copy.key("up", ROWS)
    assert copy.copy_row == bottom - 2
    copy.key("h", ROWS)
    assert copy.copy_col == 0
    for key in ("l", "right", "l"):
        copy.key(key, ROWS)
    assert copy.copy_col == 3
    copy.key("left", ROWS)
    assert copy.copy_col == 2
    copy.key("dollar_sign", ROWS)
    assert copy.copy_col == COLS - 1
    copy.key("0", ROWS)
    assert copy.copy_col == 0
    copy.key("$", ROWS)
    assert copy.copy_col == COLS - 1
    assert copy.viewport_top() == pl.history_rows()


def test_paging_scrolls_just_enough_to_keep_the_cursor_visible():
    screen, _, copy = make()
    pl = screen.pagelist
    copy.enter()
    bottom = copy.copy_row
    copy.key("pageup", ROWS)
    assert copy.copy_row == bottom - ROWS
    assert copy.viewport_top() == copy.copy_row     # the cursor is the new top row
    copy.key("ctrl+b", ROWS)
    assert copy.copy_row == bottom - 2 * ROWS
    copy.key("ctrl+d", ROWS)
    assert copy.copy_row == bottom - 2 * ROWS + ROWS // 2
    copy.key("ctrl+u", ROWS)
    assert copy.copy_row == bottom - 2 * ROWS
    top = copy.viewport_top()
    copy.key("pagedown", ROWS)
    copy.key("ctrl+f", ROWS)
    assert copy.copy_row == bottom
    assert copy.viewport_top() == pl.history_rows()
    assert top < pl.history_rows()


def test_half_pages_move_the_view_and_the_cursor_together_until_an_edge():
    screen, _, copy = make(lines=40, rows=10)
    copy.enter()
    copy.key("g", 10)
    copy.move_cursor(3, 0, 10)
    copy.key("ctrl+d", 10)
    assert (copy.viewport_top(), copy.copy_row) == (5, 8)          # the cursor keeps its place in the view
    copy.key("ctrl+u", 10)
    copy.key("ctrl+u", 10)                                          # the view is at the top: only the cursor moves
    assert (copy.viewport_top(), copy.copy_row) == (0, 0)


@pytest.mark.parametrize("key", ["G", "shift+g", "end"])
def test_g_and_G_go_to_the_first_and_last_row(key):
    screen, _, copy = make()
    pl = screen.pagelist
    copy.enter()
    for first in ("g", "home"):
        copy.key("l", ROWS)
        copy.key(first, ROWS)
        assert (copy.copy_row, copy.copy_col) == (0, 0)
        assert copy.viewport_top() == 0
        assert visible_texts(copy)[0] == "line 0"
    copy.key(key, ROWS)
    assert (copy.copy_row, copy.copy_col) == (pl.total_rows - 1, 0)
    assert copy.viewport_top() == pl.history_rows()


def test_move_cursor_with_no_height_uses_the_screen_height():
    screen, _, copy = make()
    copy.enter()
    copy.move_cursor(0, 0, 0)
    copy.move_cursor(ROWS - 1, 0, 0)
    assert copy.viewport_top() == 0
    copy.move_cursor(ROWS, 0, 0)
    assert copy.viewport_top() == 1


def test_scroll_clamps_to_the_history():
    screen, _, copy = make()
    pl = screen.pagelist
    copy.enter()
    copy.scroll(-1000)
    assert copy.viewport_top() == 0
    copy.scroll(7)
    assert copy.viewport_top() == 7
    copy.scroll(1000)
    assert copy.viewport_top() == pl.history_rows()
    assert pl.viewport is not None                  # still anchored at the bottom while active


# ---------------------------------------------------------------------- selection and copy


def test_selection_across_hard_lines_drops_trailing_blanks():
    screen, stream, copy = make(lines=0)
    stream.feed(b"hello   \r\nworld\r\n")
    copy.enter()
    copy.move_cursor(0, 1, ROWS)
    copy.key("v", ROWS)
    assert copy.select_from == (0, 1)
    copy.move_cursor(1, 2, ROWS)
    assert copy.selection_span(0, COLS) == (1, COLS)
    assert copy.selection_span(1, COLS) == (0, 3)
    assert copy.selection_span(2, COLS) is None
    assert copy.selected_text() == "ello\nwor"
    copy.key("space", ROWS)
    assert copy.select_from is None
    assert copy.selected_text() == ""


def test_selection_joins_soft_wrapped_rows_without_a_newline():
    screen, stream, copy = make(lines=0, cols=10)
    stream.feed(b"abcdefghijKLMNO\r\nnext line\r\n")
    copy.enter()
    copy.move_cursor(0, 5, ROWS)
    copy.key("v", ROWS)
    copy.move_cursor(2, 3, ROWS)
    assert copy.selected_text() == "fghijKLMNO\nnext"
    copy.move_cursor(1, 2, ROWS)
    assert copy.selected_text() == "fghijKLM"


def test_selection_backwards_is_the_same_text():
    screen, stream, copy = make(lines=0)
    stream.feed(b"one\r\ntwo\r\n")
    copy.enter()
    copy.move_cursor(1, 1, ROWS)
    copy.key("v", ROWS)
    copy.move_cursor(0, 1, ROWS)
    assert copy.selected_text() == "ne\ntw"


def test_selection_copies_wide_characters_whole():
    screen, stream, copy = make(lines=0)
    stream.feed("a中b\r\n".encode())
    copy.enter()
    copy.move_cursor(0, 0, ROWS)
    copy.key("v", ROWS)
    copy.move_cursor(0, 3, ROWS)
    assert copy.selected_text() == "a中b"


def test_y_copies_and_leaves():
    screen, stream, copy = make(lines=0)
    stream.feed(b"copy me\r\n")
    copy.enter()
    copy.move_cursor(0, 0, ROWS)
    copy.key("v", ROWS)
    copy.key("$", ROWS)
    assert copy.key("y", ROWS) == CopyAction("copy", "copy me")
    assert not copy.active
    assert screen.pagelist.viewport is None


@pytest.mark.parametrize("key", ["y", "enter"])
def test_copy_without_a_selection_still_leaves(key):
    screen, _, copy = make()
    copy.enter()
    assert copy.key(key, ROWS) == CopyAction("copy", "")
    assert not copy.active


# ---------------------------------------------------------------------- search


def searchable() -> tuple[Terminal, Stream, CopyMode]:
    screen, stream, copy = make(lines=0, rows=4)
    stream.feed(b"foo one\r\nbar\r\nfoo two foo\r\nbaz\r\nfoo three\r\nqux\r\nend")
    return screen, stream, copy


def test_search_forward_moves_to_the_next_match_and_wraps_around():
    screen, _, copy = searchable()
    copy.enter()                                    # cursor on "end", the last row
    copy.search("foo", False, 4)
    assert copy.search_text == "foo" and not copy.search_backward
    assert copy.current_match == Match(0, 0, 3)     # wrapped to the top
    assert (copy.copy_row, copy.copy_col) == (0, 0)
    assert copy.status == "/foo"
    assert copy.viewport_top() == 0
    assert copy.matches == [Match(0, 0, 3), Match(2, 0, 3), Match(2, 8, 11)]
    assert copy.matches[0] is copy.current_match
    copy.key("n", 4)
    assert copy.current_match == Match(2, 0, 3)
    copy.key("n", 4)
    assert copy.current_match == Match(2, 8, 11)    # the second match on the same row
    copy.key("n", 4)
    assert copy.current_match == Match(4, 0, 3)
    assert copy.viewport_top() == 1                 # scrolled just enough
    copy.key("n", 4)
    assert copy.current_match == Match(0, 0, 3)


def test_search_backward_and_N_reverse_the_direction():
    screen, _, copy = searchable()
    copy.enter()
    copy.search("foo", True, 4)
    assert copy.search_backward
    assert copy.current_match == Match(4, 0, 3)
    assert copy.status == "?foo"
    copy.key("n", 4)
    assert copy.current_match == Match(2, 8, 11)
    copy.key("N", 4)
    assert copy.current_match == Match(4, 0, 3)
    copy.key("shift+n", 4)
    assert copy.current_match == Match(0, 0, 3)     # forward past the bottom wraps to the top
    copy.key("n", 4)
    assert copy.current_match == Match(4, 0, 3)     # backward from the top wraps to the bottom


def test_search_finds_the_only_match_under_the_cursor_after_a_full_wrap():
    screen, stream, copy = make(lines=0, rows=3)
    stream.feed(b"xyz")
    copy.enter()
    copy.move_cursor(0, 0, 3)
    copy.search("xyz", False, 3)
    assert copy.current_match == Match(0, 0, 3)


def test_search_not_found():
    screen, _, copy = searchable()
    copy.enter()
    copy.search("foo", False, 4)
    row = copy.copy_row
    copy.search("nowhere", False, 4)
    assert copy.status == "not found: nowhere"
    assert copy.matches == [] and copy.current_match is None
    assert copy.copy_row == row
    assert copy.row_spans(0, COLS) == [(0, 1, "cursor")]


def test_empty_search_does_nothing():
    screen, _, copy = searchable()
    copy.enter()
    copy.search("", False, 4)
    copy.key("n", 4)
    assert copy.status == "[scrollback]" and copy.current_match is None


def test_search_never_asks_for_the_whole_history_at_once(monkeypatch):
    screen, stream, copy = make(lines=3000)
    stream.feed(b"needle\r\n")
    pl = screen.pagelist
    counts = []
    real = pl.row_locations

    def spy(start, count):
        counts.append(count)
        return real(start, count)

    monkeypatch.setattr(pl, "row_locations", spy)
    copy.enter()
    copy.search("needle", True, ROWS)
    assert copy.current_match is not None and text_at(screen, copy.current_match.row) == "needle"
    copy.search("absent", False, ROWS)
    assert copy.status == "not found: absent"
    assert pl.total_rows > 3000
    assert max(counts) <= SEARCH_CHUNK


def test_slash_and_question_mark_ask_for_a_search_string():
    screen, _, copy = make()
    copy.enter()
    for key in ("slash", "/"):
        assert copy.key(key, ROWS) == CopyAction("prompt-search", backward=False)
    for key in ("question_mark", "?"):
        assert copy.key(key, ROWS) == CopyAction("prompt-search", backward=True)
    assert copy.active


# ---------------------------------------------------------------------- decorations


def test_row_spans_in_drawing_order():
    screen, _, copy = searchable()
    copy.enter()
    copy.search("foo", False, 4)
    copy.key("n", 4)                                # current match: row 2, cols 0-3
    copy.key("v", 4)
    copy.move_cursor(2, 9, 4)
    assert copy.row_spans(2, COLS) == [(0, 3, "current-match"), (8, 11, "match"), (0, 10, "selection"),
                                       (9, 10, "cursor")]
    assert copy.row_spans(0, COLS) == [(0, 3, "match")]
    assert copy.row_spans(1, COLS) == []


def test_row_spans_clamp_to_the_row():
    screen, _, copy = make()
    copy.enter()
    copy.key("$", ROWS)
    copy.key("v", ROWS)
    copy.key("k", ROWS)
    assert copy.row_spans(copy.copy_row, 10) == []      # selection start and cursor at col 19: past a 10-wide row
    assert copy.row_spans(copy.copy_row + 1, 10) == [(0, 10, "selection")]
    assert copy.row_spans(copy.copy_row + 1, COLS) == [(0, COLS, "selection")]


# ---------------------------------------------------------------------- mouse


def test_wheel_up_enters_and_wheel_down_leaves_at_the_bottom():
    screen, _, copy = make()
    pl = screen.pagelist
    copy.wheel(3, ROWS)                             # down while not in copy mode: nothing
    assert not copy.active
    copy.wheel(-3, ROWS)
    assert copy.active
    assert copy.viewport_top() == pl.history_rows() - 3
    copy.wheel(-3, ROWS)
    assert copy.viewport_top() == pl.history_rows() - 6
    copy.wheel(3, ROWS)
    assert copy.active and copy.viewport_top() == pl.history_rows() - 3
    copy.wheel(3, ROWS)
    assert not copy.active
    assert pl.viewport is None


def test_wheel_down_with_a_selection_stays_in_copy_mode():
    screen, _, copy = make()
    copy.wheel(-3, ROWS)
    copy.key("v", ROWS)
    copy.wheel(3, ROWS)
    copy.wheel(3, ROWS)
    assert copy.active
    assert copy.viewport_top() == screen.pagelist.history_rows()


def test_wheel_without_history():
    screen, _, copy = make(lines=0)
    copy.wheel(-3, ROWS)
    assert copy.active and copy.viewport_top() == 0
    copy.wheel(3, ROWS)
    assert not copy.active


def test_drag_selects_and_end_drag_copies():
    screen, _, copy = make()
    pl = screen.pagelist
    top = pl.history_rows()
    copy.drag((2, 0), (3, 1), ROWS)
    assert copy.active
    assert copy.select_from == (top, 2)
    assert (copy.copy_row, copy.copy_col) == (top + 1, 3)
    copy.drag((2, 0), (99, 99), ROWS)               # clamped to the pane
    assert copy.select_from == (top, 2)             # set once, at the start
    assert (copy.copy_row, copy.copy_col) == (top + ROWS - 1, COLS - 1)
    copy.drag((2, 0), (4, 1), ROWS)
    action = copy.end_drag()
    assert action == CopyAction("copy", "ne 26\nline")     # the last row's trailing blank dropped
    assert copy.status == "copied 10 characters"
    assert copy.active                              # stays in copy mode
    assert copy.select_from is None
    assert copy.end_drag() == CopyAction("none")


def test_end_drag_outside_copy_mode_does_nothing():
    screen, _, copy = make()
    assert copy.end_drag() == CopyAction("none")
    assert not copy.active


def test_drag_in_copy_mode_moves_the_cursor_only():
    """As PaneView did: the selection start is set only by the drag that enters copy mode."""
    screen, _, copy = make()
    copy.enter()
    copy.scroll(-5)
    copy.drag((0, 0), (2, 2), ROWS)
    assert copy.select_from is None
    assert (copy.copy_row, copy.copy_col) == (copy.viewport_top() + 2, 2)
    assert copy.end_drag() == CopyAction("none")


# ---------------------------------------------------------------------- the pin


def test_new_output_does_not_move_the_viewport():
    screen, stream, copy = make()
    pl = screen.pagelist
    copy.enter()
    copy.scroll(-4)
    top = copy.viewport_top()
    seen = visible_texts(copy)
    row = copy.copy_row
    stream.feed(b"".join(b"more %d\r\n" % i for i in range(50)))
    assert copy.viewport_top() == top
    assert visible_texts(copy) == seen
    assert copy.copy_row == row
    assert pl.history_rows() > top + 50
    stream.feed(b"more")
    copy.key("G", ROWS)
    assert text_at(screen, copy.copy_row) == "more"


def test_new_output_at_the_bottom_keeps_the_anchored_rows():
    screen, stream, copy = make()
    copy.enter()
    top = copy.viewport_top()
    seen = visible_texts(copy)
    stream.feed(b"x\r\n" * 10)
    assert copy.viewport_top() == top
    assert visible_texts(copy)[:-1] == seen[:-1]     # the last row was the line being written: it got the first x


def test_pruning_in_copy_mode_keeps_the_viewport_valid():
    screen, stream, copy = make(lines=0, cols=40, scrollback_limit=200_000)
    pl = screen.pagelist
    pl.compress = False          # pages are pruned hot here (test_cold.py has pruning of cold pages)
    stream.feed(b"".join(b"old %06d\r\n" % i for i in range(2000)))
    copy.enter()
    copy.key("g", ROWS)
    copy.key("v", ROWS)
    copy.key("j", ROWS)
    prunes = pl.prunes
    for n in range(10):
        stream.feed(b"".join(b"new %d %06d\r\n" % (n, i) for i in range(3000)))
        pl.check()
        top = copy.viewport_top()
        assert 0 <= top <= pl.history_rows()
        assert all(loc is not None for loc in copy.visible_rows(ROWS))
        for key in ("k", "j", "pageup", "G", "g"):
            copy.key(key, ROWS)
            assert 0 <= copy.copy_row < pl.total_rows
        copy.selected_text()
        copy.row_spans(copy.copy_row, 40)
    assert pl.prunes > prunes
    copy.search("new 9", True, ROWS)
    assert copy.current_match is not None
    assert text_at(screen, copy.current_match.row).startswith("new 9")
    copy.wheel(3, ROWS)
    copy.key("q", ROWS)
    assert pl.viewport is None
    pl.check()


# ---------------------------------------------------------------------- random keys

KEYS = ["up", "k", "down", "j", "left", "h", "right", "l", "pageup", "ctrl+b", "pagedown", "ctrl+f", "ctrl+u",
        "ctrl+d", "g", "home", "G", "end", "shift+g", "0", "dollar_sign", "$", "v", "space", "y", "enter", "slash",
        "/", "question_mark", "?", "n", "N", "shift+n", "q", "escape"]
JUNK = ["", "x", "ctrl+z", "f12", "shift+up", "é", "\x00", "tab", "ctrl+shift+alt+q", "1"]

actions = st.one_of(
    st.sampled_from(KEYS + JUNK).map(lambda k: ("key", k)),
    st.text(max_size=12).map(lambda k: ("key", k)),
    st.sampled_from(["line", "1", "zzz", "e 2"]).flatmap(lambda t: st.booleans().map(lambda b: ("search", t, b))),
    st.integers(-6, 6).map(lambda d: ("wheel", d)),
    st.tuples(st.integers(-2, 25), st.integers(-2, 8)).map(lambda xy: ("drag", xy)),
    st.just(("end_drag",)),
    st.integers(0, 40).map(lambda n: ("output", n)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(actions, max_size=40), st.integers(1, 8))
def test_random_key_sequences(steps, height):
    screen, stream, copy = make(lines=25)
    pl = screen.pagelist
    copy.enter()
    for step in steps:
        if not copy.active:
            copy.enter()
        kind = step[0]
        if kind == "key":
            action = copy.key(step[1], height)
            assert action.kind in ("none", "leave", "copy", "prompt-search")
            if action.kind in ("leave", "copy"):
                assert not copy.active and pl.viewport is None
        elif kind == "search":
            copy.search(step[1], step[2], height)
        elif kind == "wheel":
            copy.wheel(step[1], height)
        elif kind == "drag":
            copy.drag((0, 0), step[1], height)
        elif kind == "end_drag":
            assert copy.end_drag().kind in ("none", "copy")
        else:
            stream.feed(b"out\r\n" * step[1])
        assert 0 <= copy.copy_row < pl.total_rows
        assert 0 <= copy.copy_col < screen.columns
        assert 0 <= copy.viewport_top() <= pl.history_rows()
        assert len(copy.visible_rows(height)) == height
        copy.row_spans(copy.copy_row, screen.columns)
        copy.selected_text()
        pl.check()


# ---------------------------------------------------------------------- rows.row_cells


def test_row_cells_wide_characters():
    screen = Terminal(8, 2)
    Stream(screen).feed("中a文".encode())
    page, r = screen.line(0)
    cells, styles = row_cells(page, r)
    assert cells == ["中", "", "a", "文", "", " ", " ", " "]
    assert len(styles) == 8


def test_row_cells_clusters():
    screen = Terminal(8, 2)
    Stream(screen).feed("\x1b[?2027h👍🏽e\u0301x".encode())
    page, r = screen.line(0)
    cells, _ = row_cells(page, r)
    assert cells[:4] == ["👍🏽", "", "e\u0301", "x"]
    assert len(cells) == 8


def test_row_cells_wide_flag_on_a_narrow_character_keeps_the_width():
    screen = Terminal(8, 2)
    page, r = screen.line(0)
    page.set_cell(r, 0, ord("a"), flags=CELL_WIDE)
    page.set_cell(r, 1, ord("b"))
    cells, _ = row_cells(page, r)
    assert cells[:3] == ["a ", "", " "]
    assert len("".join(cells)) == 8


def test_switching_screens_leaves_copy_mode_and_unpins_the_screen_it_was_on():
    screen = Terminal(40, 5, scrollback_limit=200_000)
    stream = Stream(screen)
    stream.feed(b"".join(b"line %d\r\n" % i for i in range(30)))
    copy = CopyMode(screen)
    copy.enter()
    primary = screen.pagelist
    assert primary.viewport is not None
    stream.feed(b"\x1b[?1049h")         # a full-screen program starts
    assert copy.follow_screen() and not copy.active
    assert primary.viewport is None      # the primary screen follows its active area again
    assert not copy.follow_screen()
    stream.feed(b"\x1b[?1049l")
    copy.enter()
    assert copy.active and copy.pagelist is screen.primary.pages


# ---------------------------------------------------------------------- prompts (OSC 133) and word motions

A, B, C, D = (f"\x1b]133;{m}\x07".encode() for m in ("A", "B", "C", "D;0"))


def shell_session(commands: int, output_rows: int = 3, cols: int = 40, rows: int = 10, **kwargs):
    """A bash-like session as the README's snippet marks it: D and A before each prompt, B after it, C once the
    command line is entered; command k prints `output_rows` lines `out k.j`."""
    screen = Terminal(cols, rows, **kwargs)
    stream = Stream(screen)
    for k in range(commands):
        stream.feed(D + A + b"$ " + B + b"cmd %d\r\n" % k + C + b"".join(b"out %d.%d\r\n" % (k, j)
                                                                           for j in range(output_rows)))
    stream.feed(D + A + b"$ " + B)
    return screen, stream, CopyMode(screen)


def test_brackets_jump_between_prompts_with_the_prompt_at_the_top():
    screen, _, copy = shell_session(8)
    copy.enter()
    seen = []
    for _ in range(3):
        copy.key("left_square_bracket", 10)
        seen.append(text_at(screen, copy.copy_row))
        assert copy.copy_col == 0
        assert copy.viewport_top() == min(copy.copy_row, screen.pagelist.history_rows())
    assert seen == ["$ cmd 7", "$ cmd 6", "$ cmd 5"]
    copy.key("right_square_bracket", 10)
    assert text_at(screen, copy.copy_row) == "$ cmd 6"
    for _ in range(10):
        copy.key("left_square_bracket", 10)
    assert text_at(screen, copy.copy_row) == "$ cmd 0" and "no previous prompt" in copy.status
    for _ in range(10):
        copy.key("right_square_bracket", 10)
    assert text_at(screen, copy.copy_row) == "$" and "no next prompt" in copy.status


def test_a_prompt_of_two_rows_starts_on_its_first():
    screen = Terminal(40, 10)
    stream = Stream(screen)
    for k in range(3):
        stream.feed(D + A + b"~/src (main)\r\n" + b"$ " + B + b"cmd %d\r\n" % k + C + b"out %d\r\n" % k)
    copy = CopyMode(screen)
    copy.enter()
    copy.key("left_square_bracket", 10)
    assert text_at(screen, copy.copy_row) == "~/src (main)"
    copy.key("left_square_bracket", 10)
    assert text_at(screen, copy.copy_row) == "~/src (main)" and text_at(screen, copy.copy_row + 1) == "$ cmd 1"


def test_without_marks_the_brackets_say_so():
    screen, _, copy = make()
    copy.enter()
    row = copy.copy_row
    copy.key("left_square_bracket", ROWS)
    assert copy.copy_row == row and "OSC 133" in copy.status
    copy.key("o", ROWS)
    assert copy.select_from is None and "no command output" in copy.status


def test_o_selects_the_output_of_the_command_at_the_cursor():
    screen, _, copy = shell_session(5)
    copy.enter()
    copy.key("left_square_bracket", 10)
    copy.key("left_square_bracket", 10)           # on the prompt of cmd 3
    copy.key("o", 10)
    assert copy.selected_text() == "out 3.0\nout 3.1\nout 3.2"
    copy.move_cursor(copy.copy_row - 1, 4, 10)    # inside that output: the same command
    copy.select_from = None
    copy.key("o", 10)
    assert copy.selected_text() == "out 3.0\nout 3.1\nout 3.2"
    action = copy.key("y", 10)
    assert action.kind == "copy" and action.text == "out 3.0\nout 3.1\nout 3.2"


def test_o_with_a_command_still_running_stops_at_its_last_line():
    screen, stream, copy = shell_session(2)
    stream.feed(b"sleep\r\n" + C + b"partial\r\n")
    copy.enter()
    copy.key("o", 10)
    assert copy.selected_text() == "partial"


def test_prompt_jumps_and_o_read_through_cold_pages():
    screen, _, copy = shell_session(400, output_rows=3, cols=100, rows=20)
    pl = screen.pagelist
    frozen = [page for page in list(pl.pages())[:-2] if pl.freeze(page)]
    assert frozen and all(page.is_cold for page in frozen)
    copy.enter()
    for _ in range(399):
        copy.key("left_square_bracket", 20)
    assert text_at(screen, copy.copy_row) == "$ cmd 1"
    copy.key("o", 20)
    assert copy.selected_text() == "out 1.0\nout 1.1\nout 1.2"


def test_w_and_b_move_by_words_across_rows():
    screen = Terminal(12, 4)
    stream = Stream(screen)
    stream.feed(b"one two\r\n  three\r\nfour 12345678 9")    # "12345678 9" wraps: "9" starts a word, "" does not
    copy = CopyMode(screen)
    copy.enter()
    copy.move_cursor(0, 0, 4)
    path = []
    for _ in range(6):
        copy.key("w", 4)
        path.append((copy.copy_row, copy.copy_col))
    assert path == [(0, 4), (1, 2), (2, 0), (2, 5), (3, 2), (3, 11)]     # the last: no more words, the end
    back = []
    for _ in range(6):
        copy.key("b", 4)
        back.append((copy.copy_row, copy.copy_col))
    assert back == [(3, 2), (2, 5), (2, 0), (1, 2), (0, 4), (0, 0)]


def test_w_over_wide_characters_and_0_dollar_go_to_the_row_ends():
    screen = Terminal(12, 3)
    stream = Stream(screen)
    stream.feed("中文 ab\r\n".encode())
    copy = CopyMode(screen)
    copy.enter()
    copy.move_cursor(0, 0, 3)
    copy.key("w", 3)
    assert (copy.copy_row, copy.copy_col) == (0, 5)        # the wide characters' tails are not word starts
    copy.key("dollar_sign", 3)
    assert copy.copy_col == 11
    copy.key("0", 3)
    assert copy.copy_col == 0
