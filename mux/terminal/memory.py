"""OS memory mappings for page memory: map, name, clear, unmap, and read back what the OS says is mapped.

Owns:
- `Mapping`: one page-aligned, zero-filled OS mapping whose `ownership` (pool | direct | cold) is fixed at birth
  and can never change. Release code looks only at `ownership`, never at a size (inferring ownership from a size is
  exactly how Ghostty leaked 37 GB).
- Naming: every mapping is named after its ownership and owner (`mux-pool.p3` / `mux-direct.p3` / `mux-cold.p3`,
  where `p3` names the PageList) so `/proc/self/maps` attributes it, per kind and per owner. The kernel's
  `PR_SET_VMA_ANON_NAME` is used where it is allowed ("[anon:mux-pool.p3]"); otherwise each mapping is a named memfd
  ("/memfd:mux-pool.p3 (deleted)"). Both show up by name.
- `os_tagged_bytes()`: sums this process's named page mappings from `/proc/self/maps`.
- `live_bytes()`: this process's accounted bytes of open mappings, by ownership.

Invariants (asserted by the tests):
- live_bytes(kind) == os_tagged_bytes(kind) at every step, for each kind and in total.
- A closed Mapping has no buffer left; closing twice is an error.
"""

from __future__ import annotations

import ctypes
import enum
import mmap
import os
import re
import sys

PAGE_SIZE = mmap.PAGESIZE
TAG_PREFIX = "mux-"


class Ownership(enum.Enum):
    """Who releases a page's memory: the pool's free list, or a direct munmap (an oversized page, or a cold page's
    compressed bytes: both are always unmapped, never pooled)."""

    POOL = "pool"
    DIRECT = "direct"
    COLD = "cold"

    def tag(self, owner: str = "") -> str:
        return f"{TAG_PREFIX}{self.value}.{owner}" if owner else TAG_PREFIX + self.value


