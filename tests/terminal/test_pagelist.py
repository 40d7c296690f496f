"""PageList: growth, pruning and reuse, ownership-only release, limits, pins, erase, resize/reflow, stats."""

import pytest

from mux.terminal import memory
from mux.terminal.memory import Ownership
from mux.terminal.page import CELL_WIDE, ROW_WRAP, ROW_WRAP_CONTINUATION, STD_PAGE_BYTES, PageOverflow
from mux.terminal.pagelist import PageList

os_bytes = memory.os_tagged_bytes


def assert_os_truth(pl: PageList) -> None:
    pl.check()
    tagged = os_bytes(owner=pl.owner)
    if tagged is not None:
        assert tagged == pl.mapped_bytes()
        assert os_bytes(Ownership.DIRECT, owner=pl.owner) == pl.oversized_bytes


def fill(pl: PageList, n: int, text: str = "x") -> None:
    for i in range(n):
        page, r = pl.grow()
        page.write_text(r, 0, f"{text}{i}"[: pl.cols])


def test_new_list_covers_the_active_area_from_the_pool():
    pl = PageList(80, 24, preheat=4)
    assert (pl.total_rows, pl.page_count, pl.bytes) == (24, 1, STD_PAGE_BYTES)
    assert pl.pool.in_use == 1 and pl.pool.free == 3
    assert_os_truth(pl)
    pl.close()
    assert os_bytes(owner=pl.owner) in (0, None)


def test_growth_within_the_limit_allocates_then_prunes_and_reuses_in_place():
    pl = PageList(80, 24, limit_bytes=3 * STD_PAGE_BYTES, preheat=0, compress=False)
    per_page = pl.std_capacity.rows
    fill(pl, 3 * per_page - 24)
    assert pl.page_count == 3 and pl.prunes == 0
    mapped = pl.pool.mapped_total
    head = pl.first
    fill(pl, 1)
    assert pl.prunes == 1 and pl.reused == 1
    assert pl.last is head, "the pruned pool page is reused as the newest page"
    assert pl.pool.mapped_total == mapped, "reuse maps nothing new"
    assert pl.bytes == 3 * STD_PAGE_BYTES
    assert_os_truth(pl)
    fill(pl, 10 * per_page)
    assert pl.bytes <= pl.max_bytes() and pl.peak_bytes == 3 * STD_PAGE_BYTES
    assert pl.pool.mapped_total == mapped
    assert_os_truth(pl)
    pl.close()


def test_limit_floor_is_active_area_plus_one_page():
    pl = PageList(80, 24, limit_bytes=0)
    assert pl.max_bytes() == pl.min_bytes == 3 * STD_PAGE_BYTES
    fill(pl, 5000)
    assert pl.total_rows >= 24 and pl.bytes <= pl.max_bytes()
    assert_os_truth(pl)
    pl.close()


def test_ghostty_regression_oversized_head_of_a_full_list_is_unmapped_not_reused():
    """Port of Ghostty's "PageList grow reuses non-standard page without leak" (PR #10251)."""
    pl = PageList(80, 24, limit_bytes=3 * STD_PAGE_BYTES)
    # 1-2: make the first page oversized (grapheme bytes doubled past the standard size), then fill it.
    head = pl.adjust_capacity(pl.first, "grapheme_bytes")
    assert head.ownership is Ownership.DIRECT and head.mapping.size > STD_PAGE_BYTES
    head.set_grapheme(0, 0, "\u200d\u2640")
    while pl.first.rows_used < pl.first.capacity.rows:
        pl.grow()
    # 3: grow until one more page would exceed the limit and the last page is full.
    while not (pl.bytes + STD_PAGE_BYTES > pl.max_bytes() and pl.last.rows_used == pl.last.capacity.rows):
        pl.grow()
    assert pl.first is head and pl.total_rows - head.rows_used >= pl.rows
    pin = pl.track(head, 5, 3)
    oversized_mapping = head.mapping
    before_direct = os_bytes(Ownership.DIRECT, owner=pl.owner)
    assert before_direct in (None, oversized_mapping.size)
    # 4: grow once more.
    page, row = pl.grow()
    # 5: the head changed, the oversized mapping is unmapped, and the new tail is a pool page, not it.
    assert pl.first is not head
    assert oversized_mapping.closed
    assert page is pl.last and page.mapping is not oversized_mapping
    assert page.ownership is Ownership.POOL and page.mapping.size == STD_PAGE_BYTES
    assert (pl.oversized_allocated, pl.oversized_freed, pl.oversized_live) == (1, 1, 0)
    assert pl.prunes == 1 and pl.reused == 0
    assert os_bytes(Ownership.DIRECT, owner=pl.owner) in (None, 0)
    assert all(m is not oversized_mapping for m in pl.pool._free)
    # Ghostty's follow-up: pins into the destroyed page move to (0, 0) of the new head, marked garbage.
    assert (pin.page, pin.row, pin.col, pin.garbage) == (pl.first, 0, 0, True)
    assert_os_truth(pl)
    pl.close()
    assert os_bytes(owner=pl.owner) in (None, 0)


