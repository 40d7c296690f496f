"""Cold pages: the compressed form of a page's memory, in its own named mapping.

Owns the cold blob format (header, codec, layout version, checksum), the codecs, and the two conversions:
`encode(page)` (a hot page's bytes -> a blob) and `decode_into(blob, buffer)` (a blob -> the page's bytes, into a
mapping the caller provides). Which pages go cold and when is the PageList's business, not this module's.

Blob layout (little endian), at offset 0 of a `mux-cold.<owner>` mapping of the blob's size rounded up to the OS
page size:
    magic     4s   b"MXCP"
    layout    u8   LAYOUT_VERSION: what the raw bytes are (1: the page mapping's bytes up to its layout size, in
                   `Capacity.layout` order, so planes stay separate and compress as such)
    codec     u8   CODEC_ZLIB or CODEC_ZSTD
    reserved  u16  0
    raw_len   u32  bytes the payload decompresses to (the page's layout size)
    pay_len   u32  bytes of payload after the header
    crc       u32  CRC-32 of the payload
    payload

Invariants:
- `decode_into` either restores exactly the bytes `encode` read, or raises `ColdCorrupt` and writes nothing past
  what it validated: a flipped bit anywhere in the blob is caught by the header checks, the payload CRC or the
  codec's own check, never returned as cells.
- A blob records its codec, so pages frozen by one codec thaw after the default changes.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

LAYOUT_VERSION = 1
CODEC_ZLIB = 1
CODEC_ZSTD = 2
CODEC_NAMES = {CODEC_ZLIB: "zlib", CODEC_ZSTD: "zstd"}

_HEADER = struct.Struct("<4sBBHIII")
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


def encode(raw: memoryview, codec: int = DEFAULT_CODEC) -> bytes:
    """The blob of a page's raw bytes (`raw` is read, never kept)."""
    payload = _COMPRESS[codec](raw)
    return _HEADER.pack(_MAGIC, LAYOUT_VERSION, codec, 0, len(raw), len(payload),
                        zlib.crc32(payload)) + payload


def blob_info(blob: memoryview) -> tuple[int, int, int]:
    """(codec, raw length, blob length) from a blob's header, validated with the payload's CRC; raises
    ColdCorrupt."""
    if len(blob) < HEADER_BYTES:
        raise ColdCorrupt("cold blob shorter than its header")
    magic, layout, codec, reserved, raw_len, pay_len, crc = _HEADER.unpack_from(blob)
    if magic != _MAGIC or layout != LAYOUT_VERSION or reserved or codec not in CODEC_NAMES:
        raise ColdCorrupt("cold blob header is damaged or of an unknown version")
    end = HEADER_BYTES + pay_len
    if end > len(blob):
        raise ColdCorrupt("cold blob payload runs past its mapping")
    if zlib.crc32(blob[HEADER_BYTES:end]) != crc:
        raise ColdCorrupt("cold blob checksum mismatch")
    return codec, raw_len, end


def decode_into(blob: memoryview, out: memoryview) -> int:
    """Restore a blob's raw bytes into `out` (at least raw length long). Returns the raw length."""
    codec, raw_len, end = blob_info(blob)
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
    out[:raw_len] = raw
    return raw_len
