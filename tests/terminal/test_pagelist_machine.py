"""Hypothesis state machine over the page memory model.

Random sequences of row writes, styles, graphemes, hyperlinks, growth past the limit, oversized pages, erase,
resize, limit changes, freezing idle pages, thawing, reading cold pages through the scratch page, corrupting a cold
page, and close. After every step: accounted bytes == OS-tagged bytes (per kind, for this
PageList), no page is both in the list and in the pool, a mapping's ownership never changes, and row and byte
counts are consistent (PageList.check)."""

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from mux.terminal import memory
from mux.terminal.memory import Ownership
from mux.terminal.page import STD_PAGE_BYTES, PageOverflow
from mux.terminal.pagelist import PageList
from mux.terminal.styles import COLOR_PALETTE, COLOR_RGB

texts = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=40)
extras = st.sampled_from(["\u0301", "\u200d\U0001F525", "\U0001F3FD", "\ufe0f", "\u200d\u2640\ufe0f"])


def with_growth(pl: PageList, page, op):
    """Run op(page); on overflow replace the page by a bigger one and retry (what the Screen does)."""
    while True:
        try:
            return op(page)
        except PageOverflow as overflow:
            try:
                page = pl.adjust_capacity(page, overflow.dimension)
            except PageOverflow:
                return None


