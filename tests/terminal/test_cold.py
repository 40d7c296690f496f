"""Cold pages: the blob format, freezing and thawing, reading through the scratch page, the limit counting cold
bytes, and OS truth with cold mappings."""

import pytest

from mux.terminal import cold, memory
from mux.terminal.memory import Ownership
from mux.terminal.page import ROW_WRAP, STD_PAGE_BYTES
from mux.terminal.pagelist import PageList
from mux.terminal.stream import Stream
from mux.terminal.styles import COLOR_PALETTE
from mux.terminal.terminal import Terminal


def log_lines(n: int, start: int = 0) -> bytes:
    return b"".join(b"2026-12-02T10:00:%05d INFO worker[%d]: request id=%d took %d ms\r\n"
                    % (i % 100000, i % 97, i, i % 1000) for i in range(start, start + n))


def agent_lines(n: int) -> bytes:
    out = []
    for i in range(n):
        out.append(b"\x1b[38;5;%dm\xe2\x97\x8f\x1b[0m \x1b[1mstep %d\x1b[0m \x1b]8;;https://example.com/%d\x1b\\link"
                   b"\x1b]8;;\x1b\\ \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd done\r\n" % (i % 256, i, i % 50))
    return b"".join(out)


def assert_os_truth(pl: PageList) -> None:
    tagged = memory.os_tagged_bytes(owner=pl.owner)
    if tagged is not None:
        assert tagged == pl.mapped_bytes()
        assert memory.os_tagged_bytes(Ownership.COLD, owner=pl.owner) == pl.cold_bytes


def fed(data: bytes, cols: int = 100, rows: int = 40, settle: bool = True, **limits) -> Terminal:
    """A terminal fed `data`; with `settle`, then idle (the pages still with the freezer installed)."""
    terminal = Terminal(cols, rows)
    if limits:
        terminal.primary.pages.set_limits(**limits)
    Stream(terminal).feed(data)
    terminal.screen.flush()
    if settle:
        terminal.primary.pages.settle()
    return terminal


@pytest.mark.parametrize("codec", cold.available_codecs())
def test_a_blob_restores_exactly_the_bytes_it_was_made_from(codec):
    raw = memoryview(bytes(range(256)) * 100 + bytes(40_000) + b"tail")
    blob = cold.encode(raw, (25_600, 60_000), codec)
    assert len(blob) < len(raw) // 4
    out = bytearray(len(raw) + 100)
    assert cold.decode_into(memoryview(blob), memoryview(out)) == len(raw)
    assert out[:len(raw)] == raw
    assert cold.blob_info(memoryview(blob))[:2] == (codec, len(raw))


