"""The pool of standard-size page mappings of one PageList.

Owns: mapping, handing out, taking back and finally unmapping pool-owned mappings of exactly `std_size` bytes.

Invariants:
- Every mapping the pool hands out or keeps was created here with Ownership.POOL; `put` refuses anything else,
  so a directly mapped (oversized) page can never enter the free list. That is the Ghostty leak, made impossible.
- Free mappings are zeroed and their physical memory returned to the OS when they come back (`Mapping.clear`).
- At most `max_free` mappings wait in the free list; one more is unmapped at once.
- in_use + free == mappings this pool has open; after `close`, both are 0.
"""

from __future__ import annotations

from mux.terminal.memory import Mapping, Ownership


class PagePool:
    def __init__(self, std_size: int, preheat: int = 4, max_free: int = 8, owner: str = "") -> None:
        if preheat > max_free:
            raise ValueError("preheat exceeds the free-list cap")
        self.std_size = std_size
        self.owner = owner
        self.max_free = max_free
        self.in_use = 0
        self._free: list[Mapping] = [Mapping(std_size, Ownership.POOL, owner) for _ in range(preheat)]
        self.mapped_total = preheat
        self.unmapped_total = 0
        self._closed = False

    @property
    def free(self) -> int:
        return len(self._free)

    @property
    def capacity(self) -> int:
        """Pool mappings currently open: in use by the list plus waiting in the free list."""
        return self.in_use + len(self._free)

    @property
    def free_bytes(self) -> int:
        return len(self._free) * self.std_size

    def take(self) -> Mapping:
        """A zeroed standard mapping, from the free list when it has one."""
        assert not self._closed, "take() from a closed pool"
        if self._free:
            mapping = self._free.pop()
        else:
            mapping = Mapping(self.std_size, Ownership.POOL, self.owner)
            self.mapped_total += 1
        self.in_use += 1
        return mapping

    def put(self, mapping: Mapping) -> None:
        """Take back a mapping this pool handed out: zero it and keep it, or unmap it past the cap."""
        if mapping.ownership is not Ownership.POOL:
            raise ValueError(f"{mapping!r} is not pool-owned; direct mappings are unmapped, never pooled")
        assert mapping.size == self.std_size, "a pool mapping changed size"
        assert self.in_use > 0, "put() without a matching take()"
        self.in_use -= 1
        if self._closed or len(self._free) >= self.max_free:
            mapping.close()
            self.unmapped_total += 1
        else:
            mapping.clear()
            self._free.append(mapping)

    def close(self) -> None:
        """Unmap the free list. Pages still in use must be put back first (they are then unmapped)."""
        assert self.in_use == 0, f"closing a pool with {self.in_use} pages still in use"
        for mapping in self._free:
            mapping.close()
            self.unmapped_total += 1
        self._free.clear()
        self._closed = True
