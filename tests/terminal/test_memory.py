"""OS mappings: naming, accounting against /proc/self/maps, clearing, closing."""

import sys

import pytest

from mux.terminal import memory
from mux.terminal.memory import PAGE_SIZE, Mapping, Ownership

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="OS truth needs /proc/self/maps")


@linux_only
def test_mapping_is_named_and_counted_by_the_os():
    before_os = memory.os_tagged_bytes()
    before = memory.live_bytes()
    m = Mapping(3 * PAGE_SIZE, Ownership.DIRECT, owner="t1")
    assert memory.live_bytes() - before == 3 * PAGE_SIZE
    assert memory.os_tagged_bytes() - before_os == 3 * PAGE_SIZE
    assert memory.os_tagged_bytes(Ownership.DIRECT, owner="t1") == 3 * PAGE_SIZE
    assert memory.os_tagged_bytes(Ownership.POOL, owner="t1") == 0
    m.close()
    assert memory.os_tagged_bytes(owner="t1") == 0
    assert memory.live_bytes() == before


@linux_only
def test_kinds_are_told_apart():
    pool = Mapping(PAGE_SIZE, Ownership.POOL, owner="t2")
    direct = Mapping(2 * PAGE_SIZE, Ownership.DIRECT, owner="t2")
    assert memory.os_tagged_bytes(Ownership.POOL, "t2") == PAGE_SIZE
    assert memory.os_tagged_bytes(Ownership.DIRECT, "t2") == 2 * PAGE_SIZE
    pool.close()
    direct.close()


def test_mapping_is_zeroed_and_clear_zeroes_it_again():
    m = Mapping(2 * PAGE_SIZE, Ownership.POOL)
    assert not any(m.buffer)
    m.buffer[0] = 7
    m.buffer[PAGE_SIZE + 5] = 9
    m.clear()
    assert not any(m.buffer)
    m.close()


def test_ownership_is_read_only():
    m = Mapping(PAGE_SIZE, Ownership.POOL)
    with pytest.raises(AttributeError):
        m.ownership = Ownership.DIRECT  # type: ignore[misc]
    m.close()


def test_close_refuses_while_a_view_is_exported_and_twice():
    m = Mapping(PAGE_SIZE, Ownership.DIRECT)
    view = m.buffer[0:16]
    with pytest.raises(BufferError):
        m.close()
    view.release()
    m.close()
    assert m.closed
    with pytest.raises(AssertionError):
        m.close()


@pytest.mark.parametrize("size", [0, -PAGE_SIZE, PAGE_SIZE + 1])
def test_bad_sizes_are_rejected(size):
    with pytest.raises(ValueError):
        Mapping(size, Ownership.DIRECT)


def test_bad_owner_is_rejected():
    with pytest.raises(ValueError):
        Mapping(PAGE_SIZE, Ownership.DIRECT, owner="has space")