def test_oversized_pages_keep_reaching_the_head_and_are_always_unmapped():
    pl = PageList(100, 30, limit_bytes=4 * STD_PAGE_BYTES)
    for _ in range(12):
        for _ in range(20):     # ~1000 clusters: more than a standard page's grapheme table holds
            page, r = pl.grow()
            for c in range(0, 100, 2):
                while True:
                    try:
                        page.set_grapheme(r, c, "\u200d\U0001F525")
                        break
                    except PageOverflow as e:
                        page = pl.adjust_capacity(page, e.dimension)
        for _ in range(pl.std_capacity.rows):
            pl.grow()
        assert_os_truth(pl)
    assert pl.oversized_allocated >= 10 and pl.oversized_freed >= 8
    assert pl.oversized_allocated - pl.oversized_freed == pl.oversized_live
    assert pl.stats()["oversized"]["churn_per_min"] == pl.oversized_allocated + pl.oversized_freed
    assert pl.peak_bytes <= pl.max_bytes() + 2 * STD_PAGE_BYTES
    pl.close()
    assert os_bytes(owner=pl.owner) in (None, 0)


def test_lines_limit_prunes_whole_pages_and_can_change_at_run_time():
    pl = PageList(80, 10, limit_lines=700)
    per_page = pl.std_capacity.rows
    fill(pl, 3000)
    assert pl.history_rows() <= 700
    assert pl.history_rows() >= 700 - per_page
    pl.set_limits(limit_lines=None)
    fill(pl, 2000)
    assert pl.history_rows() > 2000
    pl.set_limits(limit_bytes=0)
    assert pl.bytes <= pl.max_bytes()
    assert_os_truth(pl)
    pl.close()


def test_erase_history_releases_pages_and_keeps_the_active_rows():
    pl = PageList(40, 5, limit_bytes=50 * STD_PAGE_BYTES)
    fill(pl, 2000, "line")
    active_before = [p.row_text(r) for p, r in pl.active_locations()]
    pl.erase_history()
    assert pl.history_rows() == 0 and pl.page_count == 1
    assert [p.row_text(r) for p, r in pl.active_locations()] == active_before
    assert_os_truth(pl)
    pl.close()


def test_viewport_scrolls_into_history_and_survives_pruning():
    pl = PageList(80, 24, limit_bytes=3 * STD_PAGE_BYTES, compress=False)
    fill(pl, 1000)
    pl.scroll_viewport(-10_000)
    assert pl.viewport_top() == 0
    pl.scroll_viewport(5)
    assert pl.viewport_top() == 5
    fill(pl, 3 * pl.std_capacity.rows)
    assert pl.viewport is not None and pl.viewport.garbage
    assert pl.viewport_top() == 0
    pl.scroll_viewport(10**9)
    assert pl.viewport is None and pl.viewport_top() == pl.history_rows()
    assert_os_truth(pl)
    pl.close()


def _logical_text(pl: PageList) -> list[str]:
    lines, cur = [], ""
    for page in pl.readable_pages():
        for r in range(page.rows_used):
            cur += page.row_text(r).rstrip() if not page.rflags[r] & ROW_WRAP else page.row_text(r)
            if not page.rflags[r] & ROW_WRAP:
                lines.append(cur)
                cur = ""
    return lines


