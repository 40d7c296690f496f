"""Freezing off the parsing thread: the compiled ColdWorker (planes, zstd, CRC and a named memfd without the GIL),
the Freezer over it or inline, and how a PageList hands pages over during growth and installs them."""

import os
import random

import pytest

from mux.terminal import cold, memory
from mux.terminal.fastpath import compiled
from mux.terminal.memory import Mapping, Ownership
from mux.terminal.page import STD_PAGE_BYTES
from mux.terminal.pagelist import FREEZE_LAG, PageList
from mux.terminal.stream import Stream
from mux.terminal.terminal import Terminal
from tests.terminal.test_cold import assert_os_truth, log_lines

needs_worker = pytest.mark.skipif(cold.freezer().threaded is False,
                                  reason="no compiled ColdWorker (pure-Python path, or no zstd)")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def page_bytes(n: int = 64 * 1024, seed: int = 0) -> bytes:
    rnd = random.Random(seed)
    words = [b"INFO", b"worker", b"request", b"took", b"ms", b"\x00\x00\x00"]
    out = bytearray()
    while len(out) < n:
        out += rnd.choice(words) + b" "
    return bytes(out[:n])


def new_worker():
    return compiled.ColdWorker(cold._zstd_library(), cold.ZSTD_LEVEL, b"MXCP", cold.LAYOUT_VERSION,
                               cold.CODEC_ZSTD)


@needs_worker
def test_a_worker_blob_decodes_to_exactly_the_page_it_was_made_from():
    worker = new_worker()
    raw = page_bytes(seed=1)
    planes = (16_384, 40_000)
    worker.submit(7, 1, raw, *planes, len(raw), "mux-cold.ptest")
    [(job, fd, size)] = worker.collect(7, True, 10)
    assert job == 1 and fd >= 0 and size % memory.PAGE_SIZE == 0
    mapping = Mapping.from_memfd(fd, size, Ownership.COLD)
    try:
        codec, raw_len, _, end4, end2 = cold.blob_info(mapping.buffer)
        assert (codec, raw_len, end4, end2) == (cold.CODEC_ZSTD, len(raw), *planes)
        out = bytearray(len(raw))
        cold.decode_into(mapping.buffer, memoryview(out))
        assert out == raw
        # Byte for byte the blob encode() makes (the same zstd library, level and frame), then zeros.
        inline = cold.encode(memoryview(raw), planes, cold.CODEC_ZSTD)
        assert bytes(mapping.buffer[:len(inline)]) == inline and not any(mapping.buffer[len(inline):])
    finally:
        mapping.close()


@needs_worker
def test_every_flipped_bit_of_a_worker_blob_is_detected():
    worker = new_worker()
    raw = page_bytes(20_000, seed=2)
    worker.submit(1, 1, raw, 8_000, 12_000, len(raw), "mux-cold.ptest")
    [(_, fd, size)] = worker.collect(1, True, 1)
    mapping = Mapping.from_memfd(fd, size, Ownership.COLD)
    blob = bytes(mapping.buffer)
    mapping.close()
    out = memoryview(bytearray(len(raw)))
    for pos in list(range(cold.HEADER_BYTES + 8)) + list(range(cold.HEADER_BYTES + 8, 400, 5)):
        damaged = bytearray(blob)
        damaged[pos] ^= 0x04
        with pytest.raises(cold.ColdCorrupt):
            cold.decode_into(memoryview(damaged), out)


