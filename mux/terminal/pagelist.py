"""A PageList: the doubly linked list of Pages holding one screen's scrollback and active area.

Owns: which pages exist and in what order, row growth, the scrollback limits and pruning, capacity growth of a
page (oversized pages), erase/resize/reflow, tracked pins (cursor, viewport, selection), and the memory stats.

The last `rows` rows of the list are the active area; everything above is history (scrollback).

Invariants (checked by `check()`, which the tests run after every step):
- The active area is always covered: total_rows >= rows.
- `bytes` == sum of the mapping sizes of the pages in the list; a pool page counts as a full standard page.
- Every page in the list is open; none is also in the pool's free list.
- A page's ownership is fixed when it is mapped, and release looks only at it: pool pages go back to the
  pool (or are reused in place by pruning), direct (oversized) pages are always unmapped, never reused.
- History bytes stay within max(limit_bytes, floor) and history rows within limit_lines when it is set, except
  that the pages holding the active area are never pruned.
- Pins never point into a released page: pruning moves them to the first row of the new head and marks them
  garbage.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator

from mux.terminal.memory import Mapping, Ownership
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
                 clock: Callable[[], float] = time.monotonic) -> None:
        if cols < 1 or rows < 1:
            raise ValueError("a PageList needs at least one column and one row")
        PageList._owner_serial += 1
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

    def _map_page(self, capacity: Capacity) -> Page:
        """A new empty page. Standard-size layouts come from the pool; larger ones are mapped directly."""
        size = capacity.size
        if size <= STD_PAGE_BYTES:
            mapping = self.pool.take()
        else:
            mapping = Mapping(size, Ownership.DIRECT, self.owner)
            self.oversized_live += 1
            self.oversized_bytes += size
            self.oversized_allocated += 1
            self._churn.tick()
        self._serial += 1
        return Page(mapping, capacity, self._serial)

    def _account_added(self, page: Page) -> None:
        self.page_count += 1
        self.bytes += page.mapping.size
        if self.bytes > self.peak_bytes:
            self.peak_bytes = self.bytes

    def _release(self, page: Page) -> None:
        """Give a page's memory back. The page must already be unlinked. Ownership alone decides how."""
        page.release_views()
        mapping = page.mapping
        self.page_count -= 1
        self.bytes -= mapping.size
        if mapping.ownership is Ownership.POOL:
            self.pool.put(mapping)
        else:
            self.oversized_live -= 1
            self.oversized_bytes -= mapping.size
            self.oversized_freed += 1
            self._churn.tick()
            mapping.close()

    def _append(self, page: Page) -> None:
        page.prev = self.last
        page.next = None
        if self.last is None:
            self.first = page
        else:
            self.last.next = page
        self.last = page
        self._account_added(page)

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

    def _head_prunable(self) -> bool:
        first = self.first
        return first is not None and first is not self.last and self.total_rows - first.rows_used >= self.rows

    def _over_limits(self, extra_bytes: int) -> bool:
        if self.bytes + extra_bytes > self.max_bytes():
            return True
        lines = self.limit_lines
        return lines is not None and self.total_rows - self.rows > lines

    def _enforce_limits(self, extra_bytes: int) -> None:
        while self._over_limits(extra_bytes) and self._head_prunable():
            head = self._pop_head()
            self._release(head)
        self.prune_pending = self._over_limits(extra_bytes)

    def _pop_head(self) -> Page:
        """Unlink the oldest page, fixing rows and pins. The caller releases or reuses it."""
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
        if self._over_limits(STD_PAGE_BYTES) and self._head_prunable():
            head = self._pop_head()
            if head.ownership is Ownership.POOL:
                # Reuse in place: clear the pool mapping and re-initialise it as the newest page. No new mapping.
                self._serial += 1
                head.serial = self._serial
                head.reinit(self.std_capacity)
                self.bytes -= head.mapping.size
                self.page_count -= 1
                self.reused += 1
                page = head
            else:
                # An oversized page is never reused: unmap it and take a standard page from the pool.
                self._release(head)
                page = self._map_page(self.std_capacity)
            self._enforce_limits(extra_bytes=STD_PAGE_BYTES)
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

    def row_locations(self, start: int, count: int) -> list[tuple[Page, int]]:
        """(page, row) of `count` rows from absolute row `start` (0 = oldest history row)."""
        out: list[tuple[Page, int]] = []
        page = self.first
        y = start
        while page is not None and y >= page.rows_used:
            y -= page.rows_used
            page = page.next
        while page is not None and len(out) < count:
            take = min(page.rows_used - y, count - len(out))
            out.extend((page, r) for r in range(y, y + take))
            y = 0
            page = page.next
        return out

    def active_locations(self) -> list[tuple[Page, int]]:
        """(page, row) of every active-area row, top to bottom, found by walking back from the last page."""
        out: list[tuple[Page, int]] = []
        page = self.last
        need = self.rows
        while page is not None and need > 0:
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
        history = self.total_rows - self.rows
        while history > 0 and self.first is not None and self.first.rows_used <= history \
                and self.first is not self.last:
            head = self._pop_head()
            self.prunes -= 1          # an erase is not a prune
            history -= head.rows_used
            self._release(head)
        if history > 0:
            page = self.first
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

    # ------------------------------------------------------------------ viewport

    def scroll_viewport(self, delta: int) -> None:
        """Scroll the view by delta rows (negative = into history). Reaching the active area follows it."""
        top_active = self.total_rows - self.rows
        current = top_active if self.viewport is None else self.pin_absolute_row(self.viewport)
        target = max(0, min(top_active, current + delta))
        if target >= top_active:
            self.scroll_to_active()
            return
        page, row = self.row_locations(target, 1)[0]
        if self.viewport is None:
            self.viewport = self.track(page, row)
        else:
            self.viewport.page, self.viewport.row, self.viewport.garbage = page, row, False

    def scroll_to_active(self) -> None:
        if self.viewport is not None:
            self.untrack(self.viewport)
            self.viewport = None

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
        remaining = deque(old_pages)
        for line in _logical_lines(old_pages, stop):
            writer.write_line(line)
            # Old pages wholly consumed are released at once, so a reflow needs about one extra page.
            while remaining[0] is not line[-1][0]:
                self._release(remaining.popleft())
        while remaining:
            self._release(remaining.popleft())
        for pin in self.pins:
            place = moved.get(id(pin))
            if place is None:
                pin.page, pin.row, pin.col, pin.garbage = self.last, self.last.rows_used - 1, 0, True
            else:
                pin.page, pin.row, pin.col = place

    def _last_kept_row(self, cursor_line_end: tuple[Page, int]) -> tuple[Page, int]:
        """The last row that holds anything, or the end of the cursor's line if that comes later."""
        page = self.last
        while page is not None:
            for r in range(page.rows_used - 1, -1, -1):
                if (page, r) == cursor_line_end or page.rflags[r] & (ROW_WRAP | ROW_WRAP_CONTINUATION) \
                        or page.content_length(r):
                    return page, r
            page = page.prev
        return cursor_line_end

    # ------------------------------------------------------------------ teardown, checks, stats

    def close(self) -> None:
        """Release every page and the pool. Afterwards this PageList holds no mapping at all."""
        if self.closed:
            return
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
        self.pool.close()
        self.closed = True

    def mapped_bytes(self) -> int:
        """Every byte this PageList has mapped: its pages plus the pool's free list."""
        return self.bytes + self.pool.free_bytes

    def check(self) -> None:
        """Assert the structural invariants (used by tests after every operation)."""
        assert not self.closed
        seen_bytes = rows = count = 0
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
            seen_bytes += page.mapping.size
            rows += page.rows_used
            count += 1
            prev = page
        assert prev is self.last
        assert seen_bytes == self.bytes, (seen_bytes, self.bytes)
        assert rows == self.total_rows >= self.rows, (rows, self.total_rows, self.rows)
        assert count == self.page_count
        assert self.pool.in_use == count - self.oversized_live
        assert self.oversized_allocated - self.oversized_freed == self.oversized_live
        for pin in self.pins:
            assert pin.page.mapping is not None and not pin.page.mapping.closed
            assert 0 <= pin.row < pin.page.rows_used

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
            "prunes": self.prunes,
            "reused": self.reused,
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
        return page, 0

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

    def write_line(self, line: list[tuple[Page, int]]) -> None:
        cols = self.cols
        dst, dr = self._new_row()
        dc = 0
        for k, (page, r) in enumerate(line):
            pins = self.pins_by_row.get((id(page), r), ())
            if k < len(line) - 1:
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


def _logical_lines(pages: list[Page], stop: tuple[Page, int] | None) -> Iterator[list[tuple[Page, int]]]:
    """Rows of `pages` grouped into logical lines (soft-wrapped rows joined), up to and including `stop`."""
    line: list[tuple[Page, int]] = []
    for page in pages:
        for r in range(page.rows_used):
            line.append((page, r))
            if not page.rflags[r] & ROW_WRAP:
                yield line
                line = []
            if stop is not None and stop[0] is page and stop[1] == r:
                if line:
                    yield line
                return
    if line:
        yield line


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
