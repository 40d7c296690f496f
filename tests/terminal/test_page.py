"""Page layout, cells, rows, and the in-mapping tables (styles, graphemes, hyperlinks)."""

from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mux.terminal.memory import Mapping, Ownership
from mux.terminal.page import (
    CELL_GRAPHEME,
    CELL_HYPERLINK,
    CELL_SPACER_HEAD,
    CELL_SPACER_TAIL,
    CELL_WIDE,
    ROW_GRAPHEME,
    ROW_WRAP,
    STD_PAGE_BYTES,
    Capacity,
    Page,
    PageOverflow,
    _map_del,
    _map_get,
    _map_put,
)
from mux.terminal.styles import COLOR_PALETTE, COLOR_RGB


def make_page(cols=20, rows=10, **dims) -> Page:
    cap = Capacity(cols=cols, rows=rows, **dims)
    page = Page(Mapping(cap.size, Ownership.DIRECT), cap)
    page.rows_used = rows
    return page


def close(page: Page) -> None:
    page.release_views()
    page.mapping.close()


@pytest.mark.parametrize("cols,min_rows", [(80, 545), (100, 435), (120, 360), (200, 215), (1000, 40)])
def test_standard_capacity_fills_about_400_kib_with_rows_adapting_to_columns(cols, min_rows):
    cap = Capacity.standard(cols)
    assert cap.size == STD_PAGE_BYTES
    assert cap.rows >= min_rows
    # sized from coding-agent output (see test_bench_script): a standard page of it needs up to ~250 styles,
    # ~128 links, ~3.6 KB of link strings and ~200 clusters (~1.3 KB of extras)
    assert (cap.styles, cap.grapheme_bytes, cap.string_bytes, cap.hyperlinks) == (384, 4096, 6144, 128)
    bigger = Capacity(cols=cols, rows=cap.rows + 1)
    assert bigger.size > STD_PAGE_BYTES, "the standard capacity uses every row that fits"


def test_cells_cost_eight_bytes():
    small, big = Capacity(cols=100, rows=10), Capacity(cols=100, rows=110)
    regions_small, _ = small.layout()
    regions_big, _ = big.layout()
    end = lambda regions: regions["sarena"][0]  # noqa: E731
    per_cell = (end(regions_big) - end(regions_small) - 100 * 6) / (100 * 100)
    assert per_cell == 8


def test_grown_doubles_one_dimension_and_makes_an_oversized_layout():
    cap = Capacity.standard(80)
    big = cap.grown("grapheme_bytes")
    assert big.grapheme_bytes == 2 * cap.grapheme_bytes
    assert (big.rows, big.cols, big.styles) == (cap.rows, cap.cols, cap.styles)
    assert big.size > STD_PAGE_BYTES


def test_write_text_and_row_text():
    page = make_page()
    page.write_text(0, 2, "hello", 0)
    assert page.row_text(0) == "  hello" + " " * 13
    assert page.cell(0, 2) == (ord("h"), 0, 0)
    page.write_text(0, 0, "ab", 3)
    assert page.cell(0, 1) == (ord("b"), 3, 0)
    close(page)


def test_wide_cells_and_spacers_in_row_text():
    page = make_page()
    cps = array("I", [ord("中"), 0, ord("x")])
    flags = array("H", [CELL_WIDE, CELL_SPACER_TAIL, 0])
    page.write_cells(1, 0, cps, 0, flags)
    assert page.row_text(1).rstrip() == "中x"
    close(page)


def test_clear_cells_keeps_background_style():
    page = make_page()
    page.write_text(0, 0, "abcdef", 0)
    page.clear_cells(0, 1, 4, style_id=5)
    assert page.row_text(0).rstrip() == "a   ef"
    assert [page.cell(0, c)[1] for c in range(6)] == [0, 5, 5, 5, 0, 0]
    close(page)


