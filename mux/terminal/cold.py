"""Cold pages: the compressed form of a page's memory, in its own named mapping.

Owns the cold blob format (header, codec, layout version, checksum), the byte-plane transform, the codecs, the
two conversions: `encode(raw, planes)` (a hot page's bytes -> a blob) and `decode_into(blob, buffer)` (a blob -> the
page's bytes, into a mapping the caller provides), and the `Freezer` that makes cold mappings off the parsing
thread. Which pages go cold and when is the PageList's business, not this module's.

Blob layout (little endian), at offset 0 of a `mux-cold.<owner>` mapping of the blob's size rounded up to the OS
page size:
    magic     4s   b"MXCP"
    layout    u8   LAYOUT_VERSION: what the payload decompresses to (2: the page mapping's bytes up to its layout
                   size, with its u32 regions [0, end4) and its u16 regions [end4, end2) as byte planes, see `shuffle`)
    codec     u8   CODEC_ZLIB or CODEC_ZSTD
    reserved  u16  0
    raw_len   u32  bytes the payload decompresses to (the page's layout size)
    pay_len   u32  bytes of payload after the header
    end4      u32  end of the u32 regions
    end2      u32  end of the u16 regions
    crc       u32  CRC-32 of the header's bytes before it and of the payload
    payload

Why planes: a codepoint is a u32 whose upper bytes are zero for most text, and a style id or a flag a u16 that is
mostly zero; byte k of every item side by side makes long runs of zeros and of similar bytes. The compiled module
(fastpath.c) does the transform; `shuffle` and `unshuffle` here are the reference, with identical results.

Invariants:
- `decode_into` either restores exactly the bytes `encode` read, or raises `ColdCorrupt` and writes nothing past
  what it validated: a flipped bit anywhere in the blob is caught by the header checks, the CRC (of the header
  and the payload) or the codec's own check, never returned as cells.
- A blob records its codec, so pages frozen by one codec thaw after the default changes.
- The worker thread (`Freezer`, over the compiled module's ColdWorker) writes the same blobs as `encode` with
  zstd: the same header, planes and CRC, decoded by the same `decode_into`.
"""

from __future__ import annotations

import os
import struct
import sys
import zlib
from collections.abc import Callable

from mux.terminal.fastpath import compiled as _compiled
from mux.terminal.memory import Mapping, Ownership, round_to_pages

LAYOUT_VERSION = 2
CODEC_ZLIB = 1
CODEC_ZSTD = 2
CODEC_NAMES = {CODEC_ZLIB: "zlib", CODEC_ZSTD: "zstd"}

_HEADER = struct.Struct("<4sBBHIIIII")
HEADER_BYTES = _HEADER.size
_MAGIC = b"MXCP"
ZLIB_LEVEL = 1
ZSTD_LEVEL = 1

try:    # Python 3.14 has zstd in the standard library; 3.11-3.13 get the same module from backports.zstd
    from compression import zstd as _zstd  # type: ignore[import-not-found]
except ImportError:
    try:
        from backports import zstd as _zstd  # type: ignore[import-not-found,no-redef]
    except ImportError:
        _zstd = None


def shuffle_py(raw: memoryview, out: memoryview, end4: int, end2: int) -> None:
    """Write raw's bytes as planes into the start of `out`: byte k of every u32 item of [0, end4) (k = 0..3), then
    byte k of every u16 item of [end4, end2) (k = 0..1), then [end2, len) as it is; as many bytes as raw. (The
    reference; `shuffle` is the compiled one when it is there.)"""
    data = bytes(raw)
    u32, u16 = data[:end4], data[end4:end2]
    out[:len(data)] = b"".join([u32[0::4], u32[1::4], u32[2::4], u32[3::4], u16[0::2], u16[1::2], data[end2:]])


def unshuffle_py(planes: bytes, out: memoryview, end4: int, end2: int) -> None:
    """Write the bytes `shuffle` made `planes` of into the start of `out`. (The reference, as shuffle_py.)"""
    raw = bytearray(len(planes))      # strided slice assignment is fast on a bytearray, slow on a memoryview
    n4, n2 = end4 // 4, (end2 - end4) // 2
    for k in range(4):
        raw[k:end4:4] = planes[k * n4:(k + 1) * n4]
    for k in range(2):
        raw[end4 + k:end2:2] = planes[end4 + k * n2:end4 + (k + 1) * n2]
    raw[end2:] = planes[end2:]
    out[:len(raw)] = raw


shuffle = shuffle_py if _compiled is None else _compiled.shuffle
unshuffle = unshuffle_py if _compiled is None else _compiled.unshuffle


class ColdCorrupt(Exception):
    """A cold blob failed a check: its history is lost (the caller drops it and counts it)."""


_zstd_compressor = None