def round_to_pages(size: int) -> int:
    return -(-size // PAGE_SIZE) * PAGE_SIZE


_live = dict.fromkeys(Ownership, 0)
_counts = dict.fromkeys(Ownership, 0)


def live_bytes(kind: Ownership | None = None) -> int:
    """Bytes of mappings this process has open, as accounted here (not asked of the OS)."""
    return _live[kind] if kind is not None else sum(_live.values())


def live_mappings(kind: Ownership | None = None) -> int:
    return _counts[kind] if kind is not None else sum(_counts.values())


class _Naming(enum.Enum):
    UNTRIED = 0
    PRCTL = 1
    MEMFD = 2
    NONE = 3


_naming = _Naming.UNTRIED
_PR_SET_VMA = 0x53564D41
_PR_SET_VMA_ANON_NAME = 0


def _address_of(mm: mmap.mmap) -> int:
    anchor = ctypes.c_char.from_buffer(mm)
    try:
        return ctypes.addressof(anchor)
    finally:
        del anchor


def _map_named(size: int, tag: str) -> mmap.mmap:
    """Map `size` zeroed bytes named `tag`, choosing the naming mechanism once per process."""
    global _naming
    if _naming in (_Naming.UNTRIED, _Naming.PRCTL) and sys.platform == "linux":
        mm = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        libc = ctypes.CDLL(None, use_errno=True)
        ok = libc.prctl(_PR_SET_VMA, _PR_SET_VMA_ANON_NAME, ctypes.c_ulong(_address_of(mm)),
                        ctypes.c_ulong(size), ctypes.c_char_p(tag.encode())) == 0
        if ok:
            _naming = _Naming.PRCTL
            return mm
        mm.close()
        _naming = _Naming.MEMFD
    if _naming is _Naming.MEMFD or (_naming is _Naming.UNTRIED and hasattr(os, "memfd_create")):
        _naming = _Naming.MEMFD
        fd = os.memfd_create(tag, os.MFD_CLOEXEC)
        try:
            os.ftruncate(fd, size)
            return mmap.mmap(fd, size)
        finally:
            os.close(fd)
    _naming = _Naming.NONE
    return mmap.mmap(-1, size)


def naming_mechanism() -> str:
    """'prctl', 'memfd' or 'none' once the first mapping was made; 'untried' before."""
    return _naming.name.lower()


class Mapping:
    """One OS mapping of `size` bytes (a multiple of the VM page size), owned by the pool or mapped directly."""

    __slots__ = ("_mm", "_size", "_ownership", "_address", "buffer")

    def __init__(self, size: int, ownership: Ownership, owner: str = "") -> None:
        if size <= 0 or size % PAGE_SIZE:
            raise ValueError(f"mapping size {size} is not a positive multiple of {PAGE_SIZE}")
        if not _OWNER.fullmatch(owner):
            raise ValueError(f"mapping owner {owner!r} must be short and alphanumeric")
        self._adopt(_map_named(size, ownership.tag(owner)), size, ownership)

    @classmethod
    def from_memfd(cls, fd: int, size: int, ownership: Ownership) -> Mapping:
        """The Mapping of `size` bytes of the memfd `fd`, which its creator named `ownership.tag(owner)` (the cold
        page worker makes blobs so). Takes `fd` over: it is closed, even on an error."""
        try:
            if size <= 0 or size % PAGE_SIZE:
                raise ValueError(f"mapping size {size} is not a positive multiple of {PAGE_SIZE}")
            mapping = cls.__new__(cls)
            mapping._adopt(mmap.mmap(fd, size), size, ownership)
            return mapping
        finally:
            os.close(fd)

    def _adopt(self, mm: mmap.mmap, size: int, ownership: Ownership) -> None:
        self._mm: mmap.mmap | None = mm
        self._size = size
        self._ownership = ownership
        self._address = _address_of(mm)
        self.buffer: memoryview | None = memoryview(mm)
        _live[ownership] += size
        _counts[ownership] += 1

    @property
    def size(self) -> int:
        return self._size

    @property
    def ownership(self) -> Ownership:
        return self._ownership

    @property
    def closed(self) -> bool:
        return self._mm is None

    def clear(self) -> None:
        """Zero the whole mapping and hand its physical memory back to the OS (it stays mapped)."""
        assert self._mm is not None, "clear() on a closed mapping"
        if _naming is _Naming.MEMFD and hasattr(mmap, "MADV_REMOVE"):
            self._mm.madvise(mmap.MADV_REMOVE)
        elif _naming is _Naming.PRCTL and hasattr(mmap, "MADV_DONTNEED"):
            self._mm.madvise(mmap.MADV_DONTNEED)
        else:
            self.buffer[:] = bytes(self._size)

    def zero(self) -> None:
        """Zero the whole mapping in place, keeping its memory (for a page about to be reused at once: cheaper
        than `clear`, whose returned memory would fault straight back in)."""
        if self._mm is None:      # not an assert: memset on an unmapped address would crash the process
            raise ValueError("zero() on a closed mapping")
        ctypes.memset(self._address, 0, self._size)     # a write-only pass, not a copy of a zero block

    def close(self) -> None:
        """Unmap. Every view derived from `buffer` must have been released first (mmap refuses otherwise)."""
        assert self._mm is not None, "close() on a closed mapping"
        self.buffer.release()
        try:
            self._mm.close()
        except BufferError:
            self.buffer = memoryview(self._mm)    # still mapped and usable: a view outlives the owner's release
            raise
        self.buffer = None
        self._mm = None
        _live[self._ownership] -= self._size
        _counts[self._ownership] -= 1

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<Mapping {self._ownership.value} {self._size} B {state}>"


_OWNER = re.compile(r"[A-Za-z0-9_]{0,32}")
# start-end perms offset dev inode, then the name: "[anon:mux-pool.p3]" or "/memfd:mux-pool.p3 (deleted)". The
# kinds are Ownership's values.
_MAPS_LINE = re.compile(
    rb"^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s+"
    rb"(?:\[anon:|/memfd:)mux-(pool|direct|cold)(?:\.(\w+))?(?:\]| \(deleted\))?$",
    re.M,
)


def os_tagged_bytes(kind: Ownership | None = None, owner: str | None = None) -> int | None:
    """Bytes of this process's page mappings as the OS reports them (optionally of one kind and/or owner),
    or None where the OS cannot tell."""
    if _naming is _Naming.NONE or sys.platform != "linux":
        return None
    try:
        with open("/proc/self/maps", "rb") as f:
            maps = f.read()
    except OSError:
        return None
    want_kind = kind.value.encode() if kind is not None else None
    want_owner = owner.encode() if owner is not None else None
    total = 0
    for start, end, map_kind, map_owner in _MAPS_LINE.findall(maps):
        if want_kind is not None and map_kind != want_kind:
            continue
        if want_owner is not None and map_owner != want_owner:
            continue
        total += int(end, 16) - int(start, 16)
    return total


def process_rss() -> int | None:
    """This process's resident set size in bytes, from /proc/self/statm; None where there is no /proc."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None
