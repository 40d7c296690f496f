"""The page pool: preheat, take/put, free-list cap, and refusing direct mappings."""

import pytest

from mux.terminal import memory
from mux.terminal.memory import PAGE_SIZE, Mapping, Ownership
from mux.terminal.pool import PagePool

STD = 4 * PAGE_SIZE


def test_preheat_take_put_and_counts():
    pool = PagePool(STD, preheat=2, max_free=3, owner="pool1")
    assert (pool.in_use, pool.free, pool.capacity) == (0, 2, 2)
    a, b, c = pool.take(), pool.take(), pool.take()
    assert (pool.in_use, pool.free, pool.mapped_total) == (3, 0, 3)
    assert all(m.ownership is Ownership.POOL and m.size == STD for m in (a, b, c))
    a.buffer[10] = 1
    pool.put(a)
    assert (pool.in_use, pool.free) == (2, 1)
    again = pool.take()
    assert again is a and not any(again.buffer), "a reused pool mapping comes back zeroed"
    for m in (again, b, c):
        pool.put(m)
    pool.close()
    assert pool.capacity == 0
    assert memory.os_tagged_bytes(owner="pool1") in (0, None)


def test_free_list_is_capped_and_extra_pages_are_unmapped():
    pool = PagePool(STD, preheat=0, max_free=1, owner="pool2")
    taken = [pool.take() for _ in range(3)]
    for m in taken:
        pool.put(m)
    assert pool.free == 1
    assert pool.unmapped_total == 2
    assert sum(m.closed for m in taken) == 2
    if memory.os_tagged_bytes() is not None:
        assert memory.os_tagged_bytes(owner="pool2") == STD
    pool.close()


def test_a_direct_mapping_can_never_enter_the_pool():
    pool = PagePool(STD, preheat=0)
    pool.take()
    direct = Mapping(STD, Ownership.DIRECT)  # same size as a pool page: size must not matter
    with pytest.raises(ValueError, match="not pool-owned"):
        pool.put(direct)
    assert pool.free == 0
    direct.close()


def test_close_with_pages_in_use_is_an_error():
    pool = PagePool(STD, preheat=0)
    m = pool.take()
    with pytest.raises(AssertionError):
        pool.close()
    pool.put(m)
    pool.close()


def test_preheat_above_cap_is_rejected():
    with pytest.raises(ValueError):
        PagePool(STD, preheat=5, max_free=2)