def _zstd_compress(data: memoryview) -> bytes:
    # One compressor, reused: a new one allocates and clears its tables on every call (~10% slower per page).
    global _zstd_compressor
    if _zstd_compressor is None:
        _zstd_compressor = _zstd.ZstdCompressor(level=ZSTD_LEVEL)
    return _zstd_compressor.compress(data, mode=_zstd.ZstdCompressor.FLUSH_FRAME)


def _zstd_decompress(data: memoryview, raw_len: int) -> bytes:
    return _zstd.decompress(data)


def _zlib_decompress(data: memoryview, raw_len: int) -> bytes:
    return zlib.decompress(data, bufsize=raw_len)


_COMPRESS: dict[int, Callable[[memoryview], bytes]] = {CODEC_ZLIB: lambda data: zlib.compress(data, ZLIB_LEVEL)}
_DECOMPRESS: dict[int, Callable[[memoryview, int], bytes]] = {CODEC_ZLIB: _zlib_decompress}
if _zstd is not None:
    _COMPRESS[CODEC_ZSTD] = _zstd_compress
    _DECOMPRESS[CODEC_ZSTD] = _zstd_decompress

#: The codec new cold pages use: zstd where it is installed (see the CHANGELOG for the measurement), else zlib.
DEFAULT_CODEC = CODEC_ZSTD if _zstd is not None else CODEC_ZLIB


def available_codecs() -> list[int]:
    return sorted(_COMPRESS)


def _zstd_library() -> str:
    """The file holding the zstd functions the Python module calls (the worker looks them up there, so both use
    one library), or the system's libzstd when the module is built into Python."""
    for name in ("backports.zstd._zstd", "_zstd"):
        path = getattr(sys.modules.get(name), "__file__", None)
        if path:
            return path
    return "libzstd.so.1"


class Freezer:
    """Turns hot pages into cold mappings for PageLists, in the order they are submitted: on the compiled module's
    worker thread (ColdWorker: planes, zstd, CRC and a named memfd, all without the GIL) when there is one and the
    codec is zstd, else inline, at submit. Either way a PageList sees the same results in the same order, so its
    decisions never depend on how fast the thread is.

    Each owner's jobs finish in the order they were submitted (one thread, one queue); a job's page bytes must not
    change until its result is collected or the owner's jobs are cancelled. A result is mapped only when it is
    collected, so every mapping made is one its PageList accounts for at once (a finished memfd or blob is not in
    the process's maps yet)."""

    def __init__(self, threaded: object | None) -> None:
        self._thread = threaded
        # owner -> results not yet collected, oldest first: (job, (fd, size)) from the thread, (job, (blob, owner
        # name)) made inline, or (job, None) for a page not worth freezing
        self._done: dict[int, list[tuple[int, tuple | None]]] = {}

    @property
    def threaded(self) -> bool:
        return self._thread is not None

    def submit(self, owner: int, job: int, raw: memoryview, planes: tuple[int, int], codec: int, max_bytes: int,
               tag_owner: str) -> None:
        """Queue `raw` (a hot page's bytes, planes as for `encode`) to become a cold mapping of at most max_bytes,
        named for `tag_owner`; a result of None means it would not be smaller than that."""
        if self._thread is not None and codec == CODEC_ZSTD and not self._done.get(owner):
            try:
                self._thread.submit(owner, job, raw, *planes, max_bytes, Ownership.COLD.tag(tag_owner))
                return
            except OSError:             # no thread could be started: this job runs inline instead
                pass
        done = self._done.setdefault(owner, [])
        if self._thread is not None:    # results keep the order of their jobs
            self._take_thread(owner, 1 << 30, done)
        blob = encode(raw, planes, codec)
        done.append((job, (blob, tag_owner) if round_to_pages(len(blob)) <= max_bytes else None))

    def collect(self, owner: int, count: int, wait: bool = True) -> list[tuple[int, Mapping | None]]:
        """The `count` oldest results of owner's jobs as cold mappings (with `wait`, waiting for them without the
        GIL; else only those finished), fewer only if fewer are pending (or finished)."""
        done = self._done.pop(owner, [])
        if len(done) > count:
            self._done[owner] = done[count:]
            del done[count:]
        if len(done) < count and self._thread is not None:
            self._take_thread(owner, count - len(done), done, wait)
        return [(job, _mapped(result)) for job, result in done]

    def _take_thread(self, owner: int, count: int, out: list, wait: bool = True) -> None:
        while count > 0:
            results = self._thread.collect(owner, wait, count)
            if not results:
                return
            count -= len(results)
            out.extend((job, (fd, size) if fd >= 0 else None) for job, fd, size in results)

    def cancel(self, owner: int) -> None:
        """Forget owner's jobs: queued ones are dropped, a running one is waited for, results are let go."""
        if self._thread is not None:
            self._thread.cancel(owner)
        for _, result in self._done.pop(owner, []):
            if result is not None and isinstance(result[0], int):
                os.close(result[0])


