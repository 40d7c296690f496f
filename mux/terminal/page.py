"""A Page: one OS mapping holding every byte of a block of terminal rows.

Owns the layout of a page and all reads and writes of its cells, rows and tables. Everything of the page's
content lives inside its single mapping (`memory.Mapping`); the Python object keeps only views into it,
counters, and derived indexes that can be rebuilt from the mapping (the style and hyperlink lookups).

Layout (in this order, every region a typed memoryview over the mapping):
    slots   u32[rows]            row r's cells live at slot slots[r] (so rows move without moving cells)
    cp      u32[rows*cols]       codepoint of each cell (0 = empty)
    styles  u32[styles*4]        style table: fg, bg, underline colour, attribute bits; id 0 is the default
    garena  u32[grapheme_bytes/4] extra codepoints of multi-codepoint grapheme clusters
    gmap    u32[gmap_cap*2]      cell index+1 -> (arena offset << 8 | length), open addressing
    links   u32[hyperlinks*4]    hyperlink table: string offset, id length, uri length, in-use marker
    hmap    u32[hmap_cap*2]      cell index+1 -> link index+1, open addressing
    st      u16[rows*cols]       style id of each cell
    fl      u16[rows*cols]       cell flags (wide, spacer, grapheme, hyperlink; protection is a style attribute)
    rflags  u16[rows]            row flags (wrap, wrap continuation, dirty, has grapheme/hyperlink, prompt mark)
    sarena  u8[string_bytes]     OSC 8 ids and URIs (UTF-8)
A cell therefore costs 8 bytes: 4 (codepoint) + 2 (style id) + 2 (flags).

Invariants:
- Rows at index >= rows_used are all zero (blank, no flags).
- A cell has CELL_GRAPHEME iff gmap has its key; CELL_HYPERLINK iff hmap has its key. A row with such cells
  has ROW_GRAPHEME / ROW_HYPERLINK set (row flags may give false positives, never false negatives).
- A full table raises a typed `PageOverflow` naming the dimension to double; callers replace the page with
  a bigger one (see `Capacity.grown`). Tables first reclaim dead entries, so overflow means live data is near
  capacity, not that garbage piled up.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, replace

from mux.terminal.memory import Mapping, Ownership, round_to_pages
from mux.terminal.styles import DEFAULT_STYLE, PROTECTED, Style

# Cell flags (u16)
CELL_WIDE = 1 << 0          # first cell of a double-width character
CELL_SPACER_TAIL = 1 << 1   # second cell of a double-width character
CELL_SPACER_HEAD = 1 << 2   # last column left empty because a wide character wrapped early
CELL_GRAPHEME = 1 << 3      # extra codepoints in the grapheme map
CELL_HYPERLINK = 1 << 4     # link index in the hyperlink map

# Row flags (u16)
ROW_WRAP = 1 << 0               # this row continues on the next one (soft wrap)
ROW_WRAP_CONTINUATION = 1 << 1  # this row continues the previous one
ROW_DIRTY = 1 << 2
ROW_GRAPHEME = 1 << 3
ROW_HYPERLINK = 1 << 4
ROW_PROMPT_SHIFT = 6            # two bits of OSC 133 semantic prompt marks
ROW_EXTRAS = ROW_GRAPHEME | ROW_HYPERLINK
ROW_PROMPT = 0b11 << ROW_PROMPT_SHIFT
# The row flags that travel with a row's content when it is copied to another row.
ROW_CARRIED = ROW_WRAP | ROW_WRAP_CONTINUATION | ROW_PROMPT

CELL_BYTES = 8
STD_PAGE_BYTES = 400 * 1024
# The standard page's tables, sized from coding-agent output (scripts/bench.py's agent corpus as it was before it
# became the soak's load generator's frames, a standard page of it at 100 columns: median / most styles 194 / 244,
# links 106 / 128, link string bytes 2.9 K / 3.6 K, cluster extras 0.9 K / 1.3 K in 152 / 198 clusters), so that it
# stays in pool pages (tests/test_bench_script.py checks it). The link table is the tight one: each link also costs
# 256 B of hyperlink map (hmap_cap).
STD_STYLES = 384
STD_GRAPHEME_BYTES = 4 * 1024
STD_STRING_BYTES = 6 * 1024
STD_HYPERLINKS = 128
MAX_CLUSTER_EXTRA = 255     # grapheme map values keep the length in 8 bits

STYLE_WORDS = 4             # uint32 words of one style entry: a Style tuple
_LINK_WORDS = 4
MAP_HASH = 2654435761        # the cell maps' hash: slot = (key * MAP_HASH) & mask, then linear probing


def _pow2_at_least(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


@dataclass(frozen=True, slots=True)
class Capacity:
    """The dimensions that fix a page's layout and size."""

    cols: int
    rows: int
    styles: int = STD_STYLES
    grapheme_bytes: int = STD_GRAPHEME_BYTES
    string_bytes: int = STD_STRING_BYTES
    hyperlinks: int = STD_HYPERLINKS

    @property
    def gmap_cap(self) -> int:
        return _pow2_at_least(max(16, self.grapheme_bytes // 8))

    @property
    def hmap_cap(self) -> int:
        return _pow2_at_least(max(16, self.hyperlinks * 32))

    def _meta_bytes(self) -> int:
        return (self.styles * STYLE_WORDS * 4 + self.grapheme_bytes + self.gmap_cap * 8
                + self.hyperlinks * _LINK_WORDS * 4 + self.hmap_cap * 8 + self.string_bytes)

    @functools.lru_cache(maxsize=64)  # noqa: B019 - a few capacities per process; pages are made every few hundred lines
    def layout(self) -> tuple[dict[str, tuple[int, int, str]], int]:
        """Region name -> (byte offset, item count, memoryview format), and the mapping size (computed once per
        capacity: callers must not change the dict)."""
        regions: dict[str, tuple[int, int, str]] = {}
        off = 0
        cells = self.rows * self.cols
        for name, count, fmt, width in (
            ("slots", self.rows, "I", 4),
            ("cp", cells, "I", 4),
            ("styles", self.styles * STYLE_WORDS, "I", 4),
            ("garena", self.grapheme_bytes // 4, "I", 4),
            ("gmap", self.gmap_cap * 2, "I", 4),
            ("links", self.hyperlinks * _LINK_WORDS, "I", 4),
            ("hmap", self.hmap_cap * 2, "I", 4),
            ("st", cells, "H", 2),
            ("fl", cells, "H", 2),
            ("rflags", self.rows, "H", 2),
            ("sarena", self.string_bytes, "B", 1),
        ):
            regions[name] = (off, count, fmt)
            off += count * width
        return regions, round_to_pages(off)

    @property
    def size(self) -> int:
        return self.layout()[1]

    @property
    def plane_ends(self) -> tuple[int, int]:
        """Where the u32 regions of the layout end and where the u16 regions end (the u8 ones follow): the item
        widths cold.encode splits into byte planes."""
        return self._plane_ends()

    @functools.lru_cache(maxsize=64)  # noqa: B019 - as layout(): a few capacities per process, asked at every freeze
    def _plane_ends(self) -> tuple[int, int]:
        regions = self.layout()[0]
        ends = {"I": 0, "H": 0}
        order = []
        for off, count, fmt in regions.values():
            if fmt in ends:
                ends[fmt] = off + count * (4 if fmt == "I" else 2)
            order.append(fmt)
        assert order == sorted(order, key="IHB".index), "the layout keeps u32, then u16, then u8 regions"
        return ends["I"], ends["H"]

    @classmethod
    def standard(cls, cols: int) -> Capacity:
        """The standard capacity for `cols` columns: as many rows as fit in STD_PAGE_BYTES (at least one)."""
        probe = cls(cols=cols, rows=0)
        per_row = cols * CELL_BYTES + 4 + 2
        rows = (STD_PAGE_BYTES - probe._meta_bytes() - 8) // per_row
        cap = cls(cols=cols, rows=max(1, rows))
        while cap.rows > 1 and cap.size > STD_PAGE_BYTES:
            cap = replace(cap, rows=cap.rows - 1)
        return cap

    def is_standard_size(self) -> bool:
        return self.size <= STD_PAGE_BYTES

    def grown(self, dimension: str, projected: int = 0) -> Capacity:
        """This capacity with `dimension` (styles, grapheme_bytes, string_bytes, hyperlinks) at least doubled, and
        at least `projected` (rounded up to a power of two)."""
        return replace(self, **{dimension: _pow2_at_least(max(getattr(self, dimension) * 2, projected))})


class PageOverflow(Exception):
    """A page table is full of live data; replace the page with one where `dimension` is doubled."""

    def __init__(self, dimension: str) -> None:
        super().__init__(dimension)
        self.dimension = dimension


_EXTRA_BITS = bytes(1 if b & (CELL_GRAPHEME | CELL_HYPERLINK) else 0 for b in range(256))
_EXTRA_BYTE = 1
_zero_u32 = memoryview(bytes(4 * 4096)).cast("I")
_zero_u16 = memoryview(bytes(2 * 4096)).cast("H")
_u16_runs: dict[int, memoryview] = {}


def _zeros32(n: int) -> memoryview:
    global _zero_u32
    if n > len(_zero_u32):
        _zero_u32 = memoryview(bytes(4 * n)).cast("I")
    return _zero_u32[:n]


def _zeros16(n: int) -> memoryview:
    global _zero_u16
    if n > len(_zero_u16):
        _zero_u16 = memoryview(bytes(2 * n)).cast("H")
    return _zero_u16[:n]


def u16_run(value: int, n: int) -> memoryview:
    """A cached read-only run of `n` u16 values equal to `value` (for slice-filling style ids)."""
    if value == 0:
        return _zeros16(n)
    run = _u16_runs.get(value)
    if run is None or len(run) < n:
        run = memoryview(array("H", [value]) * max(n, 256))
        if len(_u16_runs) > 4096:
            _u16_runs.clear()
        _u16_runs[value] = run
    return run[:n]


class IdPool:
    """The free ids of a page table, [first, end): ids never handed out are a high-water mark, not a list (an
    oversized page's table of thousands of entries costs no Python objects until used). Released ids are
    handed out again first, the most recently released first, then fresh ids in ascending order."""

    __slots__ = ("fresh", "end", "released")

    def __init__(self, first: int, end: int, taken: set[int] | None = None) -> None:
        top = max(taken, default=first - 1) + 1 if taken else first
        self.fresh = max(first, top)
        self.end = end
        # Gaps below the high-water mark, lowest handed out first.
        self.released = sorted(set(range(first, self.fresh)) - taken, reverse=True) if taken else []

    def available(self) -> int:
        return len(self.released) + self.end - self.fresh

    def take(self) -> int:
        if self.released:
            return self.released.pop()
        sid = self.fresh
        assert sid < self.end, "take() past the table: callers check available() first"
        self.fresh += 1
        return sid

    def give(self, sid: int) -> None:
        self.released.append(sid)


_REGION_NAMES = ("slots", "cp", "styles", "garena", "gmap", "links", "hmap", "st", "fl", "rflags", "sarena")


class Page:
    """A block of rows in one mapping. Also a node of the PageList's doubly linked list (prev/next)."""

    __slots__ = (
        "mapping", "capacity", "cols", "rows_used", "serial", "prev", "next",
        "slots", "cp", "styles", "garena", "gmap", "links", "hmap", "st", "fl", "rflags", "sarena",
        "_views", "style_ids", "_style_free", "_g_used", "_g_live", "_g_count",
        "_s_used", "link_ids", "_link_free", "link_cells", "_gmask", "_hmask", "idle_since",
    )

    def __init__(self, mapping: Mapping, capacity: Capacity, serial: int = 0) -> None:
        self.serial = serial
        self.prev: Page | None = None
        self.next: Page | None = None
        self.idle_since = 0.0
        self._bind(mapping, capacity)
        self._init_tables()

    def _bind(self, mapping: Mapping, capacity: Capacity) -> None:
        """Make the typed views of `capacity`'s layout over `mapping` (its bytes are left as they are)."""
        regions, size = capacity.layout()
        assert mapping.size >= size, "mapping too small for capacity"
        self.mapping = mapping
        self.capacity = capacity
        self.cols = capacity.cols
        views = []
        buf = mapping.buffer
        for name, (off, count, fmt) in regions.items():
            width = {"I": 4, "H": 2, "B": 1}[fmt]
            raw = buf[off:off + count * width]
            view = raw.cast(fmt) if fmt != "B" else raw
            views.append(raw)
            if view is not raw:
                views.append(view)
            setattr(self, name, view)
        self._views = views
        _zeros16(capacity.cols)
        _zeros32(capacity.cols)
        self._gmask = capacity.gmap_cap - 1
        self._hmask = capacity.hmap_cap - 1

    def _init_tables(self) -> None:
        """Set up an all-zero mapping: identity row slots, empty tables."""
        self.rows_used = 0
        self.slots[:] = array("I", range(self.capacity.rows))
        self.style_ids: dict[Style, int] = {DEFAULT_STYLE: 0}
        self._style_free = IdPool(1, self.capacity.styles)
        self._g_used = 0      # arena words handed out (bump pointer)
        self._g_live = 0      # arena words referenced by the map
        self._g_count = 0     # map entries
        self._s_used = 0
        self.link_ids: dict[tuple[str, str], int] = {}      # (id, uri) -> index in the hyperlink table
        self._link_free = IdPool(0, self.capacity.hyperlinks)
        self.link_cells = 0     # entries of the hyperlink map (cells marked CELL_HYPERLINK)

    @property
    def ownership(self) -> Ownership:
        return self.mapping.ownership

    @property
    def cap_rows(self) -> int:
        return self.capacity.rows

    def reinit(self, capacity: Capacity) -> None:
        """Zero the mapping and start over as an empty page of `capacity`. Only ever called on pool pages. The
        views into the mapping are kept when the layout stays the same (the common case: a pruned page reused)."""
        assert self.mapping.ownership is Ownership.POOL, "only pool pages are reused"
        assert capacity.size <= self.mapping.size
        self.idle_since = 0.0
        if capacity == self.capacity:
            self.mapping.zero()
            self._init_tables()
            return
        self.release_views()
        self.mapping.zero()
        self._bind(self.mapping, capacity)
        self._init_tables()

    def release_views(self) -> None:
        """Drop every view into the mapping so it can be cleared for reuse or unmapped."""
        for name in _REGION_NAMES:
            setattr(self, name, None)
        for view in reversed(self._views):
            view.release()
        self._views = []

    # ------------------------------------------------------------------ cold state (see cold.py)

    @property
    def is_cold(self) -> bool:
        """True while the page's memory is a cold (compressed) mapping: it has no views then, and only its
        rows_used, capacity, counters and place in the list are readable."""
        return self.mapping.ownership is Ownership.COLD

    def cold_twin(self, cold_mapping: Mapping) -> Page:
        """A cold page standing for this page's content, whose compressed bytes `cold_mapping` holds: what
        `go_cold` would make of this page, as a new object, while this one keeps its hot mapping and views (to be
        reused at once with `reinit`, which costs no new views). Not linked anywhere."""
        assert cold_mapping.ownership is Ownership.COLD and not self.is_cold
        twin = Page.__new__(Page)
        for name in Page.__slots__:
            setattr(twin, name, getattr(self, name))
        for name in _REGION_NAMES:
            setattr(twin, name, None)
        twin._views = []
        twin.mapping = cold_mapping
        twin.prev = twin.next = None
        twin.style_ids = {}
        twin.link_ids = {}
        twin._style_free = twin._link_free = None
        return twin

    def go_cold(self, cold_mapping: Mapping) -> Mapping:
        """Swap the hot mapping for `cold_mapping` (which already holds the compressed bytes). Drops the views and
        the Python-side indexes (rebuilt from the tables by `go_hot`), and returns the hot mapping for release."""
        assert cold_mapping.ownership is Ownership.COLD and not self.is_cold
        hot = self.mapping
        self.release_views()
        self.mapping = cold_mapping
        self.style_ids = {}
        self.link_ids = {}
        self._style_free = self._link_free = None
        return hot

    def go_hot(self, mapping: Mapping) -> Mapping:
        """Take `mapping` (holding this page's bytes, restored by the caller) as the page's memory again and rebuild
        the indexes. Returns the cold mapping for release."""
        assert self.is_cold and mapping.ownership is not Ownership.COLD
        cold_mapping = self.mapping
        self._bind(mapping, self.capacity)
        self._rebuild_indexes()
        return cold_mapping

    def reset_blank(self, rows_used: int) -> None:
        """Start over as `rows_used` blank rows with empty tables, on an all-zero mapping (what is left of a cold
        page whose compressed bytes were found damaged)."""
        self._init_tables()
        self.rows_used = rows_used

    def load_from(self, cold_page: Page, capacity: Capacity) -> None:
        """Become a read-only stand-in for `cold_page`, whose bytes the caller has just restored into this page's
        mapping (the scratch page of a pass over history)."""
        if capacity != self.capacity:
            self.release_views()
            self._bind(self.mapping, capacity)
        self.serial = cold_page.serial
        self.rows_used = cold_page.rows_used
        self._g_used, self._g_live, self._g_count = cold_page._g_used, cold_page._g_live, cold_page._g_count
        self._s_used, self.link_cells = cold_page._s_used, cold_page.link_cells
        # Reading needs only the tables; a stand-in is never written, so its lookups stay empty.
        self.style_ids = {}
        self.link_ids = {}

    def _rebuild_indexes(self) -> None:
        """The style and hyperlink lookups from the tables in the mapping (freed entries are all zero; a live style
        is never all zero, since that is the default style, id 0)."""
        words = self.styles.tolist()
        style_ids: dict[Style, int] = {DEFAULT_STYLE: 0}
        for sid in range(1, self.capacity.styles):
            w = sid * STYLE_WORDS
            style = tuple(words[w:w + STYLE_WORDS])
            if any(style):
                style_ids[style] = sid     # type: ignore[index]
        self.style_ids = style_ids
        self._style_free = IdPool(1, self.capacity.styles, set(style_ids.values()) - {0})
        links = self.links.tolist()
        link_ids: dict[tuple[str, str], int] = {}
        for idx in range(self.capacity.hyperlinks):
            if links[idx * _LINK_WORDS + 3]:
                link_ids[self.hyperlink(idx)] = idx
        self.link_ids = link_ids
        self._link_free = IdPool(0, self.capacity.hyperlinks, set(link_ids.values()))

    # ------------------------------------------------------------------ cells

    def cell_index(self, row: int, col: int) -> int:
        """Index of cell (row, col) in the cp/st/fl arrays (the one place that knows rows move by slot)."""
        return self.slots[row] * self.cols + col

    def row_span(self, row: int) -> tuple[int, int]:
        """[start, end) of the row's cells in the cp/st/fl arrays."""
        base = self.slots[row] * self.cols
        return base, base + self.cols

    def flags_at(self, row: int, col: int) -> int:
        return self.fl[self.slots[row] * self.cols + col]

    def style_id_at(self, row: int, col: int) -> int:
        return self.st[self.slots[row] * self.cols + col]

    def codepoint_at(self, row: int, col: int) -> int:
        return self.cp[self.slots[row] * self.cols + col]

    def add_cell_flags(self, row: int, col: int, bits: int) -> None:
        """Set layout bits (wide, spacer) on a cell; the cluster and link bits belong to their maps."""
        assert not bits & (CELL_GRAPHEME | CELL_HYPERLINK)
        self.fl[self.slots[row] * self.cols + col] |= bits
        self.rflags[row] |= ROW_DIRTY

    def forget_extras(self, row: int, start: int, end: int) -> None:
        """Drop the cluster and link entries of columns [start, end), about to be overwritten by a writer that
        writes the cells itself (the compiled hot path)."""
        if self.rflags[row] & ROW_EXTRAS:
            self._drop_extras(self.slots[row] * self.cols + start, end - start)

    def clear_wide_edges(self, row: int, start: int, end: int) -> None:
        """Before columns [start, end) are overwritten: blank the other half of a wide character cut at either
        edge (keeping its style), so no row ever holds half a wide character."""
        base = self.slots[row] * self.cols
        fl = self.fl
        if start > 0 and fl[base + start] & CELL_SPACER_TAIL:
            self.clear_cells(row, start - 1, start, self.st[base + start - 1])
        if end < self.cols and fl[base + end] & CELL_SPACER_TAIL:
            self.clear_cells(row, end, end + 1, self.st[base + end])

    def content_length(self, row: int) -> int:
        """Columns up to and including the last cell that holds anything (text, style or flags other than a
        spacer head)."""
        base = self.slots[row] * self.cols
        end = base + self.cols
        # The last non-zero byte of each little-endian region, found by bytes.rstrip (C speed): a reflow asks this
        # of every row of history, and most rows are short.
        n = max((len(self.cp[base:end].tobytes().rstrip(b"\0")) + 3) >> 2,
                (len(self.st[base:end].tobytes().rstrip(b"\0")) + 1) >> 1)
        fl = self.fl
        m = (len(fl[base:end].tobytes().rstrip(b"\0")) + 1) >> 1
        while m > n and not fl[base + m - 1] & ~CELL_SPACER_HEAD:
            m -= 1          # a spacer head alone is not content
        return max(n, m)

    def extras_count(self) -> tuple[int, int]:
        """(cluster map entries, link map entries): each equals the cells marked with that flag."""
        return self._g_count, self.link_cells

    def write_text(self, row: int, col: int, text: str, style_id: int = 0) -> None:
        """Write narrow characters in `style_id`, one cell each, as slice copies (no per-character Python work)."""
        n = len(text)
        base = self.slots[row] * self.cols + col
        flags = self.rflags[row]
        if flags & ROW_EXTRAS:
            self._drop_extras(base, n)
        end = base + n
        zeros = _zero_u16[:n]       # Page.__init__ made it at least `cols` long
        self.cp[base:end] = memoryview(text.encode("utf-32-le")).cast("I")
        self.st[base:end] = u16_run(style_id, n) if style_id else zeros
        self.fl[base:end] = zeros
        self.rflags[row] = flags | ROW_DIRTY

    def write_codepoints(self, row: int, col: int, text: str) -> None:
        """Write narrow characters without touching the cells' style ids (set them with `set_style_ids`)."""
        n = len(text)
        base = self.slots[row] * self.cols + col
        flags = self.rflags[row]
        if flags & ROW_EXTRAS:
            self._drop_extras(base, n)
        self.cp[base:base + n] = memoryview(text.encode("utf-32-le")).cast("I")
        self.fl[base:base + n] = _zero_u16[:n]
        self.rflags[row] = flags | ROW_DIRTY

    def set_style_ids(self, row: int, col: int, n: int, style_id: int) -> None:
        base = self.slots[row] * self.cols + col
        self.st[base:base + n] = u16_run(style_id, n)

    def write_cells(self, row: int, col: int, cps: memoryview | array, style_id: int,
                    flags: memoryview | array) -> None:
        """Write prepared u32 codepoints and u16 cell flags (wide/spacer) with one style."""
        n = len(cps)
        base = self.slots[row] * self.cols + col
        rf = self.rflags[row]
        if rf & ROW_EXTRAS:
            self._drop_extras(base, n)
        end = base + n
        self.cp[base:end] = cps
        self.st[base:end] = u16_run(style_id, n)
        self.fl[base:end] = flags
        self.rflags[row] = rf | ROW_DIRTY

    def set_cell(self, row: int, col: int, cp: int, style_id: int = 0, flags: int = 0) -> None:
        i = self.slots[row] * self.cols + col
        rf = self.rflags[row]
        if rf & ROW_EXTRAS and self.fl[i] & (CELL_GRAPHEME | CELL_HYPERLINK):
            self._drop_extras(i, 1)
        self.cp[i] = cp
        self.st[i] = style_id
        self.fl[i] = flags
        self.rflags[row] = rf | ROW_DIRTY

    def clear_cells(self, row: int, start: int, end: int, style_id: int = 0) -> None:
        """Blank columns [start, end) with `style_id` (erase with background colour)."""
        n = end - start
        if n <= 0:
            return
        base = self.slots[row] * self.cols + start
        rf = self.rflags[row]
        if rf & ROW_EXTRAS:
            self._drop_extras(base, n)
        self.cp[base:base + n] = _zeros32(n)
        self.st[base:base + n] = u16_run(style_id, n)
        self.fl[base:base + n] = _zeros16(n)
        self.rflags[row] = rf | ROW_DIRTY

    def clear_row(self, row: int, style_id: int = 0) -> None:
        """Blank a whole row and forget its wrap, prompt and extras flags."""
        base = self.slots[row] * self.cols
        if self.rflags[row] & ROW_EXTRAS:
            self._drop_extras(base, self.cols)
        n = self.cols
        self.cp[base:base + n] = _zeros32(n)
        self.st[base:base + n] = u16_run(style_id, n)
        self.fl[base:base + n] = _zeros16(n)
        self.rflags[row] = ROW_DIRTY

    def rotate_rows(self, top: int, bottom: int, n: int) -> None:
        """Move rows [top, bottom] up by n (n > 0) or down by -n; the rows uncovered come back blank."""
        count = bottom - top + 1
        if n == 0 or count <= 0:
            return
        k = max(-count, min(count, n))
        slots = self.slots[top:bottom + 1].tolist()
        flags = self.rflags[top:bottom + 1].tolist()
        slots = slots[k:] + slots[:k]
        flags = flags[k:] + flags[:k]
        self.slots[top:bottom + 1] = array("I", slots)
        self.rflags[top:bottom + 1] = array("H", [f | ROW_DIRTY for f in flags])
        fresh = range(bottom - k + 1, bottom + 1) if k > 0 else range(top, top - k)
        for r in fresh:
            self.clear_row(r)

    def cell(self, row: int, col: int) -> tuple[int, int, int]:
        """(codepoint, style id, flags) of one cell."""
        i = self.slots[row] * self.cols + col
        return self.cp[i], self.st[i], self.fl[i]

    def row_text(self, row: int) -> str:
        """The row as text: clusters in full, wide-char spacers omitted, empty cells as spaces."""
        base = self.slots[row] * self.cols
        n = self.cols
        if not self.rflags[row] & ROW_GRAPHEME:
            flags = self.fl[base:base + n].tobytes()
            if flags.count(0) == len(flags):        # no wide characters: one decode (C speed, no Python loop)
                return self.cp[base:base + n].tobytes().decode("utf-32-le").replace("\x00", " ")
        chars = []
        cp, fl = self.cp, self.fl
        for i in range(base, base + n):
            f = fl[i]
            if f & CELL_SPACER_TAIL:
                continue
            c = cp[i]
            s = chr(c) if c else " "
            if f & CELL_GRAPHEME:
                s += self.grapheme_extras(i)
            chars.append(s)
        return "".join(chars)

    def row_texts(self, start: int, stop: int) -> list[str]:
        """`row_text` of rows [start, stop): rows without wide characters or clusters come from one decode of the
        whole page (a pass over history, such as search, reads a page at a time)."""
        cols = self.cols
        text = self.cp.tobytes().decode("utf-32-le", "replace").replace("\x00", " ")
        flags = self.fl.tobytes()
        span = 2 * cols
        out = []
        for r in range(start, stop):
            base = self.slots[r] * cols
            if self.rflags[r] & ROW_GRAPHEME or flags.count(0, 2 * base, 2 * base + span) != span:
                out.append(self.row_text(r))
            else:
                out.append(text[base:base + cols])
        return out

    # ------------------------------------------------------------------ styles

    def intern_style(self, style: Style) -> int:
        """The id of `style` in this page, adding it if needed. Raises PageOverflow('styles')."""
        sid = self.style_ids.get(style)
        if sid is not None:
            return sid
        if not self._style_free.available():
            self._collect_styles()
            if self._style_free.available() < max(1, self.capacity.styles // 8):
                raise PageOverflow("styles")
        sid = self._style_free.take()
        w = sid * STYLE_WORDS
        self.styles[w:w + STYLE_WORDS] = array("I", style)
        self.style_ids[style] = sid
        return sid

    def style(self, sid: int) -> Style:
        w = sid * STYLE_WORDS
        return tuple(self.styles[w:w + STYLE_WORDS])  # type: ignore[return-value]

    def unprotected_runs(self, row: int, start: int, end: int) -> list[tuple[int, int]]:
        """The maximal [a, b) spans of columns [start, end) whose cells are not protected (their style has
        PROTECTED): what a selective erase may blank. One span `(start, end)` when none is protected."""
        base = self.slots[row] * self.cols
        sids = self.st[base + start:base + end].tolist()
        protected = {sid for sid in set(sids) if sid and self.styles[sid * STYLE_WORDS + 3] & PROTECTED}
        if not protected:
            return [(start, end)] if end > start else []
        runs = []
        run_start = None
        for col, sid in enumerate(sids, start):
            if sid in protected:
                if run_start is not None:
                    runs.append((run_start, col))
                    run_start = None
            elif run_start is None:
                run_start = col
        if run_start is not None:
            runs.append((run_start, end))
        return runs

    def styles_in_use(self) -> int:
        return len(self.style_ids) - 1

    def _collect_styles(self) -> None:
        """Free style entries no cell references any more."""
        used_slots = max(self.slots[:self.rows_used], default=-1) + 1     # unused rows are all zero
        live = set(array("H", self.st[:used_slots * self.cols].tobytes()))
        for style, sid in list(self.style_ids.items()):
            if sid and sid not in live:
                del self.style_ids[style]
                w = sid * STYLE_WORDS
                self.styles[w:w + STYLE_WORDS] = _zeros32(STYLE_WORDS)
                self._style_free.give(sid)

    # ------------------------------------------------------------------ graphemes

    def set_grapheme(self, row: int, col: int, extras: str) -> None:
        """Attach the extra codepoints of a cluster to a cell. Raises PageOverflow('grapheme_bytes')."""
        n = len(extras)
        if not 0 < n <= MAX_CLUSTER_EXTRA:
            raise ValueError("a cluster has 1..255 extra codepoints")
        i = self.slots[row] * self.cols + col
        if self.fl[i] & CELL_GRAPHEME:
            self._del_grapheme(i)
        cap_words = len(self.garena)
        if (self._g_count + 1) * 16 > (self._gmask + 1) * 13:
            raise PageOverflow("grapheme_bytes")
        if self._g_used + n > cap_words:
            self._compact_graphemes()
            if self._g_live + n > cap_words * 3 // 4:
                raise PageOverflow("grapheme_bytes")
        self._put_grapheme(i, memoryview(extras.encode("utf-32-le")).cast("I"))
        self.fl[i] |= CELL_GRAPHEME
        self.rflags[row] |= ROW_GRAPHEME | ROW_DIRTY

    def _put_grapheme(self, i: int, codepoints: memoryview) -> None:
        """Append a cluster's extra codepoints to the arena and map cell index i to them (room is checked)."""
        n = len(codepoints)
        off = self._g_used
        self.garena[off:off + n] = codepoints
        self._g_used += n
        self._g_live += n
        _map_put(self.gmap, self._gmask, i + 1, off << 8 | n)
        self._g_count += 1

    def grapheme_extras(self, cell_index: int) -> str:
        v = _map_get(self.gmap, self._gmask, cell_index + 1)
        if v is None:
            return ""
        off, n = v >> 8, v & 0xFF
        return self.garena[off:off + n].tobytes().decode("utf-32-le")

    def grapheme_bytes_used(self) -> int:
        return self._g_live * 4

    def _del_grapheme(self, i: int) -> None:
        v = _map_del(self.gmap, self._gmask, i + 1)
        if v is not None:
            self._g_live -= v & 0xFF
            self._g_count -= 1
        self.fl[i] &= ~CELL_GRAPHEME

    def _compact_graphemes(self) -> None:
        """Pack live clusters to the front of the arena, dropping the space of overwritten ones."""
        gmap = self.gmap
        entries = [(gmap[2 * j + 1] >> 8, gmap[2 * j + 1] & 0xFF, j)
                   for j in range(self.capacity.gmap_cap) if gmap[2 * j]]
        entries.sort()
        dst = 0
        for off, n, j in entries:
            if off != dst:
                self.garena[dst:dst + n] = self.garena[off:off + n]   # memmove: dst < off
            gmap[2 * j + 1] = dst << 8 | n
            dst += n
        self._g_used = dst
        self._g_live = dst

    # ------------------------------------------------------------------ hyperlinks

    def intern_hyperlink(self, link_id: str, uri: str) -> int:
        """The index of (id, uri) in this page's hyperlink table. Raises PageOverflow."""
        key = (link_id, uri)
        idx = self.link_ids.get(key)
        if idx is not None:
            return idx
        if not self._link_free.available():
            self._collect_links()
            if not self._link_free.available():
                raise PageOverflow("hyperlinks")
        data = link_id.encode() + uri.encode()
        cap = len(self.sarena)
        if self._s_used + len(data) > cap:
            self._compact_strings()
            if self._s_used + len(data) > cap:
                raise PageOverflow("string_bytes")
        idx = self._link_free.take()
        off = self._s_used
        self.sarena[off:off + len(data)] = data
        self._s_used += len(data)
        w = idx * _LINK_WORDS
        self.links[w:w + _LINK_WORDS] = array("I", (off, len(link_id.encode()), len(uri.encode()), 1))
        self.link_ids[key] = idx
        return idx

    def hyperlink(self, idx: int) -> tuple[str, str]:
        w = idx * _LINK_WORDS
        off, id_len, uri_len, _ = self.links[w:w + _LINK_WORDS]
        raw = self.sarena[off:off + id_len + uri_len].tobytes()
        return raw[:id_len].decode(), raw[id_len:].decode()

    def set_hyperlink(self, row: int, start: int, end: int, idx: int) -> None:
        """Mark columns [start, end) as part of link `idx`. Raises PageOverflow('hyperlinks') if the map fills."""
        base = self.slots[row] * self.cols
        mask = self._hmask
        for i in range(base + start, base + end):
            if not self.fl[i] & CELL_HYPERLINK:
                if (self.link_cells + 1) * 16 > (self._hmask + 1) * 13:
                    raise PageOverflow("hyperlinks")
                self.link_cells += 1
            _map_put(self.hmap, mask, i + 1, idx + 1)
            self.fl[i] |= CELL_HYPERLINK
        self.rflags[row] |= ROW_HYPERLINK | ROW_DIRTY

    def hyperlink_at(self, row: int, col: int) -> int | None:
        i = self.slots[row] * self.cols + col
        if not self.fl[i] & CELL_HYPERLINK:
            return None
        v = _map_get(self.hmap, self._hmask, i + 1)
        return None if v is None else v - 1

    def hyperlinks_in_use(self) -> int:
        return len(self.link_ids)

    def _del_hyperlink(self, i: int) -> None:
        if _map_del(self.hmap, self._hmask, i + 1) is not None:
            self.link_cells -= 1
        self.fl[i] &= ~CELL_HYPERLINK

    def _live_link_indexes(self) -> set[int]:
        live = set(self.hmap[1::2].tolist())      # values are link index + 1; 0 marks an empty slot
        live.discard(0)
        return {v - 1 for v in live}

    def projected_need(self, dimension: str) -> int:
        """What `dimension` would need if the rest of the page's rows were like the rows used so far, plus 25%
        (so a page that overflows early grows once to fit, not doubling again and again)."""
        used = {"styles": self.styles_in_use() + 1, "grapheme_bytes": self.grapheme_bytes_used() + 64,
                "string_bytes": self._s_used + 256, "hyperlinks": self.hyperlinks_in_use() + 1}[dimension]
        rows = max(1, self.rows_used)
        scale = min(16.0, self.capacity.rows / rows)
        return int(used * scale * 1.25)

    def _collect_links(self) -> None:
        live = self._live_link_indexes()
        for key, idx in list(self.link_ids.items()):
            if idx not in live:
                del self.link_ids[key]
                w = idx * _LINK_WORDS
                self.links[w:w + _LINK_WORDS] = _zeros32(_LINK_WORDS)
                self._link_free.give(idx)

    def _compact_strings(self) -> None:
        self._collect_links()
        entries = []
        for idx in self.link_ids.values():
            w = idx * _LINK_WORDS
            entries.append((self.links[w], self.links[w + 1] + self.links[w + 2], idx))
        entries.sort()
        dst = 0
        for off, n, idx in entries:
            if off != dst:
                self.sarena[dst:dst + n] = self.sarena[off:off + n].tobytes()
            self.links[idx * _LINK_WORDS] = dst
            dst += n
        self._s_used = dst

    # ------------------------------------------------------------------ extras bookkeeping

    def _marked_cells(self, base: int, n: int) -> Iterator[int]:
        """Indexes of the cells in [base, base+n) flagged with a cluster or a link, as they were when called."""
        # The marker bits live in each u16's low byte: find marked cells with C-level byte operations.
        marks = self.fl[base:base + n].tobytes()[::2].translate(_EXTRA_BITS)
        k = marks.find(_EXTRA_BYTE)
        while k >= 0:
            yield base + k
            k = marks.find(_EXTRA_BYTE, k + 1)

    def _drop_extras(self, base: int, n: int) -> None:
        """Forget grapheme and hyperlink entries of cells [base, base+n) about to be overwritten."""
        fl = self.fl
        for i in list(self._marked_cells(base, n)):
            f = fl[i]
            if f & CELL_GRAPHEME:
                self._del_grapheme(i)
            if f & CELL_HYPERLINK:
                self._del_hyperlink(i)

    # ------------------------------------------------------------------ copying

    def clone_from(self, src: Page) -> None:
        """Copy all of `src` (same cols, rows and no larger tables) into this empty page, keeping ids."""
        assert self.cols == src.cols and self.capacity.rows >= src.rows_used
        assert self.capacity.styles >= src.capacity.styles
        assert self.capacity.hyperlinks >= src.capacity.hyperlinks
        n = len(src.styles)
        self.styles[:n] = src.styles
        self.style_ids = dict(src.style_ids)
        taken = set(self.style_ids.values())
        self._style_free = IdPool(1, self.capacity.styles, taken)
        src._compact_strings()
        if src._s_used > len(self.sarena):
            raise PageOverflow("string_bytes")
        self.sarena[:src._s_used] = src.sarena[:src._s_used]
        self._s_used = src._s_used
        self.links[:len(src.links)] = src.links
        self.link_ids = dict(src.link_ids)
        used = set(self.link_ids.values())
        self._link_free = IdPool(0, self.capacity.hyperlinks, used)
        used = src.rows_used
        if self.capacity.rows == src.capacity.rows:
            # Same rows and columns: the cell arrays and row slots copy wholesale, so cell indexes are equal.
            self.slots[:] = src.slots
            self.cp[:] = src.cp
            self.st[:] = src.st
            self.fl[:] = src.fl
            for r in range(used):
                self.rflags[r] = src.rflags[r] | ROW_DIRTY
            if src._gmask == self._gmask and len(src.garena) <= len(self.garena):
                self.gmap[:] = src.gmap                     # same hashing: the map and arena copy as they are
                self.garena[:len(src.garena)] = src.garena
                self._g_used, self._g_live, self._g_count = src._g_used, src._g_live, src._g_count
            elif src._g_count:
                keys, values = src.gmap[0::2].tolist(), src.gmap[1::2].tolist()
                for key, value in zip(keys, values, strict=True):
                    if key:
                        off, n = value >> 8, value & 0xFF
                        self._put_grapheme(key - 1, src.garena[off:off + n])
            if src._hmask == self._hmask:
                self.hmap[:] = src.hmap
                self.link_cells = src.link_cells
            elif src.link_cells:
                keys, values = src.hmap[0::2].tolist(), src.hmap[1::2].tolist()
                for key, value in zip(keys, values, strict=True):
                    if key:
                        _map_put(self.hmap, self._hmask, key, value)
                        self.link_cells += 1
        else:
            cols = self.cols
            for r in range(used):
                s = src.slots[r] * cols
                d = self.slots[r] * cols
                self.cp[d:d + cols] = src.cp[s:s + cols]
                self.st[d:d + cols] = src.st[s:s + cols]
                self.fl[d:d + cols] = src.fl[s:s + cols]
                self.rflags[r] = src.rflags[r] | ROW_DIRTY
                if src.rflags[r] & ROW_EXTRAS:
                    self._copy_row_extras(r, src, r, 0, cols, identity_links=True)
        self.rows_used = used

    def copy_cells(self, row: int, col: int, src: Page, src_row: int, src_col: int, n: int) -> None:
        """Copy n cells from another page (or this one, overlapping ranges included), re-interning styles, clusters
        and links here. PageOverflow is raised only before anything is written, so a caller can grow the page and
        call again with the same arguments."""
        if n <= 0:
            return
        s = src.slots[src_row] * src.cols + src_col
        d = self.slots[row] * self.cols + col
        srf = src.rflags[src_row]
        # The source's clusters and links are read before any write (the ranges may overlap), and room is made
        # for them first.
        extras = src._cell_extras(s, n) if srf & ROW_EXTRAS else []
        links = self._reserve_extras(extras) if extras else {}
        cp = src.cp[s:s + n].tobytes()
        fl = src.fl[s:s + n].tobytes()
        st = src.st[s:s + n]
        if src is self:
            st_out = st.tobytes()
        else:
            ids = set(st.tolist())
            remap = {sid: (self.intern_style(src.style(sid)) if sid else 0) for sid in ids}
            if all(k == v for k, v in remap.items()):
                st_out = st.tobytes()
            else:
                st_out = array("H", [remap[x] for x in st.tolist()]).tobytes()
        if self.rflags[row] & ROW_EXTRAS:
            self._drop_extras(d, n)
        self.cp[d:d + n] = memoryview(cp).cast("I")
        self.st[d:d + n] = memoryview(st_out).cast("H")
        self.fl[d:d + n] = memoryview(fl).cast("H")
        self.rflags[row] |= ROW_DIRTY
        if srf & ROW_EXTRAS:
            # Clear the marker bits first: only the entries really added set them again.
            for i in range(d, d + n):
                self.fl[i] &= ~(CELL_GRAPHEME | CELL_HYPERLINK)
            for k, cluster, link in extras:
                if cluster:
                    self.set_grapheme(row, col + k, cluster)
                if link is not None:
                    self.set_hyperlink(row, col + k, col + k + 1, links[link])

    def _cell_extras(self, base: int, n: int) -> list[tuple[int, str, tuple[str, str] | None]]:
        """(offset, cluster extras, link) of the cells [base, base+n) that have a cluster or a link."""
        out = []
        fl = self.fl
        for i in self._marked_cells(base, n):
            f = fl[i]
            cluster = self.grapheme_extras(i) if f & CELL_GRAPHEME else ""
            idx = _map_get(self.hmap, self._hmask, i + 1) if f & CELL_HYPERLINK else None
            link = None if idx is None else self.hyperlink(idx - 1)
            if cluster or link is not None:
                out.append((i - base, cluster, link))
        return out

    def _reserve_extras(self, extras: list[tuple[int, str, tuple[str, str] | None]]) -> dict[tuple[str, str], int]:
        """Intern the links of `extras` and make sure their clusters and link cells fit (as if none of the cells
        written over had any), raising PageOverflow otherwise. Returns link -> index here."""
        links: dict[tuple[str, str], int] = {}
        count = need = linked = 0
        for _, cluster, link in extras:
            if cluster:
                count += 1
                need += len(cluster)
            if link is not None:
                linked += 1
                if link not in links:
                    links[link] = self.intern_hyperlink(*link)
        if count:
            if (self._g_count + count) * 16 > (self._gmask + 1) * 13:
                raise PageOverflow("grapheme_bytes")
            cap_words = len(self.garena)
            if self._g_used + need > cap_words:
                self._compact_graphemes()
                if self._g_live + need > cap_words * 3 // 4:
                    raise PageOverflow("grapheme_bytes")
        if linked and (self.link_cells + linked) * 16 > (self._hmask + 1) * 13:
            raise PageOverflow("hyperlinks")
        return links

    def _copy_row_extras(self, row: int, src: Page, src_row: int, src_col: int, n: int,
                         identity_links: bool, dst_col: int | None = None) -> None:
        dst_col = src_col if dst_col is None else dst_col
        sbase = src.slots[src_row] * src.cols
        link_remap: dict[int, int] = {}
        for k in range(n):
            si = sbase + src_col + k
            f = src.fl[si]
            if f & CELL_GRAPHEME:
                extras = src.grapheme_extras(si)
                if extras:
                    self.set_grapheme(row, dst_col + k, extras)
            if f & CELL_HYPERLINK:
                idx = src.hyperlink_at(src_row, src_col + k)
                if idx is None:
                    continue
                if not identity_links:
                    if idx not in link_remap:
                        link_remap[idx] = self.intern_hyperlink(*src.hyperlink(idx))
                    idx = link_remap[idx]
                self.set_hyperlink(row, dst_col + k, dst_col + k + 1, idx)

    # ------------------------------------------------------------------ stats

    def table_usage(self) -> dict[str, int]:
        return {
            "styles": self.styles_in_use(),
            "grapheme_bytes": self.grapheme_bytes_used(),
            "hyperlinks": self.hyperlinks_in_use(),
            "string_bytes": self._s_used,
        }

    def __repr__(self) -> str:
        return (f"<Page #{self.serial} {self.ownership.value} {self.cols}x{self.rows_used}/{self.cap_rows}"
                f" {self.mapping.size} B>")


# ---------------------------------------------------------------------- open-addressing u32 map helpers
# Entries are (key, value) word pairs; key 0 marks an empty slot. Linear probing, backward-shift deletion.

def _map_get(m: memoryview, mask: int, key: int) -> int | None:
    i = (key * MAP_HASH) & mask
    while True:
        k = m[2 * i]
        if k == key:
            return m[2 * i + 1]
        if k == 0:
            return None
        i = (i + 1) & mask


def _map_put(m: memoryview, mask: int, key: int, value: int) -> None:
    i = (key * MAP_HASH) & mask
    while True:
        k = m[2 * i]
        if k == key or k == 0:
            m[2 * i] = key
            m[2 * i + 1] = value
            return
        i = (i + 1) & mask


def _map_del(m: memoryview, mask: int, key: int) -> int | None:
    i = (key * MAP_HASH) & mask
    while True:
        k = m[2 * i]
        if k == 0:
            return None
        if k == key:
            break
        i = (i + 1) & mask
    value = m[2 * i + 1]
    # Backward-shift: pull later entries of the probe run into the hole so lookups never stop early.
    hole = i
    j = i
    while True:
        j = (j + 1) & mask
        k = m[2 * j]
        if k == 0:
            break
        home = (k * MAP_HASH) & mask
        if (j - home) & mask >= (j - hole) & mask:
            m[2 * hole] = k
            m[2 * hole + 1] = m[2 * j + 1]
            hole = j
    m[2 * hole] = 0
    m[2 * hole + 1] = 0
    return value