@pytest.mark.parametrize("ends", [(0, 0), (0, 6), (8, 8), (12, 18), (40, 40), (36, 40)])
def test_byte_planes_are_the_same_compiled_and_in_python_and_undo_exactly(ends):
    raw = bytes((i * 37 + i // 5) & 0xFF for i in range(41))
    end4, end2 = ends
    out = bytearray(len(raw) + 3)
    cold.shuffle_py(memoryview(raw), memoryview(out), end4, end2)
    planes = bytes(out[:len(raw)])
    assert out[len(raw):] == bytes(3)
    assert planes[:end4 // 4] == raw[0:end4:4] and planes[end4:end4 + (end2 - end4) // 2] == raw[end4:end2:2]
    assert planes[end2:] == raw[end2:]
    compiled = bytearray(b"\xff" * (len(raw) + 3))
    cold.shuffle(memoryview(raw), memoryview(compiled), end4, end2)
    assert bytes(compiled[:len(raw)]) == planes and compiled[len(raw):] == b"\xff" * 3
    for undo in (cold.unshuffle, cold.unshuffle_py):
        out = bytearray(len(raw) + 3)
        undo(planes, memoryview(out), end4, end2)
        assert bytes(out[:len(raw)]) == raw and out[len(raw):] == bytes(3)


@pytest.mark.parametrize("ends", [(2, 8), (8, 4), (8, 11), (-4, 8), (0, 48)])
def test_plane_ends_that_do_not_fit_are_refused(ends):
    raw = memoryview(bytes(40))
    with pytest.raises(ValueError):
        cold.encode(raw, ends)
    if cold.shuffle is not cold.shuffle_py:      # the compiled one checks too (the reference trusts encode)
        with pytest.raises(ValueError):
            cold.shuffle(raw, memoryview(bytearray(40)), *ends)
        with pytest.raises(ValueError):
            cold.unshuffle(bytes(40), memoryview(bytearray(40)), *ends)


def test_a_real_page_compresses_better_as_planes():
    terminal = Terminal(100, 40)
    pl = terminal.primary.pages
    pl.compress = False
    Stream(terminal).feed(log_lines(2_000))
    page = pl.first
    raw = page.mapping.buffer[:page.capacity.size]
    as_planes = cold.encode(raw, page.capacity.plane_ends)
    as_is = cold.encode(raw, (0, 0))
    assert len(as_planes) < 0.8 * len(as_is)
    out = bytearray(page.capacity.size)
    cold.decode_into(memoryview(as_planes), memoryview(out))
    assert out == raw
    del raw
    terminal.close()


@pytest.mark.parametrize("codec", cold.available_codecs())
def test_every_flipped_bit_of_a_blob_is_detected(codec):
    raw = memoryview(b"hello world, " * 3000)
    blob = cold.encode(raw, (12_000, 24_000), codec)
    out = memoryview(bytearray(len(raw)))
    for pos in list(range(0, cold.HEADER_BYTES + 8)) + list(range(cold.HEADER_BYTES + 8, len(blob), 7)):
        damaged = bytearray(blob)
        damaged[pos] ^= 0x10
        with pytest.raises(cold.ColdCorrupt):
            cold.decode_into(memoryview(damaged), out)
    with pytest.raises(cold.ColdCorrupt):
        cold.decode_into(memoryview(blob[:10]), out)


def test_a_flood_past_the_limit_freezes_history_instead_of_pruning_it():
    data = log_lines(60_000)
    terminal = fed(data, settle=False)
    pl = terminal.primary.pages
    pl.check()
    assert pl.bytes <= pl.max_bytes() and pl.prunes == 0
    pl.settle()       # the pages still with the freezer when the flood ended, as a pane's next idle moment does
    pl.check()
    stats = pl.stats()
    assert stats["prunes"] == 0 and stats["history_rows"] >= 60_000 - 40
    assert stats["cold"]["pages"] > 50 and stats["cold"]["raw_bytes"] > 4 * stats["cold"]["bytes"]
    assert pl.bytes <= pl.max_bytes()
    assert stats["bytes"] / (stats["history_rows"] * 100) <= 1.0, "history costs at most a byte per cell"
    assert_os_truth(pl)
    # Every line is still there, in order, read through the scratch page without thawing anything.
    history = terminal.history_text()
    assert pl.thawed_total == 0 and pl.pool.in_use == pl.page_count - pl.cold_pages
    assert history[0].startswith("2026-12-02T10:00:00000 INFO worker[0]: request id=0 ")
    assert history[59_000].startswith("2026-12-02T10:00:59000 ")
    owner = pl.owner
    terminal.close()
    assert memory.os_tagged_bytes(owner=owner) in (None, 0)


def test_without_compression_the_same_flood_prunes():
    terminal = Terminal(100, 40)
    terminal.primary.pages.compress = False
    Stream(terminal).feed(log_lines(60_000))
    stats = terminal.stats()
    assert stats["prunes"] > 0 and stats["cold"]["pages"] == 0 and stats["history_rows"] < 30_000
    terminal.close()


def test_the_byte_limit_counts_cold_pages_and_prunes_the_oldest_when_they_fill_it():
    pl_limit = 30 * STD_PAGE_BYTES // 20       # 1.5 standard pages' worth: a few dozen cold pages
    terminal = fed(log_lines(100_000), limit_bytes=pl_limit)
    pl = terminal.primary.pages
    pl.check()
    assert pl.prunes > 0 and pl.cold_pages > 0
    assert pl.bytes <= pl.max_bytes()
    history = terminal.history_text()
    assert "id=99960 " in history[-1] and "id=99961 " in terminal.display()[0]
    first = int(history[0].split("id=")[1].split()[0])
    assert 0 < first < 99_000, "the oldest lines went, the newest stayed"
    assert_os_truth(pl)
    terminal.close()


def test_an_idle_history_page_freezes_and_the_viewport_thaws_it():
    now = [0.0]
    pl = PageList(80, 24, clock=lambda: now[0], cold_after=1.0)
    for i in range(3 * pl.std_capacity.rows):
        page, r = pl.grow()
        page.write_text(r, 0, f"line {i}", page.intern_style((COLOR_PALETTE | (i % 200), 0, 0, 0)))
    texts = [page.row_text(r) for page, r in pl.scan(0, pl.total_rows)]
    assert pl.maintain() == 0                      # history seen for the first time: idle from now
    now[0] += 0.5
    assert pl.maintain() == 0                      # not idle long enough
    now[0] += 1.0
    frozen = pl.maintain(budget_s=10.0)
    assert frozen >= 1 and pl.cold_pages == frozen
    pl.check()
    assert_os_truth(pl)
    assert [page.row_text(r) for page, r in pl.scan(0, pl.total_rows)] == texts
    pl.scroll_viewport(-pl.history_rows())          # the view moves onto the oldest (cold) page
    (page, r), = pl.row_locations(pl.viewport_top() + 24 + 7, 1)      # "line 7", after the 24 initial rows
    assert not page.is_cold and pl.thawed_total == 1
    assert page.row_text(r) == texts[24 + 7] and texts[31].startswith("line 7 ")
    assert page.style(page.style_id_at(r, 0)) == (COLOR_PALETTE | 7, 0, 0, 0)
    now[0] += 5
    assert pl.maintain(budget_s=10.0) == 0, "a page the viewport shows stays hot"
    pl.scroll_to_active()
    assert pl.maintain(budget_s=10.0) >= 1, "once the view leaves, it goes cold again"
    pl.check()
    assert_os_truth(pl)
    pl.close()
    assert memory.os_tagged_bytes(owner=pl.owner) in (None, 0)


def test_a_thawed_page_takes_new_styles_and_links_again():
    now = [0.0]
    pl = PageList(40, 4, clock=lambda: now[0])
    for i in range(pl.std_capacity.rows + 10):
        page, r = pl.grow()
        sid = page.intern_style((COLOR_PALETTE | (i % 50 + 1), 0, 0, 0))
        page.write_text(r, 0, f"row {i}", sid)
        page.set_hyperlink(r, 0, 3, page.intern_hyperlink(f"id{i % 7}", f"https://x/{i % 7}"))
    head = pl.first
    assert pl.freeze(head) and head.is_cold
    pl.thaw(head)
    assert len(head.style_ids) == 51 and len(head.link_ids) == 7
    assert head.intern_style((COLOR_PALETTE | 3, 0, 0, 0)) == head.style_ids[(COLOR_PALETTE | 3, 0, 0, 0)]
    new_sid = head.intern_style((COLOR_PALETTE | 200, 0, 0, 0))
    assert new_sid not in {sid for style, sid in head.style_ids.items() if style != (COLOR_PALETTE | 200, 0, 0, 0)}
    assert head.hyperlink(head.hyperlink_at(4 + 5, 0)) == ("id5", "https://x/5")   # after the 4 initial rows
    pl.check()
    pl.close()


def test_an_oversized_head_of_a_full_list_goes_cold_and_is_unmapped_never_pooled():
    """Ghostty's leak, cold variant: an oversized page frozen at the head of a full list, then pruned."""
    pl = PageList(80, 24, limit_bytes=4 * STD_PAGE_BYTES, preheat=0)
    for _ in range(2 * pl.std_capacity.rows):
        pl.grow()
    head = pl.adjust_capacity(pl.first, "styles")
    assert head.ownership is Ownership.DIRECT and pl.oversized_live == 1
    assert pl.freeze(head) and head.is_cold and pl.oversized_live == 0 and pl.oversized_freed == 1
    assert_os_truth(pl)
    for _ in range(400 * pl.std_capacity.rows):
        pl.grow()
        if pl.prunes:
            break
    assert pl.prunes >= 1 and head.mapping.closed
    assert pl.pool.capacity == pl.pool.in_use + pl.pool.free
    pl.check()
    assert_os_truth(pl)
    pl.close()
    assert memory.os_tagged_bytes(owner=pl.owner) in (None, 0)


def test_reflow_over_cold_history_keeps_every_line_and_the_limit():
    terminal = fed(log_lines(30_000))
    pl = terminal.primary.pages
    assert pl.cold_pages > 10
    before = [line.rstrip() for line in terminal.history_text()]
    terminal.resize(40, 61)
    pl.check()
    assert pl.bytes <= pl.max_bytes() and pl.prunes == 0 and pl.cold_pages > 10
    joined, cur = [], ""
    for page, r in pl.scan(0, pl.total_rows):
        cur += page.row_text(r)
        if not page.rflags[r] & ROW_WRAP:
            joined.append(cur.rstrip())
            cur = ""
    assert joined[:len(before)] == before
    assert_os_truth(pl)
    terminal.close()


def test_agent_output_keeps_its_clusters_links_and_styles_through_cold_pages():
    terminal = fed(agent_lines(20_000), cols=120)
    pl = terminal.primary.pages
    assert pl.cold_pages > 5
    stats = pl.stats()
    assert stats["bytes"] / (stats["history_rows"] * 120) <= 2.0
    page, r = next(iter(pl.scan(0, 1)))
    assert "👍🏽" in page.row_text(r) and page.hyperlink(page.hyperlink_at(r, 9))[1] == "https://example.com/0"
    terminal.close()


def test_row_texts_read_a_page_at_a_time_exactly_as_row_text_reads_a_row():
    terminal = fed(agent_lines(3000) + "漢字かな wide\r\n".encode() * 2000 + log_lines(3000), cols=90)
    pl = terminal.primary.pages
    pl.maintain(now=1e12, budget_s=60)
    pl.maintain(now=2e12, budget_s=60)
    assert pl.cold_pages > 0
    texts = pl.row_texts(0, pl.total_rows)
    assert texts == [page.row_text(r) for page, r in pl.scan(0, pl.total_rows)]
    assert any("漢字" in t for t in texts) and any("👍🏽" in t for t in texts)
    terminal.close()
