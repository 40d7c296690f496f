"""Width classes: graphemes.width_class (the one definition), the two-stage table widthtable.py packs from it, and
the compiled lookup built from that table, which must agree with it on every codepoint 0..0x10FFFF.

The compiled comparison is skipped only when the compiled module is absent and CI is unset; under CI it must be
there. The reference (about 5 s to compute) is kept in pytest's cache, keyed by the wcwidth version and the text
of graphemes.py.
"""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from mux.terminal import fastpath, graphemes, widthtable

CODEPOINTS = widthtable.CODEPOINTS
IN_CI = bool(os.environ.get("CI")) and not fastpath.forced_pure     # CI reruns these tests with MUX_PURE_PYTHON=1


def compiled_module():
    """The compiled module, or skip (outside CI) / fail (in CI) when it is not the active path."""
    if fastpath.compiled is None:
        message = f"the compiled hot path is not active: {fastpath.reason}"
        if IN_CI:
            pytest.fail(f"CI needs the compiled hot path ({message}); build it with `pip install -e .`")
        pytest.skip(message)
    return fastpath.compiled


@pytest.fixture(scope="module")
def reference(request) -> bytes:
    """One class code per codepoint, straight from graphemes.width_class (cached across runs)."""
    key = hashlib.sha256(
        widthtable.wcwidth_version().encode() + Path(graphemes.__file__).read_bytes()
    ).hexdigest()[:16]
    cache = getattr(request.config, "cache", None)
    path = cache.mkdir("mux-width-reference") / f"{key}.bin" if cache is not None else None
    if path is not None and path.is_file():
        data = path.read_bytes()
        if len(data) == CODEPOINTS:
            return data
    codes = widthtable.CLASS_CODES
    data = bytes(codes[graphemes.width_class(cp)] for cp in range(CODEPOINTS))
    if path is not None:
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return data


def test_compiled_width_class_equals_graphemes_on_every_codepoint(reference):
    compiled = compiled_module()
    got = bytes(map(compiled.width_class, range(CODEPOINTS)))
    if got != reference:
        wrong = [cp for cp in range(CODEPOINTS) if got[cp] != reference[cp]]
        pytest.fail(f"{len(wrong)} codepoints differ (rebuild with `pip install -e .`), first: "
                    + ", ".join(f"U+{cp:04X} compiled {got[cp]} graphemes {reference[cp]}" for cp in wrong[:5]))


def test_compiled_table_comes_from_the_installed_wcwidth():
    compiled = compiled_module()
    assert compiled.WIDTH_TABLE_WCWIDTH_VERSION == widthtable.wcwidth_version()
    assert (compiled.JOINS, compiled.NARROW, compiled.WIDE) == (0, 1, 2)
    assert tuple(widthtable.CLASS_CODES[c] for c in (graphemes.JOINS, graphemes.SIMPLE_NARROW,
                                                      graphemes.SIMPLE_WIDE)) == (0, 1, 2)


@pytest.mark.parametrize("bad", [-1, CODEPOINTS, CODEPOINTS + 1, 2**31, 2**32, 2**64, -2**64, 10**40])
def test_out_of_range_codepoints_are_value_errors_on_both_paths(bad):
    with pytest.raises(ValueError):
        graphemes.width_class(bad)
    if fastpath.compiled is not None:
        with pytest.raises(ValueError):
            fastpath.compiled.width_class(bad)


@pytest.mark.parametrize("bad", ["a", 1.5, None, b"a"])
def test_non_integers_are_type_errors_on_the_compiled_path(bad):
    compiled = compiled_module()
    with pytest.raises(TypeError):
        compiled.width_class(bad)


def test_compiled_boundaries_and_integer_likes(reference):
    compiled = compiled_module()
    for cp in (0, 0x7F, 0xFF, 0x100, 0xD800, 0xDFFF, 0xFFFF, 0x10000, 0x10FFFF):
        assert compiled.width_class(cp) == reference[cp]
    assert compiled.width_class(True) == reference[1]   # any int (bool included), as chr() takes


def test_width_classes_cache_is_width_class():
    rng = random.Random(7)
    sample = [rng.randrange(CODEPOINTS) for _ in range(2000)] + [0x41, 0x301, 0x200D, 0x4E2D, 0x1F44D, 0x1F1E6]
    for cp in sample:
        assert graphemes.WIDTH_CLASSES[cp] == graphemes.width_class(cp)
    text = "a\u0301中👍🏽\u200d"
    assert graphemes.width_classes(text) == "".join(graphemes.width_class(ord(ch)) for ch in text)


def test_pack_is_exact_and_deduplicates():
    rng = random.Random(1)
    classes = bytearray(CODEPOINTS)             # all JOINS
    for _ in range(300):                        # runs of every class at random places, some across blocks
        start = rng.randrange(CODEPOINTS)
        classes[start:start + rng.randrange(1, 700)] = bytes([rng.randrange(3)]) * 699
    classes = bytes(classes[:CODEPOINTS])
    index, blocks = widthtable.pack(classes)
    assert len(index) == CODEPOINTS // widthtable.BLOCK_SIZE
    assert all(len(b) == widthtable.BLOCK_SIZE // widthtable.PER_BYTE for b in blocks)
    assert len(set(blocks)) == len(blocks) and max(index) < len(blocks)
    assert widthtable.unpack(index, blocks) == classes
    assert widthtable.pack(bytes(CODEPOINTS)) == ([0] * len(index), [bytes(64)])


@pytest.mark.parametrize("bad", [bytes(CODEPOINTS - 1), bytes([3]) * CODEPOINTS], ids=["short", "class-3"])
def test_pack_refuses_what_is_not_a_class_table(bad):
    with pytest.raises(ValueError):
        widthtable.pack(bad)


def test_header_describes_its_table(reference):
    index, blocks = widthtable.pack(reference)
    assert widthtable.unpack(index, blocks) == reference
    text = widthtable.render_header(index, blocks, "9.9.9")
    assert '#define MUX_WT_WCWIDTH_VERSION "9.9.9"' in text
    assert f"#define MUX_WT_NBLOCKS {len(blocks)}u" in text
    assert f"#define MUX_WT_INDEX_LEN {len(index)}u" in text
    assert ("typedef uint8_t mux_wt_index_t;" if len(blocks) <= 256 else "typedef uint16_t mux_wt_index_t;") in text


def test_write_header_leaves_an_unchanged_header_alone(tmp_path, monkeypatch, reference):
    monkeypatch.setattr(widthtable, "classify_all", lambda: reference)
    path = tmp_path / "gen" / widthtable.HEADER_NAME
    first = widthtable.write_header(path)
    mtime = path.stat().st_mtime_ns
    second = widthtable.write_header(path)
    assert first["changed"] == 1 and second["changed"] == 0 and path.stat().st_mtime_ns == mtime
    assert first["wcwidth"] == widthtable.wcwidth_version()


def test_widthtable_imports_only_graphemes_and_wcwidth():
    """setup.py imports widthtable before the package's dependencies exist: nothing else may come with it."""
    code = ("import sys; before = set(sys.modules); import mux.terminal.widthtable; "
            "print('\\n'.join(sorted(set(sys.modules) - before)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    allowed = {"mux", "mux.terminal", "mux.terminal.graphemes", "mux.terminal.widthtable"}
    extra = [name for name in done.stdout.split()
             if name not in allowed and name.split(".")[0] not in sys.stdlib_module_names
             and name.split(".")[0] != "wcwidth"]
    assert extra == [], f"widthtable's import chain grew: {extra}"