def test_rotate_rows_moves_rows_without_moving_cells_and_blanks_the_uncovered():
    page = make_page(cols=4, rows=5)
    for r in range(5):
        page.write_text(r, 0, str(r) * 4)
    cells_before = bytes(page.cp)
    page.rotate_rows(1, 3, 1)
    assert [page.row_text(r) for r in range(5)] == ["0000", "2222", "3333", "    ", "4444"]
    page.rotate_rows(0, 4, -2)
    assert [page.row_text(r) for r in range(5)] == ["    ", "    ", "0000", "2222", "3333"]
    assert bytes(page.cp) != cells_before
    close(page)


def test_styles_intern_dedupe_collect_and_overflow():
    page = make_page(styles=8)
    red = (COLOR_PALETTE | 1, 0, 0, 0)
    sid = page.intern_style(red)
    assert page.intern_style(red) == sid and page.style(sid) == red
    assert page.intern_style((0, 0, 0, 0)) == 0
    page.write_text(0, 0, "r", sid)
    # Fill the table with styles no cell uses: collection reclaims them instead of overflowing.
    for i in range(50):
        page.intern_style((COLOR_RGB | i, 0, 0, 0))
    assert page.style(sid) == red, "a style still in use survives collection"
    # Now make every style live: the table must overflow.
    with pytest.raises(PageOverflow) as info:
        for i in range(20):
            s = page.intern_style((COLOR_RGB | (1000 + i), 0, 0, 0))
            page.write_text(1 + i // 10, i % 10, "x", s)
    assert info.value.dimension == "styles"
    close(page)


def test_graphemes_store_read_overwrite_and_compact():
    page = make_page(grapheme_bytes=64)      # 16 codepoints of arena
    family = "\u200d👩\u200d👧"
    page.write_text(0, 0, "👨", 0)
    page.set_grapheme(0, 0, family)
    i = page.cell_index(0, 0)
    assert page.fl[i] & CELL_GRAPHEME and page.rflags[0] & ROW_GRAPHEME
    assert page.grapheme_extras(i) == family
    assert page.row_text(0).startswith("👨" + family)
    # Overwrite repeatedly: dead clusters are compacted away, so this never overflows.
    for _ in range(40):
        page.write_text(0, 1, "x")
        page.set_grapheme(0, 1, "\u0301\u0302")
    assert page.grapheme_bytes_used() == 4 * (len(family) + 2)
    page.write_text(0, 0, "a")
    assert not page.fl[i] & CELL_GRAPHEME and page.grapheme_extras(i) == ""
    close(page)


def test_grapheme_overflow_names_the_dimension():
    page = make_page(grapheme_bytes=64)
    with pytest.raises(PageOverflow) as info:
        for c in range(20):
            page.set_grapheme(0, c, "\u200d\u2640\ufe0f")
    assert info.value.dimension == "grapheme_bytes"
    close(page)


def test_hyperlinks_intern_mark_overwrite_collect_and_overflow():
    page = make_page(hyperlinks=2, string_bytes=64)
    a = page.intern_hyperlink("id1", "https://a.example")
    assert page.intern_hyperlink("id1", "https://a.example") == a
    page.set_hyperlink(0, 0, 3, a)
    assert page.hyperlink_at(0, 1) == a and page.hyperlink(a) == ("id1", "https://a.example")
    assert page.hyperlink_at(0, 5) is None
    page.write_text(0, 0, "xyz")       # overwriting drops the link from those cells
    assert page.hyperlink_at(0, 0) is None and not page.fl[page.cell_index(0, 0)] & CELL_HYPERLINK
    # The unreferenced link is collected, so more unique links fit than the table has entries.
    for k in range(6):
        idx = page.intern_hyperlink(f"u{k}", f"https://{k}.example")
        page.set_hyperlink(1, k, k + 1, idx)
        page.write_text(1, k, "o")
    with pytest.raises(PageOverflow) as info:
        for k in range(4):
            idx = page.intern_hyperlink(f"live{k}", f"https://live{k}.example")
            page.set_hyperlink(2, k, k + 1, idx)
    assert info.value.dimension in ("hyperlinks", "string_bytes")
    close(page)


def test_clone_from_copies_everything_into_a_bigger_page():
    src = make_page(cols=10, rows=4, grapheme_bytes=64)
    sid = src.intern_style((COLOR_PALETTE | 3, 0, 0, 1))
    src.write_text(0, 0, "hello", sid)
    src.set_grapheme(0, 1, "\u0301")
    link = src.intern_hyperlink("", "https://x.example")
    src.set_hyperlink(1, 2, 4, link)
    src.rflags[2] |= ROW_WRAP
    dst_cap = src.capacity.grown("grapheme_bytes")
    dst = Page(Mapping(dst_cap.size, Ownership.DIRECT), dst_cap)
    dst.clone_from(src)
    assert dst.rows_used == 4
    assert dst.row_text(0) == src.row_text(0)
    assert dst.style(dst.cell(0, 0)[1]) == (COLOR_PALETTE | 3, 0, 0, 1)
    assert dst.grapheme_extras(dst.cell_index(0, 1)) == "\u0301"
    assert dst.hyperlink(dst.hyperlink_at(1, 3)) == ("", "https://x.example")
    assert dst.rflags[2] & ROW_WRAP
    close(src)
    close(dst)


def test_copy_cells_reinterns_into_another_page():
    a, b = make_page(), make_page()
    b.intern_style((COLOR_RGB | 0x123456, 0, 0, 0))     # make ids differ between the pages
    sid = a.intern_style((COLOR_RGB | 0xABCDEF, 0, 0, 0))
    a.write_text(0, 0, "styled", sid)
    a.set_grapheme(0, 0, "\u0308")
    b.copy_cells(3, 4, a, 0, 0, 6)
    assert b.row_text(3)[4:11] == "s\u0308tyled"
    assert b.style(b.cell(3, 4)[1]) == (COLOR_RGB | 0xABCDEF, 0, 0, 0)
    close(a)
    close(b)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 200)), max_size=300))