def _mapped(result: tuple | None) -> Mapping | None:
    if result is None:
        return None
    data, detail = result
    if isinstance(data, int):        # a memfd the worker thread filled, `detail` bytes
        return Mapping.from_memfd(data, detail, Ownership.COLD)
    return blob_mapping(data, detail)


def blob_mapping(blob: bytes, owner: str) -> Mapping:
    """A `mux-cold.<owner>` mapping of the blob's size rounded up to the OS page size, holding `blob`."""
    mapping = Mapping(round_to_pages(len(blob)), Ownership.COLD, owner)
    mapping.buffer[:len(blob)] = blob
    return mapping


_freezer: Freezer | None = None


def freezer() -> Freezer:
    """The process's Freezer, with the compiled worker thread when it can be had (started on first use)."""
    global _freezer
    if _freezer is None:
        make = getattr(_compiled, "ColdWorker", None)
        thread = None
        if make is not None and _zstd is not None:
            try:
                thread = make(_zstd_library(), ZSTD_LEVEL, _MAGIC, LAYOUT_VERSION, CODEC_ZSTD)
            except OSError:
                thread = None
        _freezer = Freezer(thread)
    return _freezer


#: A page's planes are written into one buffer kept for the next page, up to this size (an oversized page's go
#: into a buffer of their own): a new 400 KiB object per page would be page-faulted in every time.
PLANES_KEPT_BYTES = 1 << 20
_planes_buffer = bytearray()


def _planes(raw: memoryview, end4: int, end2: int) -> memoryview:
    """raw as planes, in the kept buffer (valid until the next call: `encode` is used from one thread)."""
    global _planes_buffer
    n = len(raw)
    buffer = _planes_buffer if len(_planes_buffer) >= n else bytearray(n)
    if n <= PLANES_KEPT_BYTES:
        _planes_buffer = buffer
    view = memoryview(buffer)[:n]
    shuffle(raw, view, end4, end2)
    return view


def encode(raw: memoryview, planes: tuple[int, int], codec: int = DEFAULT_CODEC) -> bytes:
    """The blob of a page's raw bytes (`raw` is read, never kept), whose u32 regions end at planes[0] and u16
    regions at planes[1]."""
    end4, end2 = planes
    if not 0 <= end4 <= end2 <= len(raw) or end4 % 4 or (end2 - end4) % 2:
        raise ValueError(f"plane ends {planes} do not fit {len(raw)} bytes")
    payload = _COMPRESS[codec](_planes(raw, end4, end2))
    head = _HEADER.pack(_MAGIC, LAYOUT_VERSION, codec, 0, len(raw), len(payload), end4, end2, 0)[:-4]
    return head + struct.pack("<I", zlib.crc32(payload, zlib.crc32(head))) + payload


def blob_info(blob: memoryview) -> tuple[int, int, int, int, int]:
    """(codec, raw length, blob length, end4, end2) from a blob's header, validated with the CRC; raises
    ColdCorrupt."""
    if len(blob) < HEADER_BYTES:
        raise ColdCorrupt("cold blob shorter than its header")
    magic, layout, codec, reserved, raw_len, pay_len, end4, end2, crc = _HEADER.unpack_from(blob)
    if magic != _MAGIC or layout != LAYOUT_VERSION or reserved or codec not in CODEC_NAMES:
        raise ColdCorrupt("cold blob header is damaged or of an unknown version")
    end = HEADER_BYTES + pay_len
    if end > len(blob):
        raise ColdCorrupt("cold blob payload runs past its mapping")
    if zlib.crc32(blob[HEADER_BYTES:end], zlib.crc32(blob[:HEADER_BYTES - 4])) != crc:
        raise ColdCorrupt("cold blob checksum mismatch")
    if not 0 <= end4 <= end2 <= raw_len or end4 % 4 or (end2 - end4) % 2:
        raise ColdCorrupt("cold blob plane ends do not fit its length")   # a CRC collision, or a bad encoder
    return codec, raw_len, end, end4, end2


def decode_into(blob: memoryview, out: memoryview) -> int:
    """Restore a blob's raw bytes into `out` (at least raw length long). Returns the raw length."""
    codec, raw_len, end, end4, end2 = blob_info(blob)
    if raw_len > len(out):
        raise ColdCorrupt("cold blob is larger than the page it restores")
    payload = blob[HEADER_BYTES:end]
    decompress = _DECOMPRESS.get(codec)
    if decompress is None:
        raise ColdCorrupt(f"cold blob needs codec {CODEC_NAMES[codec]}, which is not installed")
    try:
        raw = decompress(payload, raw_len)
    except Exception as exc:     # any codec failure on damaged data is lost history, not a crash
        raise ColdCorrupt(f"cold blob does not decompress: {exc}") from None
    if len(raw) != raw_len:
        raise ColdCorrupt("cold blob decompressed to the wrong length")
    unshuffle(raw, out, end4, end2)
    return raw_len