class PageMemory(RuleBasedStateMachine):
    @initialize(cols=st.integers(2, 120), rows=st.integers(1, 40),
                limit_pages=st.integers(0, 6), preheat=st.integers(0, 4))
    def start(self, cols, rows, limit_pages, preheat):
        self.now = 0.0
        self.pl = PageList(cols, rows, limit_bytes=limit_pages * STD_PAGE_BYTES, preheat=preheat, max_free=4,
                           clock=lambda: self.now)
        self.ownership: dict[int, tuple[object, Ownership]] = {}
        self.closed = False
        self.thawed = None        # the page the last step thawed: not pruned under its reader until the next growth

    def _active(self, y: int):
        locs = self.pl.active_locations()
        return locs[y % len(locs)]

    @precondition(lambda self: not self.closed)
    @rule(y=st.integers(0, 100), col=st.integers(0, 200), text=texts, color=st.integers(0, 300))
    def write_row(self, y, col, text, color):
        pl = self.pl
        page, r = self._active(y)
        col %= pl.cols
        text = text[: pl.cols - col]
        style = (COLOR_PALETTE | color, 0, 0, 0) if color < 256 else (COLOR_RGB | color * 977, 0, 0, 1)

        def write(p):
            p.write_text(r, col, text, p.intern_style(style))
        with_growth(pl, page, write)

    @precondition(lambda self: not self.closed)
    @rule(y=st.integers(0, 100), col=st.integers(0, 200), extra=extras, count=st.integers(1, 400))
    def write_graphemes(self, y, col, extra, count):
        pl = self.pl
        page, r = self._active(y)
        for k in range(count):
            c = (col + k) % pl.cols

            def put(p, c=c, r=r):
                p.set_grapheme(r, c, extra)
            with_growth(pl, page, put)
            page, r = self._active(y)

    @precondition(lambda self: not self.closed)
    @rule(y=st.integers(0, 100), n=st.integers(1, 30), uniq=st.integers(0, 10**6))
    def write_hyperlinks(self, y, n, uniq):
        pl = self.pl
        for k in range(n):
            page, r = self._active(y + k)

            def link(p, k=k, r=r):
                idx = p.intern_hyperlink(f"id{uniq + k}", f"https://example.com/{uniq + k}")
                p.set_hyperlink(r, 0, min(3, pl.cols), idx)
            with_growth(pl, page, link)

    @precondition(lambda self: not self.closed)
    @rule(n=st.integers(1, 1500))
    def grow(self, n):
        self.thawed = None
        for _ in range(n):
            self.pl.grow()

    @precondition(lambda self: not self.closed)
    @rule(dim=st.sampled_from(["styles", "grapheme_bytes", "string_bytes", "hyperlinks"]))
    def oversize_head(self, dim):
        try:
            self.pl.adjust_capacity(self.pl.first, dim)
        except PageOverflow:
            pass        # the head is already as big as a page may be: it stays as it is (the invariants still hold)

    @precondition(lambda self: not self.closed)
    @rule()
    def erase_history(self):
        self.pl.erase_history()

    @precondition(lambda self: not self.closed)
    @rule(cols=st.integers(1, 120), rows=st.integers(1, 40), y=st.integers(0, 100), x=st.integers(0, 200))
    def resize(self, cols, rows, y, x):
        page, r = self._active(y)
        cursor = self.pl.track(page, r, x % self.pl.cols)
        self.pl.resize(cols, rows, cursor=cursor)
        self.pl.untrack(cursor)

    @precondition(lambda self: not self.closed)
    @rule(limit_pages=st.integers(0, 6), lines=st.one_of(st.none(), st.integers(0, 3000)))
    def set_limits(self, limit_pages, lines):
        self.pl.set_limits(limit_bytes=limit_pages * STD_PAGE_BYTES, limit_lines=lines)

    @precondition(lambda self: not self.closed)
    @rule(delta=st.integers(-5000, 5000))
    def scroll(self, delta):
        self.pl.scroll_viewport(delta)

    def _texts(self):
        return [page.row_text(r) for page, r in self.pl.scan(0, self.pl.total_rows)]

    @precondition(lambda self: not self.closed)
    @rule(seconds=st.floats(0, 3))
    def idle(self, seconds):
        """Time passes with no output: idle history pages freeze, and no row changes."""
        before = self._texts()
        self.now += seconds
        self.pl.maintain(budget_s=60.0)
        assert self._texts() == before

    @precondition(lambda self: not self.closed and self.pl.cold_pages)
    @rule(k=st.integers(0, 10_000))
    def thaw(self, k):
        pl = self.pl
        before = self._texts()
        cold = [page for page in pl.pages() if page.is_cold]
        self.thawed = cold[k % len(cold)]
        pl.thaw(self.thawed)
        after = self._texts()
        # Rows never change; when the hot page passes the limit, the oldest pages make room for it.
        assert after == before[len(before) - len(after):]

    @precondition(lambda self: not self.closed and self.pl.cold_pages)
    @rule()
    def read_through_scratch(self):
        """A pass over all history reads cold pages without thawing any, or mapping a pool page."""
        pl = self.pl
        cold, thawed, in_use = pl.cold_pages, pl.thawed_total, pl.pool.in_use
        assert len(self._texts()) == pl.total_rows
        assert (pl.cold_pages, pl.thawed_total, pl.pool.in_use) == (cold, thawed, in_use)
        assert 0 < pl.scratch_bytes

    @precondition(lambda self: not self.closed and self.pl.cold_pages)
    @rule(k=st.integers(0, 10_000), bit=st.integers(0, 7))
    def corrupt_cold_page(self, k, bit):
        """A flipped bit in a cold page is caught: its rows come back blank and are counted, nothing else moves."""
        pl = self.pl
        cold = [page for page in pl.pages() if page.is_cold]
        page = cold[k % len(cold)]
        before = self._texts()
        buf = page.mapping.buffer
        buf[k % 64] ^= 1 << bit          # within the header and the start of the payload
        lost = pl.cold_lost
        self.thawed = page
        pl.thaw(page)
        assert pl.cold_lost == lost + 1
        after = self._texts()
        before = before[len(before) - len(after):]      # the oldest pages may make room for the page thawed
        assert all(a == b or not a.strip() for a, b in zip(after, before, strict=True))

    @precondition(lambda self: not self.closed)
    @rule()
    def close(self):
        self.pl.close()
        self.closed = True
        assert memory.os_tagged_bytes(owner=self.pl.owner) in (None, 0)

    @precondition(lambda self: self.closed)
    @rule()
    def close_again(self):
        self.pl.close()          # idempotent: nothing left to release
        assert self.pl.bytes == 0

    @invariant()
    def memory_is_honest(self):
        pl = self.pl
        if self.closed:
            assert pl.bytes == 0 and pl.pool.capacity == 0
            return
        pl.check()
        tagged = memory.os_tagged_bytes(owner=pl.owner)
        if tagged is not None:
            assert tagged == pl.mapped_bytes()
            assert memory.os_tagged_bytes(Ownership.DIRECT, owner=pl.owner) == pl.oversized_bytes + pl.scratch_bytes
            assert memory.os_tagged_bytes(Ownership.COLD, owner=pl.owner) == pl.cold_bytes
        for page in pl.pages():
            seen = self.ownership.setdefault(id(page.mapping), (page.mapping, page.ownership))
            if seen[0] is page.mapping:
                assert seen[1] is page.ownership, "ownership changed"
            else:
                self.ownership[id(page.mapping)] = (page.mapping, page.ownership)
        # Bounded: over the byte limit only while no history page can be pruned, or while the only one that could
        # is the page just thawed for a reader (pruned at the next growth).
        assert pl.counted_bytes() <= pl.max_bytes() or not pl.head_prunable() \
            or pl.first is self.thawed and pl.prune_pending
        if pl.limit_lines is not None:
            assert pl.history_rows() <= pl.limit_lines or not pl.head_prunable()

    def teardown(self):
        if not self.closed:
            self.pl.close()
            assert memory.os_tagged_bytes(owner=self.pl.owner) in (None, 0)


PageMemory.TestCase.settings = settings(max_examples=120, stateful_step_count=30, deadline=None)
TestPageMemory = PageMemory.TestCase


def test_growing_the_head_past_the_largest_page_leaves_memory_honest():
    """Found by the machine: doubling the style table until the page would pass the largest page size raises
    PageOverflow, and the page list, the OS mappings and the accounting stay as they were."""
    machine = PageMemory()
    machine.start(cols=109, limit_pages=0, rows=40, preheat=0)
    for dim in ["styles"] * 40 + ["grapheme_bytes", "hyperlinks"] * 10:
        machine.oversize_head(dim=dim)
        machine.memory_is_honest()
    machine.teardown()
