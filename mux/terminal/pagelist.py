"""A PageList: the doubly linked list of Pages holding one screen's scrollback and active area.

Owns: which pages exist and in what order, row growth, the scrollback limits and pruning, capacity growth of a
page (oversized pages), cold pages (when a page is frozen and thawed, the scratch page), erase/resize/reflow,
tracked pins (cursor, viewport, selection), and the memory stats.

The last `rows` rows of the list are the active area; everything above is history (scrollback).

Cold pages: a page entirely in history, outside the viewport, holding no pin and idle for `cold_after` seconds is
frozen by `maintain()` (the server calls it between reads) into a cold page: its bytes compressed into a
`mux-cold.<owner>` mapping (cold.py), its hot mapping released by the usual rules. When growth would pass the byte
limit (from FREEZE_AHEAD_PAGES before it), every eligible history page is handed to the process's cold.Freezer,
idle or not, before anything is pruned: on a worker thread where the compiled module has one, so that a flood is
parsed on one core and compressed on the other. A page handed over stays hot, in the list and counted until its
cold mapping is installed, FREEZE_LAG growths later (waiting for it only then, or when the room is needed now):
what goes cold and when depends only on the output, never on the thread's speed. A result for a page that a pin or
the viewport has reached meanwhile, or that has left the list, is dropped. A standard page installed during growth
is replaced in the list by a cold twin and the hot page itself, its pool mapping and views, is zeroed and reused as
the new page, as pruning reuses a page, with no trip through the pool, no faults and no new views (a few are kept
as `_spares` for the next growths). Every operation that writes or releases history pages (erase, resize,
reflow, pruning such a page, close) first settles the freezer. `row_locations` and
`active_locations` hand out hot pages only (thawing what they reach: the viewport moving onto a cold page thaws
it); `scan` reads cold pages through one scratch page per list, so a pass over all history never thaws it.

Invariants (checked by `check()`, which the tests run after every step):
- The active area is always covered: total_rows >= rows.
- `bytes` == sum of the mapping sizes of the pages in the list; a pool page counts as a full standard page, a
  cold page as its compressed mapping. The scratch page is not in the list (it is in `mapped_bytes`).
- A cold page has no views, is entirely in history, and is never among the active area's pages.
- Every page in the list is open; none is also in the pool's free list.
- A page's ownership is fixed when it is mapped, and release looks only at it: pool pages go back to the
  pool (or are reused in place by pruning), direct (oversized) pages are always unmapped, never reused.
- History bytes stay within max(limit_bytes, floor) and history rows within limit_lines when it is set, except
  that the pages holding the active area are never pruned, hot pages a viewport shows are not counted (looking
  at history never prunes it), and a page just thawed for a reader is pruned at the next growth, not under it.
- Pins never point into a released page: pruning moves them to the first row of the new head and marks them
  garbage.
- A page being compressed in the background is hot, in the list and entirely in history, and nothing writes it.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterator

from mux.terminal import cold
from mux.terminal.memory import Mapping, Ownership, round_to_pages
from mux.terminal.page import (
    CELL_SPACER_HEAD,
    CELL_WIDE,
    ROW_WRAP,
    ROW_WRAP_CONTINUATION,
    STD_PAGE_BYTES,
    Capacity,
    Page,
    PageOverflow,
)
from mux.terminal.pool import PagePool

DEFAULT_LIMIT_BYTES = 10_000_000
MAX_PAGE_BYTES = 64 * 1024 * 1024   # a page never grows past this; callers degrade (drop a cluster or link)
CHURN_WINDOW_S = 60.0
DEFAULT_COLD_AFTER_S = 1.0  # idle seconds before a history page may be frozen (None: never, but at the limit)
MAINTAIN_BUDGET_S = 0.002   # one maintain() call freezes pages for at most about this long
# A frozen page must save at least this share of its hot size, or it stays hot (random data barely compresses).
MIN_COLD_SAVING = 0.25
# Growth starts handing pages to the freezer while the list is this many standard pages short of its byte limit,
# so that their cold mappings are ready before the room is needed.
FREEZE_AHEAD_PAGES = 4
FREEZE_LAG = 2            # growths a page's freezing is given before its result is waited for
INSTALLS_PER_GROWTH = 1   # results installed per growth (more when the room is needed now)
SPARE_PAGES = 4    # standard pages kept hot, already frozen out of the list, for the next growths (see _collect)


class Pin:
    """A tracked reference to (page, row, col). Structural operations keep it valid."""

    __slots__ = ("page", "row", "col", "garbage")

    def __init__(self, page: Page, row: int, col: int = 0) -> None:
        self.page = page
        self.row = row
        self.col = col
        self.garbage = False

    def __repr__(self) -> str:
        return f"<Pin page#{self.page.serial} row={self.row} col={self.col}{' garbage' if self.garbage else ''}>"


class _Churn:
    """Oversized allocations + frees in the last minute, kept as per-second buckets (bounded memory)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._buckets: deque[list[float]] = deque()

    def tick(self) -> None:
        now = self._clock()
        sec = float(int(now))
        if self._buckets and self._buckets[-1][0] == sec:
            self._buckets[-1][1] += 1
        else:
            self._buckets.append([sec, 1])
        self._trim(now)

    def _trim(self, now: float) -> None:
        while self._buckets and self._buckets[0][0] <= now - CHURN_WINDOW_S:
            self._buckets.popleft()

    def per_minute(self) -> int:
        self._trim(self._clock())
        return int(sum(count for _, count in self._buckets))