@needs_worker
def test_a_page_that_would_not_shrink_enough_comes_back_as_not_worth_it():
    worker = new_worker()
    raw = random.Random(3).randbytes(64 * 1024)       # random bytes barely compress
    worker.submit(1, 5, raw, 0, 0, len(raw) // 2, "mux-cold.ptest")
    assert worker.collect(1, True, 1) == [(5, compiled.COLD_NOT_WORTH, 0)]


@needs_worker
def test_results_come_back_per_owner_in_the_order_jobs_were_submitted():
    worker = new_worker()
    fds_before = open_fds()
    for job in range(6):
        worker.submit(1 + job % 2, job, page_bytes(8192, seed=job), 0, 0, 8192, "mux-cold.ptest")
    got = {1: [], 2: []}
    for owner in (1, 2):
        while len(got[owner]) < 3:
            for job, fd, _ in worker.collect(owner, True, 2):
                got[owner].append(job)
                os.close(fd)
    assert got == {1: [0, 2, 4], 2: [1, 3, 5]}
    assert worker.pending(1) == worker.pending(2) == 0 and worker.collect(1, True, 5) == []
    assert open_fds() == fds_before


@needs_worker
def test_cancel_drops_queued_jobs_and_closes_finished_ones_memfds():
    worker = new_worker()
    fds_before = open_fds()
    for job in range(20):
        worker.submit(9, job, page_bytes(STD_PAGE_BYTES, seed=job), 0, 0, STD_PAGE_BYTES, "mux-cold.ptest")
    worker.cancel(9)
    assert worker.pending(9) == 0 and worker.collect(9, False, 100) == []
    assert open_fds() == fds_before
    del worker                               # joins the thread; nothing left behind
    assert open_fds() == fds_before


@needs_worker
@pytest.mark.parametrize("args, error", [
    ((1, 1, b"x" * 64, 2, 8, 64, "mux-cold.p"), ValueError),           # end4 not a multiple of 4
    ((1, 1, b"x" * 64, 8, 4, 64, "mux-cold.p"), ValueError),           # end2 before end4
    ((1, 1, b"x" * 64, 8, 80, 64, "mux-cold.p"), ValueError),          # past the page
    ((1, 1, b"x" * 64, 0, 0, 64, "m" * 100), ValueError),              # a tag too long to be a name
    ((1, 1, b"x" * 64, 0, 0, 64, "mux\x00cold"), ValueError),          # a NUL in the tag
    ((1, 1, 12, 0, 0, 64, "mux-cold.p"), TypeError),                   # not a buffer
    ((1, 1, b"x"), TypeError),                                         # too few arguments
])
def test_bad_jobs_are_refused_with_an_error_not_a_crash(args, error):
    worker = new_worker()
    with pytest.raises(error):
        worker.submit(*args)
    assert worker.pending(1) == 0


def test_a_worker_without_zstd_in_its_library_is_an_os_error():
    if compiled is None or not hasattr(compiled, "ColdWorker"):
        pytest.skip("no compiled ColdWorker")
    with pytest.raises(OSError, match="no zstd"):
        compiled.ColdWorker("libc.so.6", 1, b"MXCP", cold.LAYOUT_VERSION, cold.CODEC_ZSTD)
    with pytest.raises(ValueError):
        compiled.ColdWorker(cold._zstd_library(), 1, b"MXC", cold.LAYOUT_VERSION, cold.CODEC_ZSTD)


@needs_worker
def test_a_forked_child_has_no_jobs_of_its_parent_and_freezes_its_own():
    worker = new_worker()
    raw = page_bytes(STD_PAGE_BYTES, seed=4)
    for job in range(4):
        worker.submit(3, job, raw, 0, 0, STD_PAGE_BYTES, "mux-cold.ptest")
    pid = os.fork()
    if pid == 0:      # the child: only os._exit, never pytest's own exit path
        ok = worker.pending(3) == 0 and worker.collect(3, False, 10) == []
        worker.submit(3, 99, raw, 0, 0, STD_PAGE_BYTES, "mux-cold.ptest")
        results = worker.collect(3, True, 10)
        ok = ok and [job for job, _, _ in results] == [99] and results[0][1] >= 0
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    results = []
    while len(results) < 4:
        results += worker.collect(3, True, 10)
    assert [job for job, _, _ in results] == [0, 1, 2, 3]      # the parent's jobs are the parent's
    for _, fd, _ in results:
        os.close(fd)


@pytest.mark.parametrize("threaded", [True, False])
def test_the_freezer_gives_the_same_results_threaded_or_inline(threaded):
    freezer = cold.freezer() if threaded else cold.Freezer(None)
    if threaded and not freezer.threaded:
        pytest.skip("no compiled ColdWorker")
    raws = [page_bytes(32_768, seed=s) for s in range(5)] + [random.Random(9).randbytes(32_768)]
    for job, raw in enumerate(raws):
        freezer.submit(1234, job, memoryview(raw), (8192, 16_384), cold.CODEC_ZSTD, 24_576, "ptest")
    results = freezer.collect(1234, len(raws))
    assert [job for job, _ in results] == list(range(len(raws)))
    assert results[-1][1] is None                     # the random page is not worth it
    for (_, mapping), raw in zip(results[:-1], raws[:-1], strict=True):
        out = bytearray(len(raw))
        cold.decode_into(mapping.buffer, memoryview(out))
        assert out == raw
        mapping.close()
    assert freezer.collect(1234, 1) == []


def test_a_freezer_that_cannot_start_its_thread_freezes_inline_in_order():
    class FailingThread:
        """Takes one job, then cannot start: the job it took finishes (not worth it) when collected."""
        def __init__(self):
            self.jobs = []

        def submit(self, owner, job, *args):
            if self.jobs:
                raise OSError("cannot start a thread")
            self.jobs.append(job)

        def collect(self, owner, wait, count):
            done, self.jobs = [(job, -1, 0) for job in self.jobs[:count]], self.jobs[count:]
            return done

        def cancel(self, owner):
            self.jobs.clear()

    freezer = cold.Freezer(FailingThread())
    raw = memoryview(page_bytes(16_384))
    freezer.submit(1, 1, raw, (0, 0), cold.CODEC_ZSTD, 16_384, "ptest")     # taken by the thread
    freezer.submit(1, 2, raw, (0, 0), cold.CODEC_ZSTD, 16_384, "ptest")     # inline, after it
    freezer.submit(1, 3, raw, (0, 0), cold.CODEC_ZSTD, 16_384, "ptest")     # inline too: order kept
    results = freezer.collect(1, 3)
    assert [job for job, _ in results] == [1, 2, 3]
    assert results[0][1] is None and results[1][1] is not None and results[2][1] is not None
    for _, mapping in results[1:]:
        mapping.close()


def flood(terminal: Terminal, data: bytes) -> None:
    Stream(terminal).feed(data)
    terminal.screen.flush()


@needs_worker
def test_a_flood_is_frozen_in_the_background_within_the_limit_at_every_growth():
    terminal = Terminal(100, 40)
    pl = terminal.primary.pages
    stream = Stream(terminal)
    data = log_lines(30_000)
    for k in range(0, len(data), 64 * 1024):
        stream.feed(data[k:k + 64 * 1024])
        terminal.screen.flush()
        assert pl.bytes <= pl.max_bytes() and pl.prunes == 0
        pl.check()
    assert pl.cold_pages > 10 and pl.frozen_total > pl.cold_pages - 1
    assert_os_truth(pl)
    pl.settle()
    pl.check()
    assert pl.stats()["history_rows"] >= 30_000 - 40
    assert_os_truth(pl)
    terminal.close()
    assert memory.os_tagged_bytes(owner=pl.owner) in (None, 0)


def test_background_freezing_decides_the_same_whatever_the_threads_speed():
    """What goes cold, and when, depends only on the output: the same flood gives the same pages with the worker
    thread and with the inline freezer (the compiled and Python parsers rely on this to compare pages)."""
    snapshots = []
    for threaded in (True, False):
        saved = cold._freezer
        cold._freezer = cold.freezer() if threaded else cold.Freezer(None)
        try:
            terminal = Terminal(100, 30, scrollback_limit=6 * STD_PAGE_BYTES)
            flood(terminal, log_lines(12_000))
            pl = terminal.primary.pages
            snapshots.append(([(p.serial, p.is_cold, p.rows_used) for p in pl.pages()], pl.frozen_total,
                              pl.reused, pl.prunes, pl.pool.in_use, terminal.history_text()))
            terminal.close()
        finally:
            cold._freezer = saved
    assert snapshots[0] == snapshots[1]


def test_a_page_the_view_reaches_while_it_is_being_frozen_stays_hot():
    pl = PageList(80, 10, limit_bytes=3 * STD_PAGE_BYTES, preheat=0)
    rows = pl.std_capacity.rows
    while pl.page_count < 3:
        pl.grow()
    first = pl.first
    first.write_text(0, 0, "the oldest row", 0)
    assert id(first) in pl._freezing          # handed to the freezer as soon as it was history
    pl.scroll_viewport(-pl.total_rows)       # the view is on the oldest page now
    for _ in range(FREEZE_LAG * rows + rows):
        pl.grow()
    assert not pl._freezing or id(first) not in pl._freezing
    # Still the list's first page, hot, where the view is (not a cold twin, nor reused as a new page).
    assert pl.first is first and not first.is_cold and pl.viewport.page is first
    assert first.row_text(0).rstrip() == "the oldest row"
    pl.check()
    assert_os_truth(pl)
    pl.close()


def test_erasing_history_while_pages_are_being_frozen_releases_everything():
    terminal = Terminal(100, 40, scrollback_limit=4 * STD_PAGE_BYTES)
    flood(terminal, log_lines(8_000))
    pl = terminal.primary.pages
    fds = open_fds()
    flood(terminal, b"\x1b[3J")
    pl.check()
    assert pl.cold_pages == 0 and not pl._freezing and pl.history_rows() == 0
    assert open_fds() <= fds
    assert_os_truth(pl)
    terminal.close()
    assert memory.os_tagged_bytes(owner=pl.owner) in (None, 0)


def test_closing_a_pane_mid_flood_cancels_its_jobs_and_leaves_nothing_mapped():
    fds = open_fds()
    terminal = Terminal(100, 40, scrollback_limit=4 * STD_PAGE_BYTES)
    flood(terminal, log_lines(8_000))
    pl = terminal.primary.pages
    terminal.close()
    assert memory.os_tagged_bytes(owner=pl.owner) in (None, 0)
    assert open_fds() == fds


def test_the_idle_tick_installs_only_what_is_finished_and_never_waits():
    class StillBusy(cold.Freezer):
        """An inline freezer whose results are 'not finished yet' unless waited for."""
        def collect(self, owner, count, wait=True):
            return super().collect(owner, count, wait) if wait else []

    saved = cold._freezer
    cold._freezer = StillBusy(None)
    try:
        terminal = Terminal(100, 40, scrollback_limit=4 * STD_PAGE_BYTES)
        flood(terminal, log_lines(6_000))
        pl = terminal.primary.pages
        handed = len(pl._freezing)
        assert handed
        pl.maintain(now=1e12, budget_s=60)      # the server's tick: nothing finished, so nothing is waited for
        assert len(pl._freezing) == handed and not pl._spares
        pl.check()
        pl.settle()                             # a structural operation's wait installs them
        assert not pl._freezing
        pl.check()
        assert_os_truth(pl)
        terminal.close()
    finally:
        cold._freezer = saved