def test_open_addressing_map_matches_a_dict(ops):
    mask = 63
    m = memoryview(bytearray(8 * (mask + 1))).cast("I")
    model: dict[int, int] = {}
    for put, key in ops:
        if put and (key in model or len(model) < 50):
            _map_put(m, mask, key, key * 3)
            model[key] = key * 3
        elif not put:
            assert _map_del(m, mask, key) == model.pop(key, None)
        for k in range(1, 201):
            assert _map_get(m, mask, k) == model.get(k)


def test_compaction_moves_live_clusters_behind_dead_ones_intact():
    page = make_page(grapheme_bytes=64)      # 16 codepoints of arena
    for c in range(4):
        page.set_grapheme(0, c, chr(0x300 + c) * 3)
    page.write_text(0, 0, "abc")             # clusters at cols 0-2 die; col 3 (offset 9) stays live
    for c in range(5, 11):
        page.set_grapheme(0, c, "\u0308")    # the 5th needs room: compaction moves col 3's cluster to 0
    assert page.grapheme_extras(page.cell_index(0, 3)) == "\u0303" * 3
    assert [page.grapheme_extras(page.cell_index(0, c)) for c in range(5, 11)] == ["\u0308"] * 6
    assert page.grapheme_bytes_used() == 4 * 9
    close(page)


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(st.tuples(st.integers(0, 19), st.sampled_from([0, 0x41, 0x1F600, 0x10000]),
                                st.sampled_from([0, 0, 1, 300]), st.sampled_from([0, 0, 4, 1, 2, 4 | 8, 8])),
                      max_size=6))
def test_content_length_is_the_column_after_the_last_cell_holding_anything(cells):
    """Text, a style or a flag other than a lone spacer head: the same answer as a scan of every cell."""
    page = make_page(cols=20, rows=2)
    for col, cp, style, flags in cells:
        page.set_cell(1, col, cp, style, flags)
    base = page.slots[1] * 20
    expected = max((c + 1 for c in range(20) if page.cp[base + c] or page.st[base + c]
                    or page.fl[base + c] & ~CELL_SPACER_HEAD), default=0)
    assert page.content_length(1) == expected