class PageList:
    _owner_serial = 0

    def __init__(self, cols: int, rows: int, *, limit_bytes: int = DEFAULT_LIMIT_BYTES,
                 limit_lines: int | None = None, preheat: int = 4, max_free: int = 8,
                 clock: Callable[[], float] = time.monotonic, cold_after: float | None = DEFAULT_COLD_AFTER_S,
                 compress: bool = True, codec: int = cold.DEFAULT_CODEC) -> None:
        if cols < 1 or rows < 1:
            raise ValueError("a PageList needs at least one column and one row")
        PageList._owner_serial += 1
        self._owner_key = PageList._owner_serial        # this list's jobs in the background worker
        self.owner = f"p{PageList._owner_serial}"
        self.cols = cols
        self.rows = rows
        self.std_capacity = Capacity.standard(cols)
        self.pool = PagePool(STD_PAGE_BYTES, preheat=preheat, max_free=max_free, owner=self.owner)
        self.first: Page | None = None
        self.last: Page | None = None
        self.page_count = 0
        self.total_rows = 0
        self.bytes = 0
        self.peak_bytes = 0
        self.limit_bytes = limit_bytes
        self.limit_lines = limit_lines
        self.prunes = 0
        self.reused = 0
        self.oversized_live = 0
        self.oversized_bytes = 0
        self.oversized_allocated = 0
        self.oversized_freed = 0
        self._churn = _Churn(clock)
        self._clock = clock
        self.compress = compress          # False: no page ever goes cold (pruning alone keeps the limit)
        self.cold_after = cold_after
        self.codec = codec
        self.cold_pages = 0
        self.cold_bytes = 0               # mapping bytes of cold pages (part of `bytes`)
        self.cold_raw_bytes = 0           # hot bytes the cold pages stand for
        self.frozen_total = 0
        self.thawed_total = 0
        self.cold_lost = 0                # cold pages found damaged: their rows came back blank
        # id(page) -> (page, growth it was handed over at), in the order handed to the freezer
        self._freezing: dict[int, tuple[Page, int]] = {}
        self._growths = 0                        # growths that asked for room (see _freeze_in_background)
        self._spares: list[Page] = []            # hot pages frozen for reuse by the next growths (in `bytes`)
        self._scratch: Page | None = None
        self._scratch_holds: tuple[Page, Mapping] | None = None     # the cold page the scratch page stands for
        self._serial = 0
        self.pins: set[Pin] = set()
        self.viewport: Pin | None = None   # None: the view follows the active area
        self.closed = False
        self._reflowing = False
        self.prune_pending = False     # over a limit with no prunable head: grow() retries once the head can go
        self.set_limits(limit_bytes, limit_lines)
        for _ in range(rows):
            self.grow()

    # ------------------------------------------------------------------ allocation and release

    def _map_hot(self, capacity: Capacity) -> Mapping:
        """A zeroed mapping for a hot page of `capacity`: from the pool for standard sizes, else mapped directly."""
        size = capacity.size
        if size <= STD_PAGE_BYTES:
            return self.pool.take()
        mapping = Mapping(size, Ownership.DIRECT, self.owner)
        self.oversized_live += 1
        self.oversized_bytes += size
        self.oversized_allocated += 1
        self._churn.tick()
        return mapping

    def _map_page(self, capacity: Capacity) -> Page:
        """A new empty page."""
        mapping = self._map_hot(capacity)
        self._serial += 1
        return Page(mapping, capacity, self._serial)

    def _account_added(self, page: Page) -> None:
        self.page_count += 1
        self._add_bytes(page.mapping.size)

    def _add_bytes(self, size: int) -> None:
        self.bytes += size
        if self.bytes > self.peak_bytes:
            self.peak_bytes = self.bytes

    def _release(self, page: Page) -> None:
        """Give a page's memory back. The page must already be unlinked."""
        if id(page) in self._freezing:
            self.settle()         # the worker reads the page's mapping until its job is collected
        page.release_views()
        self.page_count -= 1
        if page.is_cold:
            self.cold_raw_bytes -= page.capacity.size
        self._release_mapping(page.mapping)

    def _release_mapping(self, mapping: Mapping) -> None:
        """Give one mapping of the list back. Ownership alone decides how: pool mappings return to the pool,
        direct (oversized) and cold mappings are unmapped."""
        self.bytes -= mapping.size
        if mapping.ownership is Ownership.POOL:
            self.pool.put(mapping)
            return
        if mapping.ownership is Ownership.COLD:
            self.cold_pages -= 1
            self.cold_bytes -= mapping.size
        else:
            self.oversized_live -= 1
            self.oversized_bytes -= mapping.size
            self.oversized_freed += 1
            self._churn.tick()
        mapping.close()

    # ------------------------------------------------------------------ cold pages

    def freeze(self, page: Page) -> bool:
        """Compress a hot history page into a cold one now (see the module docstring for who may be frozen). False,
        and the page stays hot, when compressing would not save MIN_COLD_SAVING of it."""
        if id(page) in self._freezing:
            self.settle()
            return page.is_cold
        cold_mapping = self._cold_mapping(page)
        if cold_mapping is None:
            return False
        self._install_cold(page, cold_mapping, reuse=False)
        return True

    def _install_cold(self, page: Page, cold_mapping: Mapping, reuse: bool) -> Page | None:
        """Make `page` cold with `cold_mapping`. With `reuse` (a standard pool page), a cold twin takes its place
        and the page itself is returned, unlinked and no longer counted, with its pool mapping and views, for the
        caller to reinit as its new page; else its hot mapping is released."""
        self.bytes += cold_mapping.size      # the peak is not raised: the bigger hot mapping is given back next
        self.cold_pages += 1
        self.cold_bytes += cold_mapping.size
        self.cold_raw_bytes += page.capacity.size
        self.frozen_total += 1
        if not reuse:
            self._release_mapping(page.go_cold(cold_mapping))
            return None
        self._replace(page, page.cold_twin(cold_mapping))
        self.bytes -= page.mapping.size
        return page

    def _reusable(self, page: Page) -> bool:
        return page.ownership is Ownership.POOL and page.capacity == self.std_capacity

    def _cold_mapping(self, page: Page) -> Mapping | None:
        """A cold mapping holding `page`'s compressed bytes, or None (and the page is marked incompressible) if it
        would not save MIN_COLD_SAVING of the hot mapping."""
        assert not page.is_cold
        blob = cold.encode(page.mapping.buffer[:page.capacity.size], page.capacity.plane_ends, self.codec)
        if round_to_pages(len(blob)) > self._cold_max_bytes(page):
            page.idle_since = math.inf       # not worth it; tried again only after the page is thawed or reused
            return None
        return cold.blob_mapping(blob, self.owner)

    @staticmethod
    def _cold_max_bytes(page: Page) -> int:
        """The largest cold mapping worth having for `page` (it must save MIN_COLD_SAVING of the hot one)."""
        return int(page.mapping.size * (1 - MIN_COLD_SAVING))

    # ------------------------------------------------------------------ freezing in the background

    def _submit(self, freezer: cold.Freezer, page: Page) -> None:
        freezer.submit(self._owner_key, id(page), page.mapping.buffer[:page.capacity.size],
                       page.capacity.plane_ends, self.codec, self._cold_max_bytes(page), self.owner)
        self._freezing[id(page)] = (page, self._growths)

    def _collect(self, freezer: cold.Freezer, count: int, want_spare: bool, growing: bool = True,
                 wait: bool = True) -> Page | None:
        """Install the `count` oldest results (with `wait`, waiting for them; else those finished). A page that a
        pin or the view reached meanwhile, or that left the list, stays hot. While `growing`, a standard pool page
        is installed for reuse: the first as the returned spare (with `want_spare`), the next into `_spares` while
        there is room for them (two finished at once is common, and a page through the pool gives its memory back,
        to be faulted in again a moment later)."""
        spare = None
        results = freezer.collect(self._owner_key, count, wait)
        shown = self._shown_pages() if results else set()
        for job, cold_mapping in results:
            page, _ = self._freezing.pop(job)
            if cold_mapping is None:
                page.idle_since = math.inf       # not worth it (see _cold_mapping)
                continue
            if not (page.prev is not None or self.first is page) or id(page) in shown:
                cold_mapping.close()
                page.idle_since = self._clock()
                continue
            if not growing or not self._reusable(page):
                self._install_cold(page, cold_mapping, reuse=False)
            elif want_spare and spare is None:
                spare = self._install_cold(page, cold_mapping, reuse=True)
            elif len(self._spares) < SPARE_PAGES and self.bytes + STD_PAGE_BYTES <= self.max_bytes():
                self._spares.append(self._install_cold(page, cold_mapping, reuse=True))
                self.bytes += STD_PAGE_BYTES
            else:
                self._install_cold(page, cold_mapping, reuse=False)
        return spare

    def _freeze_in_background(self, freezer: cold.Freezer) -> Page | None:
        """At growth near the byte limit: hand every eligible history page to the freezer, and install the results
        of pages handed over FREEZE_LAG growths ago or earlier, at most INSTALLS_PER_GROWTH at a time (more only
        when the room is needed now). What is installed, and when, depends only on what was written, never on the
        worker's speed; the worker has a growth's worth of parsing to finish each page in."""
        self._growths += 1
        spare = None
        if self._spares:
            spare = self._spares.pop()
            self.bytes -= STD_PAGE_BYTES
        due = 0
        for _, submitted in self._freezing.values():
            if due == INSTALLS_PER_GROWTH or submitted > self._growths - FREEZE_LAG:
                break
            due += 1
        if due:
            spare = self._collect(freezer, due, want_spare=spare is None) or spare
        shown = self._shown_pages()
        for page in reversed(list(self._hot_history())):      # oldest first, as maintain
            if id(page) not in shown and page.idle_since != math.inf and id(page) not in self._freezing:
                self._submit(freezer, page)
        while self._freezing and self.bytes + STD_PAGE_BYTES > self.max_bytes():
            spare = self._collect(freezer, 1, want_spare=spare is None) or spare
        return spare

    def settle(self, wait: bool = True) -> None:
        """Install every page handed to the freezer (see _collect) and give the spare pages back to the pool.
        Afterwards nothing reads this list's pages in the background. Without `wait`, only the pages the freezer
        has finished are installed (the others stay handed over)."""
        if self._freezing:
            self._collect(cold.freezer(), len(self._freezing), want_spare=False, growing=False, wait=wait)
        while self._spares:
            page = self._spares.pop()
            page.release_views()
            self._release_mapping(page.mapping)

    def thaw(self, page: Page) -> None:
        """Make a cold page hot again (in a pool page when its capacity is standard). Damaged compressed bytes
        are lost history: the page comes back as blank rows and `cold_lost` counts it."""
        assert page.is_cold
        mapping = self._map_hot(page.capacity)
        try:
            cold.decode_into(page.mapping.buffer, mapping.buffer)
            lost = False
        except cold.ColdCorrupt:
            lost = True
        self.cold_raw_bytes -= page.capacity.size
        self._release_mapping(page.go_hot(mapping))
        if lost:
            page.reset_blank(page.rows_used)
            self.cold_lost += 1
        self._add_bytes(mapping.size)
        self.thawed_total += 1
        page.idle_since = self._clock()
        if self.bytes > self.max_bytes():
            self._enforce_limits(extra_bytes=0, keep=page)

    def _read_cold(self, page: Page) -> Page:
        """A read-only stand-in for cold `page`: its content restored into the scratch page (valid until the next
        call). A damaged page is thawed instead, which blanks and counts it."""
        scratch = self._scratch
        if self._scratch_holds == (page, page.mapping):
            return scratch          # already restored (a cold page's bytes never change while it is cold)
        size = page.capacity.size
        if scratch is None or scratch.mapping.size < size:
            self._drop_scratch()
            scratch = self._scratch = Page(Mapping(round_to_pages(size), Ownership.DIRECT, self.owner),
                                           page.capacity)
        try:
            cold.decode_into(page.mapping.buffer, scratch.mapping.buffer)
        except cold.ColdCorrupt:
            self.thaw(page)
            return page
        scratch.load_from(page, page.capacity)
        self._scratch_holds = (page, page.mapping)
        return scratch

    def _drop_scratch(self) -> None:
        self._scratch_holds = None
        if self._scratch is not None:
            self._scratch.release_views()
            self._scratch.mapping.close()
            self._scratch = None

    @property
    def scratch_bytes(self) -> int:
        return self._scratch.mapping.size if self._scratch is not None else 0

    def _hot_history(self) -> Iterator[Page]:
        """Hot pages entirely in history, newest first; stops once every hot page has been seen."""
        page = self.last
        below = 0
        hot_left = self.page_count - self.cold_pages
        while page is not None and below < self.rows:
            below += page.rows_used
            hot_left -= not page.is_cold
            page = page.prev
        while page is not None and hot_left > 0:
            if not page.is_cold:
                hot_left -= 1
                yield page
            page = page.prev

    def _shown_pages(self) -> set[int]:
        """ids of the pages a pin or the viewport holds (the viewport's pages: as many rows as the screen has)."""
        shown = {id(pin.page) for pin in self.pins}
        view = self.viewport
        if view is not None:
            page, need = view.page, self.rows + view.row
            while page is not None and need > 0:
                shown.add(id(page))
                need -= page.rows_used
                page = page.next
        return shown

    def counted_bytes(self) -> int:
        """The bytes the byte limit counts: all of `bytes` but hot history pages a viewport shows."""
        if self.viewport is None:
            return self.bytes
        shown = self._shown_pages()
        return self.bytes - sum(page.mapping.size for page in self._hot_history() if id(page) in shown)

    def maintain(self, now: float | None = None, budget_s: float = MAINTAIN_BUDGET_S) -> int:
        """Freeze the history pages idle for `cold_after` seconds, for about `budget_s` at most (one page always
        gets its turn). Returns how many were frozen; the caller calls again later for the rest."""
        if self.closed:
            return 0
        # What growth left with the freezer, as far as it is done (never waiting for it: the server calls this
        # between reads); idle now, so the spares' memory goes back.
        self.settle(wait=False)
        if not self.compress or self.cold_after is None:
            return 0
        now = self._clock() if now is None else now
        start = time.perf_counter()
        shown = self._shown_pages()
        candidates = []
        for page in self._hot_history():
            if page.idle_since == 0.0:
                page.idle_since = now        # first seen in history: idle from now on
            elif now - page.idle_since >= self.cold_after and id(page) not in shown:
                candidates.append(page)
        frozen = 0
        for page in reversed(candidates):   # oldest first: the next to be pruned, so kept longest
            if id(page) in self._freezing:
                continue
            frozen += self.freeze(page)
            if time.perf_counter() - start >= budget_s:
                break
        return frozen

    def _freeze_for_room(self, keep: Page | None = None) -> None:
        """Over the byte limit outside growth (a thaw, a grown page, new limits): freeze every eligible history page
        (but `keep`) now, idle or not. All of them, not just enough: each page would reach the limit again a moment
        later, and a page is frozen once either way."""
        shown = self._shown_pages()
        if keep is not None:
            shown.add(id(keep))
        for page in reversed(list(self._hot_history())):      # oldest first, as maintain
            if id(page) not in shown and page.idle_since != math.inf and id(page) not in self._freezing:
                self.freeze(page)

    def _append(self, page: Page) -> None:
        page.prev = self.last
        page.next = None
        if self.last is None:
            self.first = page
        else:
            self.last.next = page
        self.last = page
        self._account_added(page)

    def _replace(self, page: Page, new: Page) -> None:
        """Put `new` where `page` is in the list (counts and pins are the caller's)."""
        new.prev, new.next = page.prev, page.next
        if page.prev is None:
            self.first = new
        else:
            page.prev.next = new
        if page.next is None:
            self.last = new
        else:
            page.next.prev = new
        page.prev = page.next = None

    def _unlink(self, page: Page) -> None:
        if page.prev is None:
            self.first = page.next
        else:
            page.prev.next = page.next
        if page.next is None:
            self.last = page.prev
        else:
            page.next.prev = page.prev
        page.prev = page.next = None

    # ------------------------------------------------------------------ limits

    @property
    def min_bytes(self) -> int:
        """The floor of the byte limit: the pages the active area can straddle, plus one."""
        per_page = self.std_capacity.rows
        return (-(-self.rows // per_page) + 2) * STD_PAGE_BYTES

    def max_bytes(self) -> int:
        return max(self.limit_bytes, self.min_bytes)

    def set_limits(self, limit_bytes: int | None = None, limit_lines: int | None = -1) -> None:
        """Change the limits at run time (limit_lines=None removes the lines limit; -1 keeps it)."""
        if limit_bytes is not None:
            if limit_bytes < 0:
                raise ValueError("the scrollback byte limit cannot be negative")
            self.limit_bytes = limit_bytes
        if limit_lines is None or limit_lines >= 0:
            self.limit_lines = limit_lines
        if self.first is not None:
            self._enforce_limits(extra_bytes=0)

    def head_prunable(self) -> bool:
        """The oldest page could go: it is not the last one and holds no row of the active area."""
        first = self.first
        return first is not None and first is not self.last and self.total_rows - first.rows_used >= self.rows

    def _over_limits(self, extra_bytes: int) -> bool:
        if self.bytes + extra_bytes > self.max_bytes() and self.counted_bytes() + extra_bytes > self.max_bytes():
            return True
        lines = self.limit_lines
        return lines is not None and self.total_rows - self.rows > lines

    def _enforce_limits(self, extra_bytes: int, keep: Page | None = None) -> None:
        """Prune (after freezing what may be frozen, except `keep`) until within the limits."""
        if self._spares and self._over_limits(extra_bytes):
            self.settle()
        if self.compress and self.bytes + extra_bytes > self.max_bytes():
            self._freeze_for_room(keep)
        while self._over_limits(extra_bytes) and self.head_prunable() and self.first is not keep:
            head = self._pop_head()
            self._release(head)
        self.prune_pending = self._over_limits(extra_bytes)

    def _pop_head(self) -> Page:
        """Unlink the oldest page, fixing rows and pins. The caller releases or reuses it."""
        if id(self.first) in self._freezing:
            self.settle()
        head = self.first
        assert head is not None and head.next is not None
        self._unlink(head)
        self.total_rows -= head.rows_used
        self.prunes += 1
        new_first = self.first
        for pin in self.pins:
            if pin.page is head:
                pin.page, pin.row, pin.col, pin.garbage = new_first, 0, 0, True
        return head

    # ------------------------------------------------------------------ growth

    def grow(self) -> tuple[Page, int]:
        """Add one blank row at the bottom (the active area scrolls by one). Returns where the row lives.

        Its first branch (room in the last page, nothing pending, no line limit reached) is the common case; the
        compiled hot path does exactly that itself and calls grow() for everything else."""
        last = self.last
        if last is not None and last.rows_used < last.capacity.rows:
            r = last.rows_used
            last.rows_used = r + 1
            self.total_rows += 1
            # Also when an earlier check found the list over a limit with only active pages to prune (an oversized
            # page on screen): the row just added may have moved that page into history.
            if self.prune_pending or self.limit_lines is not None and self.total_rows - self.rows > self.limit_lines:
                self._enforce_limits(extra_bytes=0)
            return last, r
        spare = None
        if self.compress and (self.cold_pages or self._freezing
                              or self.bytes + (1 + FREEZE_AHEAD_PAGES) * STD_PAGE_BYTES > self.max_bytes()):
            # Keep history by freezing before pruning any. Once the list has been at its limit, each page is
            # frozen as soon as it is history: it would reach the limit again a moment later anyway.
            spare = self._freeze_in_background(cold.freezer())
        if self._spares and self._over_limits(STD_PAGE_BYTES):
            self.settle()             # the spares go before any history is pruned
        if self._over_limits(STD_PAGE_BYTES) and self.head_prunable():
            head = self._pop_head()
            if spare is None and head.ownership is Ownership.POOL:
                # Reuse in place: the pruned page becomes the newest page. No new mapping.
                self.bytes -= head.mapping.size
                self.page_count -= 1
                self.reused += 1
                spare = head
            else:
                # An oversized or cold page is never reused (unmapped), nor one more pool page than needed.
                self._release(head)
            self._enforce_limits(extra_bytes=STD_PAGE_BYTES)
        if spare is not None:
            self._serial += 1
            spare.serial = self._serial
            spare.reinit(self.std_capacity)
            page = spare
        else:
            page = self._map_page(self.std_capacity)
        self._append(page)
        page.rows_used = 1
        self.total_rows += 1
        if self._over_limits(0):
            self._enforce_limits(extra_bytes=0)     # the new row may have moved the head out of the active area
        return page, 0

    def adjust_capacity(self, page: Page, dimension: str) -> Page:
        """Replace `page` by a copy whose `dimension` is at least doubled, and sized for what the page's usage so
        far projects (an oversized page, mapped directly)."""
        if page.is_cold:
            self.thaw(page)
        elif id(page) in self._freezing:
            self.settle()
            if page.is_cold:
                self.thaw(page)
        capacity = page.capacity.grown(dimension, page.projected_need(dimension))
        while True:
            if capacity.size > MAX_PAGE_BYTES:
                raise PageOverflow(dimension)
            new = self._map_page(capacity)
            try:
                new.clone_from(page)
                break
            except PageOverflow as overflow:
                self._release_unlinked_new(new)
                capacity = capacity.grown(overflow.dimension)
        self._replace(page, new)
        self._account_added(new)
        for pin in self.pins:
            if pin.page is page:
                pin.page = new
        self._release(page)
        # The list may now be over its byte limit; history pages go (never a page of the active area, and
        # so never `new` when the caller writes to the screen). Not mid-reflow: pins are placed only at its end.
        if not self._reflowing:
            self._enforce_limits(extra_bytes=0)
        return new

    def _release_unlinked_new(self, page: Page) -> None:
        self.page_count += 1
        self.bytes += page.mapping.size
        self._release(page)

    # ------------------------------------------------------------------ addressing

    def pages(self) -> Iterator[Page]:
        page = self.first
        while page is not None:
            yield page
            page = page.next

    def _seek(self, start: int) -> tuple[Page | None, int]:
        """The page holding absolute row `start` and the row's index in it."""
        page = self.first
        y = start
        while page is not None and y >= page.rows_used:
            y -= page.rows_used
            page = page.next
        return page, y

    def readable_pages(self) -> Iterator[Page]:
        """Every page in order, hot as it is, cold through the scratch page (valid until the next one is taken;
        the list must not change meanwhile): for checks and passes that read whole pages."""
        for page in self.pages():
            yield self._read_cold(page) if page.is_cold else page

    def row_locations(self, start: int, count: int) -> list[tuple[Page, int]]:
        """(page, row) of `count` rows from absolute row `start` (0 = oldest history row), in hot pages: a cold
        page among them is thawed (for a view of a few screens; a pass over history uses `scan`)."""
        out: list[tuple[Page, int]] = []
        page, y = self._seek(start)
        while page is not None and len(out) < count:
            if page.is_cold:
                self.thaw(page)
            take = min(page.rows_used - y, count - len(out))
            out.extend((page, r) for r in range(y, y + take))
            y = 0
            page = page.next
        return out

    def scan(self, start: int, count: int) -> Iterator[tuple[Page, int]]:
        """(page, row) of `count` rows from absolute row `start`, without thawing: a cold page is read through the
        scratch page, so each (page, row) is only valid until the next one is taken, and the list must not change
        while the scan runs."""
        page, y = self._seek(start)
        left = count
        while page is not None and left > 0:
            view = self._read_cold(page) if page.is_cold else page
            stop = min(page.rows_used, y + left)
            for r in range(y, stop):
                yield view, r
            left -= stop - y
            y = 0
            page = page.next

    def row_texts(self, start: int, count: int) -> list[str]:
        """The text of `count` rows from absolute row `start`, a page at a time, without thawing (see `scan`)."""
        out: list[str] = []
        page, y = self._seek(start)
        while page is not None and len(out) < count:
            view = self._read_cold(page) if page.is_cold else page
            stop = min(page.rows_used, y + count - len(out))
            out.extend(view.row_texts(y, stop))
            y = 0
            page = page.next
        return out

    def active_locations(self) -> list[tuple[Page, int]]:
        """(page, row) of every active-area row, top to bottom, found by walking back from the last page (a cold
        page the active area has grown back into is thawed)."""
        out: list[tuple[Page, int]] = []
        page = self.last
        need = self.rows
        while page is not None and need > 0:
            if page.is_cold:
                self.thaw(page)
            take = min(page.rows_used, need)
            out.extend((page, r) for r in range(page.rows_used - 1, page.rows_used - 1 - take, -1))
            need -= take
            page = page.prev
        out.reverse()
        return out

    def history_rows(self) -> int:
        return self.total_rows - self.rows

    def pin_absolute_row(self, pin: Pin) -> int:
        y = pin.row
        page = pin.page.prev
        while page is not None:
            y += page.rows_used
            page = page.prev
        return y

    def track(self, page: Page, row: int, col: int = 0) -> Pin:
        pin = Pin(page, row, col)
        self.pins.add(pin)
        return pin

    def untrack(self, pin: Pin) -> None:
        self.pins.discard(pin)

    # ------------------------------------------------------------------ erase

    def erase_history(self) -> None:
        """Drop every row above the active area (ED 3), releasing whole pages the normal way."""
        self.settle()
        history = self.total_rows - self.rows
        while history > 0 and self.first is not None and self.first.rows_used <= history \
                and self.first is not self.last:
            head = self._pop_head()
            self.prunes -= 1          # an erase is not a prune
            history -= head.rows_used
            self._release(head)
        if history > 0:
            page = self.first
            if page.is_cold:
                self.thaw(page)
            page.rotate_rows(0, page.rows_used - 1, history)
            self._truncate(page, page.rows_used - history)
            self.total_rows -= history
            for pin in self.pins:
                if pin.page is page:
                    if pin.row < history:
                        pin.row, pin.col, pin.garbage = 0, 0, True
                    else:
                        pin.row -= history
        if self.viewport is not None and self.viewport.garbage:
            self.scroll_to_active()

    def _truncate(self, page: Page, rows_used: int) -> None:
        """Drop rows at index >= rows_used, restoring the all-zero invariant of unused rows."""
        for r in range(rows_used, page.rows_used):
            page.clear_row(r)
            page.rflags[r] = 0
        page.rows_used = rows_used

    def remove_bottom_rows(self, n: int) -> None:
        """Delete the last n rows (used when the screen shrinks and the rows below the cursor are blank)."""
        self.settle()
        n = min(n, self.total_rows - 1)
        while n > 0:
            last = self.last
            take = min(n, last.rows_used)
            if take == last.rows_used and last is not self.first:
                self._unlink(last)
                self.total_rows -= take
                for pin in self.pins:
                    if pin.page is last:
                        prev = self.last
                        pin.page, pin.row, pin.garbage = prev, prev.rows_used - 1, True
                self._release(last)
            else:
                self._truncate(last, last.rows_used - take)
                self.total_rows -= take
                for pin in self.pins:
                    if pin.page is last and pin.row >= last.rows_used:
                        pin.row, pin.garbage = max(0, last.rows_used - 1), True
            n -= take
        self.active_locations()       # thaws any cold page the active area moved back onto

    # ------------------------------------------------------------------ viewport

    def scroll_viewport(self, delta: int) -> None:
        """Scroll the view by delta rows (negative = into history). Reaching the active area follows it."""
        top_active = self.total_rows - self.rows
        current = top_active if self.viewport is None else self.pin_absolute_row(self.viewport)
        target = max(0, min(top_active, current + delta))
        if target >= top_active:
            self.scroll_to_active()
            return
        page, row = self._seek(target)      # not thawed here: the view thaws what it shows once it is there
        if self.viewport is None:
            self.viewport = self.track(page, row)
        else:
            self.viewport.page, self.viewport.row, self.viewport.garbage = page, row, False
        self._prune_released()

    def scroll_to_active(self) -> None:
        if self.viewport is not None:
            self.untrack(self.viewport)
            self.viewport = None
            self._prune_released()

    def _prune_released(self) -> None:
        """The view moved: the history pages it showed, which the limit did not count, count again. If that puts
        the list over its limits, prune now, not at the next grow (an idle pane may never grow again)."""
        if not self._reflowing and self._over_limits(0):
            self._enforce_limits(extra_bytes=0)

    def viewport_top(self) -> int:
        """Absolute row at the top of the view."""
        if self.viewport is None:
            return self.total_rows - self.rows
        return self.pin_absolute_row(self.viewport)

    # ------------------------------------------------------------------ resize and reflow

    def resize(self, cols: int, rows: int, cursor: Pin | None = None) -> None:
        """Change the active area to cols x rows. A column change reflows soft-wrapped lines into new pages
        (old pages are released as they are consumed); rows changing moves lines between screen and history."""
        if cols < 1 or rows < 1:
            raise ValueError("a PageList needs at least one column and one row")
        self.settle()
        if cols != self.cols:
            self._reflowing = True
            try:
                self._reflow(cols, cursor)
            finally:
                self._reflowing = False
        self.rows = rows
        while self.total_rows < rows:
            self.grow()
        self._enforce_limits(extra_bytes=0)
        self.active_locations()       # thaws any cold page the active area grew back into

    def _reflow(self, cols: int, cursor: Pin | None) -> None:
        old_pages = list(self.pages())
        # Trailing blank rows below the cursor's logical line are not carried over (resize() re-adds blank rows
        # at the bottom), so narrowing does not push real content into history to keep empty rows on screen.
        stop = self._last_kept_row(_line_end(cursor.page, cursor.row)) if cursor is not None else None
        pins_by_row: dict[tuple[int, int], list[Pin]] = {}
        for pin in self.pins:
            pins_by_row.setdefault((id(pin.page), pin.row), []).append(pin)
        self.cols = cols
        self.std_capacity = Capacity.standard(cols)
        self.first = self.last = None
        self.total_rows = 0
        moved: dict[int, tuple[Page, int, int]] = {}
        writer = _ReflowWriter(self, pins_by_row, moved)
        line_start = True
        done = False
        for page in old_pages:
            # Rows are copied as they are read, and each old page is released once read, so a reflow needs about
            # one extra page; a cold page is read through the scratch page.
            if not done:
                view = self._read_cold(page) if page.is_cold else page
                for r in range(page.rows_used):
                    at_stop = stop is not None and stop[0] is page and stop[1] == r
                    line_end = at_stop or not view.rflags[r] & ROW_WRAP
                    writer.write_row(view, r, pins_by_row.get((id(page), r), ()), line_start, line_end)
                    line_start = line_end
                    if at_stop:
                        done = True
                        break
            self._release(page)
        for pin in self.pins:
            place = moved.get(id(pin))
            if place is None:
                pin.page, pin.row, pin.col, pin.garbage = self.last, self.last.rows_used - 1, 0, True
            else:
                pin.page, pin.row, pin.col = place
            if pin.page.is_cold:
                self.thaw(pin.page)

    def _last_kept_row(self, cursor_line_end: tuple[Page, int]) -> tuple[Page, int]:
        """The last row that holds anything, or the end of the cursor's line if that comes later."""
        page = self.last
        while page is not None:
            view = self._read_cold(page) if page.is_cold else page
            for r in range(page.rows_used - 1, -1, -1):
                if (page, r) == cursor_line_end or view.rflags[r] & (ROW_WRAP | ROW_WRAP_CONTINUATION) \
                        or view.content_length(r):
                    return page, r
            page = page.prev
        return cursor_line_end

    # ------------------------------------------------------------------ teardown, checks, stats

    def close(self) -> None:
        """Release every page and the pool. Afterwards this PageList holds no mapping at all."""
        if self.closed:
            return
        if self._freezing:
            cold.freezer().cancel(self._owner_key)
            self._freezing.clear()
        self.settle()
        page = self.first
        while page is not None:
            nxt = page.next
            page.prev = page.next = None
            self._release(page)
            page = nxt
        self.first = self.last = None
        self.total_rows = 0
        self.pins.clear()
        self.viewport = None
        self._drop_scratch()
        self.pool.close()
        self.closed = True

    def mapped_bytes(self) -> int:
        """Every byte this PageList has mapped: its pages, the pool's free list and the scratch page."""
        return self.bytes + self.pool.free_bytes + self.scratch_bytes

    def check(self) -> None:
        """Assert the structural invariants (used by tests after every operation)."""
        assert not self.closed
        seen_bytes = rows = count = colds = cold_bytes = cold_raw = 0
        prev = None
        free_ids = {id(m) for m in self.pool._free}
        for page in self.pages():
            assert page.prev is prev
            assert not page.mapping.closed
            assert id(page.mapping) not in free_ids, "a page is both in the list and in the pool"
            assert 0 < page.rows_used <= page.capacity.rows
            assert page.cols == self.cols
            if page.ownership is Ownership.POOL:
                assert page.mapping.size == STD_PAGE_BYTES
            if page.is_cold:
                assert page.cp is None, "a cold page kept views"
                colds += 1
                cold_bytes += page.mapping.size
                cold_raw += page.capacity.size
            seen_bytes += page.mapping.size
            rows += page.rows_used
            count += 1
            prev = page
        assert prev is self.last
        assert seen_bytes + STD_PAGE_BYTES * len(self._spares) == self.bytes, (seen_bytes, self.bytes)
        assert rows == self.total_rows >= self.rows, (rows, self.total_rows, self.rows)
        assert count == self.page_count
        assert (colds, cold_bytes, cold_raw) == (self.cold_pages, self.cold_bytes, self.cold_raw_bytes)
        page, below = self.last, 0
        while page is not None and below < self.rows:
            assert not page.is_cold, "a cold page in the active area"
            below += page.rows_used
            page = page.prev
        assert self.pool.in_use == count + len(self._spares) - self.oversized_live - self.cold_pages
        assert self.oversized_allocated - self.oversized_freed == self.oversized_live
        for pin in self.pins:
            assert pin.page.mapping is not None and not pin.page.mapping.closed
            assert 0 <= pin.row < pin.page.rows_used
        history = set(map(id, self._hot_history()))
        for key, (page, _) in self._freezing.items():
            assert key == id(page) and key in history, "a page being compressed is not hot history in the list"

    def stats(self) -> dict:
        """The stats vocabulary of DESIGN.md, for the status bar, --stats-json and the soak CSV."""
        pool = self.pool
        return {
            "pages": self.page_count,
            "rows": self.total_rows,
            "history_rows": self.total_rows - self.rows,
            "bytes": self.bytes,
            "peak_bytes": self.peak_bytes,
            "limit_bytes": self.max_bytes(),
            "limit_lines": self.limit_lines,
            "std_page_bytes": STD_PAGE_BYTES,
            "pool": {
                "capacity": pool.capacity,
                "in_use": pool.in_use,
                "free": pool.free,
                "occupancy": round(pool.in_use / pool.capacity, 3) if pool.capacity else 0.0,
            },
            "oversized": {
                "live": self.oversized_live,
                "bytes": self.oversized_bytes,
                "allocated": self.oversized_allocated,
                "freed": self.oversized_freed,
                "churn_per_min": self._churn.per_minute(),
            },
            "cold": {
                "pages": self.cold_pages,
                "bytes": self.cold_bytes,
                "raw_bytes": self.cold_raw_bytes,
                "frozen": self.frozen_total,
                "thawed": self.thawed_total,
                "lost": self.cold_lost,
            },
            "prunes": self.prunes,
            "reused": self.reused,
            "scratch_bytes": self.scratch_bytes,
            "mapped_bytes": self.mapped_bytes(),
        }


class _ReflowWriter:
    """Writes logical lines at the tail of a PageList at its (new) width, wrapping and moving pins."""

    def __init__(self, pagelist: PageList, pins_by_row: dict[tuple[int, int], list[Pin]],
                 moved: dict[int, tuple[Page, int, int]]) -> None:
        self.pl = pagelist
        self.cols = pagelist.cols
        self.pins_by_row = pins_by_row
        self.moved = moved
        self.dst: Page | None = None
        self.dr = self.dc = 0
        self.freeze_next: Page | None = None   # the oldest reflowed page not yet considered for freezing

    def _new_row(self) -> tuple[Page, int]:
        pl = self.pl
        last = pl.last
        if last is not None and last.rows_used < last.capacity.rows:
            r = last.rows_used
            last.rows_used += 1
            pl.total_rows += 1
            return last, r
        page = pl._map_page(pl.std_capacity)
        pl._append(page)
        page.rows_used = 1
        pl.total_rows += 1
        if pl.compress and pl.bytes > pl.max_bytes():
            self._freeze_written()
        return page, 0

    def _freeze_written(self) -> None:
        """Over the byte limit mid-reflow (history is rewritten hot): freeze the reflowed pages, oldest first,
        except the two being written (the screen's rows end up in them unless history is short, and then a page
        frozen too early is thawed when the active area reaches it)."""
        pl = self.pl
        page = self.freeze_next or pl.first
        while page is not None and page.next is not None and page.next.next is not None \
                and pl.bytes > pl.max_bytes():
            if not page.is_cold:
                pl.freeze(page)
            page = page.next
        if page is not None and page.next is not None:    # never the page being written: it may be replaced
            self.freeze_next = page

    def _copy(self, dst: Page, dr: int, dc: int, src: Page, sr: int, sc: int, n: int) -> Page:
        """Copy cells, growing the destination page's capacity when a table overflows."""
        while True:
            try:
                dst.copy_cells(dr, dc, src, sr, sc, n)
                return dst
            except PageOverflow as overflow:
                try:
                    grown = self.pl.adjust_capacity(dst, overflow.dimension)
                except PageOverflow:
                    return dst      # past MAX_PAGE_BYTES: the text stays, the cluster or link is dropped
                for key, (page, row, col) in self.moved.items():   # pins already placed on the old copy
                    if page is dst:
                        self.moved[key] = (grown, row, col)
                dst = grown

    def write_row(self, page: Page, r: int, pins: tuple[Pin, ...] | list[Pin], line_start: bool,
                  line_end: bool) -> None:
        """Append source row (page, r), part of a logical line, placing the pins found on it. A line's first row
        starts a new row here; its last row is written up to its content (or a pin after it), the others whole."""
        cols = self.cols
        if line_start:
            self.dst, self.dr = self._new_row()
            self.dc = 0
        dst, dr, dc = self.dst, self.dr, self.dc
        if not line_end:
            n = page.cols - 1 if page.flags_at(r, page.cols - 1) & CELL_SPACER_HEAD else page.cols
        else:
            n = page.content_length(r)
            for pin in pins:      # keep blank cells before a pin (the cursor after a typed space)
                n = max(n, min(pin.col, page.cols))
        sc = 0
        while sc < n:
            if dc == cols:
                dst.rflags[dr] |= ROW_WRAP
                dst, dr = self._new_row()
                dst.rflags[dr] |= ROW_WRAP_CONTINUATION
                dc = 0
            take = min(n - sc, cols - dc)
            if page.flags_at(r, sc + take - 1) & CELL_WIDE and sc + take < n:
                take -= 1         # a wide character never straddles the right edge
                if take == 0:
                    if dc == 0:   # not even a fresh row can hold it (1 column): drop it
                        sc += 2
                    else:
                        dst.set_cell(dr, dc, 0, 0, CELL_SPACER_HEAD)
                        dc = cols
                    continue
            dst = self._copy(dst, dr, dc, page, r, sc, take)
            for pin in pins:
                if sc <= pin.col < sc + take:
                    self.moved[id(pin)] = (dst, dr, dc + pin.col - sc)
            sc += take
            dc += take
        for pin in pins:
            if id(pin) not in self.moved:
                self.moved[id(pin)] = (dst, dr, min(dc, cols - 1))
        self.dst, self.dr, self.dc = dst, dr, dc


def _line_end(page: Page, row: int) -> tuple[Page, int]:
    """The last row of the logical line that holds (page, row)."""
    while page.rflags[row] & ROW_WRAP:
        if row + 1 < page.rows_used:
            row += 1
        elif page.next is not None:
            page, row = page.next, 0
        else:
            break
    return page, row