def test_resize_columns_reflows_soft_wrapped_lines_and_moves_the_cursor():
    pl = PageList(10, 4)
    locs = pl.active_locations()
    (p0, r0), (p1, r1) = locs[0], locs[1]
    p0.write_text(r0, 0, "abcdefghij")
    p0.rflags[r0] |= ROW_WRAP
    p1.write_text(r1, 0, "klm")
    p1.rflags[r1] |= ROW_WRAP_CONTINUATION
    cursor = pl.track(p1, r1, 3)
    pl.resize(20, 4, cursor=cursor)
    assert pl.cols == 20 and pl.total_rows == 4
    assert _logical_text(pl)[0] == "abcdefghijklm"
    assert cursor.page.row_text(cursor.row).rstrip() == "abcdefghijklm" and cursor.col == 13
    pl.resize(4, 4, cursor=cursor)
    assert [p.row_text(r) for p, r in pl.active_locations()][:4] == ["abcd", "efgh", "ijkl", "m   "]
    assert (cursor.page.row_text(cursor.row), cursor.col) == ("m   ", 1)
    assert_os_truth(pl)
    pl.close()


def test_reflow_never_splits_a_wide_character():
    pl = PageList(6, 3)
    (p, r) = pl.active_locations()[0]
    from array import array
    p.write_cells(r, 0, array("I", [ord("a"), ord("中"), 0, ord("b")]), 0, array("H", [0, CELL_WIDE, 2, 0]))
    pl.resize(2, 3, cursor=pl.track(p, r, 0))
    texts = [pg.row_text(rr) for pg, rr in pl.row_locations(0, pl.total_rows)]
    assert "a " in texts[0] and texts[1] == "中" and texts[2].startswith("b")
    pl.close()


def test_resize_rows_pulls_history_or_adds_blank_rows():
    pl = PageList(20, 5)
    fill(pl, 20, "r")
    pl.resize(20, 10)
    assert pl.total_rows == 25 and pl.history_rows() == 15
    pl.resize(20, 30)
    assert pl.total_rows == 30 and pl.history_rows() == 0
    pl.remove_bottom_rows(5)
    pl.resize(20, 25)
    assert pl.total_rows == 25
    assert_os_truth(pl)
    pl.close()


def test_close_releases_everything_and_stats_have_the_vocabulary():
    pl = PageList(80, 24)
    fill(pl, 3000)
    stats = pl.stats()
    for key in ("pages", "rows", "bytes", "peak_bytes", "limit_bytes", "std_page_bytes", "prunes", "reused"):
        assert key in stats
    assert set(stats["pool"]) >= {"capacity", "in_use", "free"}
    assert set(stats["oversized"]) >= {"live", "bytes", "allocated", "freed", "churn_per_min"}
    pl.close()
    assert pl.bytes == 0 and pl.pool.capacity == 0
    assert os_bytes(owner=pl.owner) in (None, 0)


def test_bad_dimensions_and_limits_are_rejected():
    with pytest.raises(ValueError):
        PageList(0, 10)
    pl = PageList(10, 10)
    with pytest.raises(ValueError):
        pl.set_limits(limit_bytes=-1)
    with pytest.raises(ValueError):
        pl.resize(10, 0)
    pl.close()


def test_leaving_the_history_view_prunes_what_it_kept_over_the_limit():
    """History pages a viewport shows are not counted against the limit; once the view goes back to the active
    area they count again, and the list prunes then, not at some later grow (an idle pane never grows)."""
    pl = PageList(99, 1, limit_bytes=0)
    for _ in range(397):
        pl.grow()
    pl.scroll_viewport(-1)
    for _ in range(932):
        pl.grow()
    assert pl.bytes > pl.max_bytes()            # the shown pages are kept, uncounted
    pl.scroll_viewport(10**6)                   # back at the bottom: the view follows the active area again
    assert pl.viewport is None
    assert pl.counted_bytes() <= pl.max_bytes() or not pl.head_prunable()
    pl.close()
