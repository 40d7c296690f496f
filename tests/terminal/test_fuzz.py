"""Property-based fuzzing of the emulator: arbitrary bytes through Stream -> Screen -> PageList, with resizes.

Inputs are built from fragments that aim at the hard parts: UTF-8 split across feeds, unterminated OSC/DCS/APC
strings, huge and absurd CSI parameters and counts, grapheme clusters of up to 10,000 codepoints (combining marks,
ZWJ chains), many unique OSC 8 links and truecolor styles (to force oversized pages), alternate screen switching,
scroll regions, modes, and raw random bytes; resizes (down to 1x1) are interleaved between feeds, and a "boundary"
step puts a page boundary inside the active area (so scrolling and line edits copy rows between two pages).

After every step (`check_screen`):
- no exception escapes `feed()`, and no handler raised (`stream.errors == 0`; a handler error is a Screen bug);
- `Terminal.check()` passes: the cursor is inside the screen and each Screen's `locs` is exactly where its
  PageList says the active rows are (and the PageList's own `check()`);
- every row of both PageLists (history included) has well-formed wide characters: a CELL_SPACER_TAIL only right
  after a CELL_WIDE in the same row (never in column 0), a CELL_WIDE never in the last column and always followed
  by its spacer;
- `PageList.check()` passes for the primary and alternate screens, every page's cluster and link maps have exactly
  one entry per marked cell, and the bytes each PageList accounts equal the bytes the OS reports for its owner tag;
- memory is bounded: history is within the scrollback limits unless no history page can be pruned, the pool's
  free list is within its cap, and the total mapped stays under a fixed bound;
- after `screen.close()` the OS reports 0 bytes for both owners.

`test_ich_dch_ech_keep_clusters_and_links` checks contents too: character insertion, deletion and erasure move or
blank whole cells, clusters and links included, against a list model of the row.

By default the examples are derandomized (the same every run, for CI). Failing inputs found while fuzzing are
kept as `@example`s and as files in `fuzz_cases/` (replayed by `test_regression_corpus`). `MUX_FUZZ_EXAMPLES=N`
raises the example count and randomizes for an offline campaign, e.g.
`MUX_FUZZ_EXAMPLES=20000 pytest tests/terminal/test_fuzz.py --hypothesis-seed=N`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mux.terminal import memory
from mux.terminal.page import CELL_GRAPHEME, CELL_HYPERLINK, CELL_SPACER_TAIL, CELL_WIDE, STD_PAGE_BYTES
from mux.terminal.pagelist import PageList
from mux.terminal.stream import Stream
from mux.terminal.terminal import Terminal

EXAMPLES = int(os.environ.get("MUX_FUZZ_EXAMPLES", "0"))
CASES = Path(__file__).parent / "fuzz_cases"
#: No PageList may ever map more than this in these tests (inputs are at most a few hundred KiB).
MAPPED_BOUND = 64 * 1024 * 1024


def fuzz_settings(default: int) -> settings:
    return settings(max_examples=EXAMPLES or default, deadline=None, derandomize=not EXAMPLES,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])


# ---------------------------------------------------------------------------------------------- invariants

# Byte -> 1 if the low byte of a cell's flags has a wide or spacer-tail bit (C-speed scan of a row's flags).
_WIDE_BITS = bytes(1 if b & (CELL_WIDE | CELL_SPACER_TAIL) else 0 for b in range(256))
_GRAPHEME_BITS = bytes(1 if b & CELL_GRAPHEME else 0 for b in range(256))
_LINK_BITS = bytes(1 if b & CELL_HYPERLINK else 0 for b in range(256))


def check_tables(pl: PageList) -> None:
    """A cell is marked as a cluster / link exactly when the page's map has an entry for it."""
    for page in pl.readable_pages():
        low = page.fl.tobytes()[::2]        # rows not in use are all zero
        clusters, links = page.extras_count()
        assert low.translate(_GRAPHEME_BITS).count(1) == clusters, page
        assert low.translate(_LINK_BITS).count(1) == links, page


def check_rows(pl: PageList) -> None:
    """Every row's wide characters are whole: WIDE at c < cols-1 with SPACER_TAIL at c+1, and nothing else."""
    cols = pl.cols
    for page in pl.readable_pages():
        assert page.cols == cols
        fl = page.fl
        for r in range(page.rows_used):
            start, end = page.row_span(r)
            if b"\x01" not in fl[start:end].tobytes()[::2].translate(_WIDE_BITS):
                continue
            flags = fl[start:end].tolist()
            c = 0
            while c < cols:
                f = flags[c]
                assert not f & CELL_SPACER_TAIL, f"spacer tail without its wide char at row {r} col {c}: {flags}"
                if f & CELL_WIDE:
                    assert c + 1 < cols, f"wide char in the last column at row {r}: {flags}"
                    tail = flags[c + 1]
                    assert tail & CELL_SPACER_TAIL and not tail & CELL_WIDE, f"wide char without spacer: {flags}"
                    c += 2
                else:
                    c += 1


def check_pagelist(pl: PageList) -> None:
    pl.check()
    check_rows(pl)
    check_tables(pl)
    tagged = memory.os_tagged_bytes(owner=pl.owner)
    assert tagged is None or tagged == pl.mapped_bytes(), (tagged, pl.mapped_bytes())
    # Bounded memory: over a limit only when no history page can go.
    if pl.counted_bytes() > pl.max_bytes():
        assert not pl.head_prunable(), (pl.bytes, pl.max_bytes())
    if pl.limit_lines is not None and pl.total_rows - pl.rows > pl.limit_lines:
        assert not pl.head_prunable(), (pl.total_rows, pl.rows, pl.limit_lines)
    assert pl.pool.free <= pl.pool.max_free
    assert pl.mapped_bytes() <= MAPPED_BOUND, pl.stats()


def check_screen(terminal: Terminal, stream: Stream) -> None:
    assert stream.errors == 0, "a Terminal handler raised"
    terminal.check()
    for screen in (terminal.primary, terminal.alternate):
        if screen is not None:
            check_pagelist(screen.pages)


def to_page_boundary(screen: Terminal, above: int) -> bytes:
    """Line feeds that leave the primary screen's last page boundary `above` rows into the active area (so that
    scrolling, line insertion and deletion copy rows between two pages)."""
    pl = screen.primary.pages
    last = pl.last
    free = last.capacity.rows - last.rows_used
    return b"\x1b[r\x1b[?6l\x1b[999;1H" + b"\n" * (free + max(0, min(above, screen.lines - 1)))


def run_steps(steps: list, cols: int = 80, rows: int = 24, scrollback_limit: int = 0,
              scrollback_lines: int | None = None) -> Terminal:
    """Feed/resize steps with every invariant checked after each; closes the screen and checks the release."""
    replies: list[bytes] = []
    screen = Terminal(cols, rows, scrollback_limit=scrollback_limit, scrollback_lines=scrollback_lines,
                    on_reply=replies.append, on_clipboard=lambda target, text: None)
    stream = Stream(screen)
    owners = [screen.primary.pages.owner]
    try:
        check_screen(screen, stream)
        for step in steps:
            if step[0] == "resize":
                screen.resize(step[1], step[2])
            elif step[0] == "boundary":
                stream.feed(to_page_boundary(screen, step[1]))
            else:
                for chunk in step[1]:
                    stream.feed(chunk)
            if screen.alternate is not None and screen.alternate.pages.owner not in owners:
                owners.append(screen.alternate.pages.owner)
            check_screen(screen, stream)
    finally:
        screen.close()
    for owner in owners:
        assert memory.os_tagged_bytes(owner=owner) in (None, 0), owner
    return screen


# ---------------------------------------------------------------------------------------------- input fragments

BIG_NUMBERS = st.sampled_from([0, 1, 2, 3, 7, 8, 79, 80, 255, 256, 1000, 9999, 65535, 65536, 99999,
                               2 ** 31, 2 ** 32 + 1, 10 ** 30])
numbers = st.one_of(st.integers(0, 300), BIG_NUMBERS)
CSI_FINALS = "@ABCDEFGHIJKLMPSTXZ`abcdefghlmnqrstuvxz{"


@st.composite
def csi(draw) -> bytes:
    prefix = draw(st.sampled_from(["", "", "", "?", ">", "<", "="]))
    params = draw(st.lists(numbers, max_size=6))
    sep = draw(st.sampled_from([";", ";", ":"]))
    body = sep.join("" if draw(st.booleans()) and p == 0 else str(p) for p in params)
    inter = draw(st.sampled_from(["", "", "", " ", "!", "$", '"']))
    final = draw(st.sampled_from(CSI_FINALS))
    return f"\x1b[{prefix}{body}{inter}{final}".encode()


absurd_counts = st.builds(lambda n, f: f"\x1b[{n}{f}".encode(), BIG_NUMBERS, st.sampled_from("@LMPXSTbIZABCDEFGd"))


@st.composite
def sgr(draw) -> bytes:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        r, g, b = draw(st.integers(0, 255)), draw(st.integers(0, 255)), draw(st.integers(0, 255))
        which = draw(st.sampled_from([38, 48, 58]))
        return f"\x1b[{which};2;{r};{g};{b}m".encode()
    if kind == 1:
        return f"\x1b[38:2::{draw(st.integers(0, 300))}:{draw(st.integers(0, 300))}:1m".encode()
    if kind == 2:
        return f"\x1b[{draw(st.integers(0, 300))};5;{draw(numbers)}m".encode()
    if kind == 3:
        return f"\x1b[4:{draw(st.integers(0, 9))}m".encode()
    return f"\x1b[{';'.join(str(p) for p in draw(st.lists(st.integers(0, 110), max_size=5)))}m".encode()


def style_storm(seed: int, n: int) -> bytes:
    """n distinct truecolor styles, one character each: more styles than a standard page holds."""
    return b"".join(f"\x1b[38;2;{(seed + k) % 256};{k % 256};{k // 256 % 256}m{chr(65 + k % 26)}".encode()
                    for k in range(n)) + b"\x1b[m"


def link_storm(seed: int, n: int, uri_len: int) -> bytes:
    """n distinct OSC 8 links with long URIs: overflows a page's link table and string arena."""
    pad = "x" * uri_len
    return b"".join(f"\x1b]8;id=l{seed}-{k};https://example.com/{seed}/{k}/{pad}\x1b\\L{k}\x1b]8;;\x07 ".encode()
                    for k in range(n))


@st.composite
def link(draw) -> bytes:
    params = draw(st.sampled_from(["", "id=a", "id=" + "i" * 300, "foo=bar:id=b"]))
    uri = draw(st.sampled_from(["https://e.com/", "file:///tmp/x", "javascript:alert(1)", "", "x" * 9000]))
    text = draw(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FFF), max_size=10))
    end = draw(st.sampled_from([b"\x1b]8;;\x1b\\", b"\x1b]8;;\x07", b""]))
    return f"\x1b]8;{params};{uri}{draw(st.integers(0, 10 ** 6))}\x07".encode() + text.encode() + end


COMBINING = ["\u0301", "\u0308", "\u20dd", "\u0489", "\u1ab0", "\ufe0f", "\ufe0e", "\U0001F3FD", "\u200d"]
EMOJI = ["\U0001F469", "\U0001F468", "\U0001F466", "\U0001F525", "\u2764", "\U0001F3F3", "\U0001F1FA", "a", "\u4e2d"]


@st.composite
def cluster(draw) -> bytes:
    """A long grapheme cluster: a base and up to 10,000 combining marks, or a ZWJ chain of emoji."""
    n = draw(st.one_of(st.integers(1, 40), st.sampled_from([255, 256, 1000, 10_000])))
    base = draw(st.sampled_from(EMOJI))
    if draw(st.booleans()):
        mark = draw(st.sampled_from(COMBINING))
        text = base + mark * n
    else:
        text = base + "".join("\u200d" + EMOJI[(k * 7 + len(base)) % len(EMOJI)] for k in range(n // 2 + 1))
    return text.encode()


unicode_text = st.text(
    st.one_of(st.characters(codec="utf-8", exclude_categories=("Cs",)),
              st.sampled_from(COMBINING + EMOJI + ["\u3000", "\uff21", "\u1100", "\u0e33", "\U0001F1E6"])),
    max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass"))

ascii_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=200).map(str.encode)

MODES = [b"\x1b[?1049h", b"\x1b[?1049l", b"\x1b[?47h", b"\x1b[?47l", b"\x1b[?1047h", b"\x1b[?1047l",
         b"\x1b[?1048h", b"\x1b[?1048l", b"\x1b[?6h", b"\x1b[?6l", b"\x1b[?7l", b"\x1b[?7h", b"\x1b[4h", b"\x1b[4l",
         b"\x1b[20h", b"\x1b[20l", b"\x1b[?2027l", b"\x1b[?2027h", b"\x1b[?2026h", b"\x1b[?2026l", b"\x1b[?3h",
         b"\x1b[?25l", b"\x1b[?1000h", b"\x1b[?1006h", b"\x1b(0", b"\x1b(B", b"\x0e", b"\x0f", b"\x1b)0",
         b"\x1b7", b"\x1b8", b"\x1b[s", b"\x1b[u", b"\x1bc", b"\x1b#8", b"\x1b[!p", b"\x1bD", b"\x1bM", b"\x1bE",
         b"\x1bH", b"\x1b[3J", b"\x1b[2J", b"\x1b[J", b"\x1b[1J", b"\x1b[K", b"\x1b[1K", b"\x1b[2K", b"\r\n",
         b"\n", b"\r", b"\t", b"\x08", b"\x07", b"\x85", b"\x84", b"\x8d", b"\x88", b"\x1b[>c", b"\x1b[>q",
         b"\x1b[?u", b"\x1b[>1u", b"\x1b[<u", b"\x1b[=3;2u", b"\x1b[6n", b"\x1b[?6n", b"\x1b[5n", b"\x1b[c",
         b"\x1b[?2004$p", b"\x1b[4$p", b"\x1b[3 q", b"\x1b=", b"\x1b>", b"\x1b[?69h", b"\x1b[?69l",
         b"\x1b[?45h", b"\x1b[?45l", b"\x1b6", b"\x1b9", b"\x1b[2'}", b"\x1b['~", b"\x1b[99999'}",
         b"\x1b[?41h", b"\x1b[?66h",
         b"\x1b[?7;1049;6;66s", b"\x1b[?7;1049;6;66r", b'\x1b[62"p', b'\x1b[65;1"p', b"\x1b[?63;9n", b"\x1bZ"]


@st.composite
def margins(draw) -> bytes:
    top, bottom = draw(numbers), draw(numbers)
    return f"\x1b[{top};{bottom}r".encode() + draw(st.sampled_from([b"", b"\x1b[99;1H\n\n\n", b"\x1bM\x1bM"]))


@st.composite
def rectangles(draw) -> bytes:
    """Protected text (DECSCA, SPA/EPA, wide characters included), then a selective erase or a rectangle operation
    (DECFRA, DECERA, DECSERA, DECCRA) with coordinates around and beyond the screen's edges."""
    protect = draw(st.sampled_from([b"\x1b[1\"q", b"\x1b[0\"q", b"\x1bV", b"\x1bW", b"\x1b[2\"q", b""]))
    text = draw(st.sampled_from([b"ab", "\u4e2d\u6587".encode(), "e\u0301".encode(), b"x" * 90]))
    coords = ";".join(str(draw(st.one_of(st.integers(0, 90), BIG_NUMBERS))) for _ in range(8))
    op = draw(st.sampled_from(["$x", "$z", "${", "$v", "?J", "?1J", "?2K", "?1K", "X", "K"]))
    if op[0] == "?":
        tail = f"\x1b[{op}"
    elif op in ("X", "K"):
        tail = f"\x1b[{coords[:2].strip(';')}{op}"
    elif op == "$x":
        tail = f"\x1b[{draw(st.sampled_from(['35;', '0;', '300;', '']))}{coords}{op}"
    else:
        tail = f"\x1b[{coords}{op}"
    return protect + text + draw(st.sampled_from([b"\x1b[?6h", b"", b"\x1b[3;9r\x1b[?6h"])) + tail.encode()


@st.composite
def lr_margins(draw) -> bytes:
    """DECLRMM and DECSLRM (any numbers), then something that wraps, scrolls or edits inside them."""
    left, right = draw(numbers), draw(numbers)
    return b"\x1b[?69h" + f"\x1b[{left};{right}s".encode() + draw(st.sampled_from(
        [b"", b"\x1b[99;1H\n\n\n", b"\x1bM\x1bM", "ab中cd\U0001F525efgh".encode() * 3, b"\x1b[2L\x1b[M",
         b"\x1b[3@\x1b[2P", b"\x1b[?6h\x1b[2;3H\x1b[6n\x1b[3S\x1b[T", b"\x1b[?45h\x08\x08\x08\x1b[9D",
         b"\x1b6\x1b6\x1b9\x1b9", b"\x1b[2'}\x1b[3'~", b"\x1b[4h\xe4\xb8\xadxyz\x1b[4l", b"\x1b[?7lxxxxxxxxxxxx"]))


@st.composite
def strings(draw) -> bytes:
    """OSC/DCS/APC/PM/SOS strings, terminated, aborted, or left open (the next fragment continues them)."""
    intro = draw(st.sampled_from([b"\x1b]", b"\x1bP", b"\x1b_", b"\x1b^", b"\x1bX", b"\x9d", b"\x90", b"\x9f"]))
    code = draw(st.sampled_from([b"0;", b"2;", b"4;1;", b"4;300;?", b"4;", b"8;;", b"10;?", b"10;", b"11;", b"52;c;",
                                 b"52;c;?", b"7;", b"133;A", b"104;", b"112", b"", b"1q", b"999999999999;",
                                 b"$q", b"$qm", b'$q"p', b"$q r"]))
    body = draw(st.one_of(st.binary(max_size=50), st.text(max_size=20).map(lambda t: t.encode("utf-8", "replace")),
                          st.sampled_from([b"aGVsbG8=", b"rgb:ff/00/00", b"#123456", b"x" * 70_000, b"\x1b[31m",
                                           b"\x1bX", b"9" * 5000 + b";?", "\u00b2;?".encode(), "\u0661;?".encode(),
                                           "rgb:\uff11/-f/+0_0".encode(), b"1;?;2;?;3;?", b"?;?;?"])))
    end = draw(st.sampled_from([b"\x07", b"\x1b\\", b"\x9c", b"\x18", b"\x1a", b"", b"\x1b"]))
    return intro + code + body + end


alt_screen = st.builds(lambda enter, body, leave: enter + body + leave,
                       st.sampled_from([b"\x1b[?1049h", b"\x1b[?47h", b"\x1b[?1047h", b"\x1b[?1049h\x1b[?1049h"]),
                       st.one_of(ascii_text, unicode_text, st.builds(style_storm, st.integers(0, 255), st.just(200))),
                       st.sampled_from([b"\x1b[?1049l", b"\x1b[?47l", b"\x1b[?1047l", b"", b"\x1bc"]))

fragment = st.one_of(
    ascii_text,
    alt_screen,
    unicode_text,
    csi(),
    absurd_counts,
    sgr(),
    link(),
    cluster(),
    margins(),
    rectangles(),
    lr_margins(),
    strings(),
    st.sampled_from(MODES),
    st.binary(max_size=40),
    st.builds(style_storm, st.integers(0, 255), st.sampled_from([1, 130, 300])),
    st.builds(link_storm, st.integers(0, 10 ** 6), st.sampled_from([3, 20, 60]), st.sampled_from([10, 300, 2000])),
    st.builds(lambda text, n: text * n, st.sampled_from([b"\xe4\xb8\xad", b"ab\r\n", b"\xf0\x9f\x94\xa5 ", b"x\t"]),
              st.integers(1, 400)),
)


@st.composite
def feed_step(draw) -> tuple[str, list[bytes]]:
    """One feed: fragments joined, then cut at arbitrary points (so UTF-8 and sequences split across feeds)."""
    data = b"".join(draw(st.lists(fragment, min_size=1, max_size=8)))
    cuts = sorted(set(draw(st.lists(st.integers(0, max(0, len(data))), max_size=4))))
    chunks, prev = [], 0
    for cut in cuts:
        chunks.append(data[prev:cut])
        prev = cut
    chunks.append(data[prev:])
    return ("feed", chunks)


dims = st.one_of(st.tuples(st.integers(1, 40), st.integers(1, 130)),
                 st.sampled_from([(1, 1), (1, 2), (2, 1), (2, 2), (3, 80), (24, 80), (50, 200)]))
resize_step = dims.map(lambda d: ("resize", d[0], d[1]))
boundary_step = st.integers(0, 40).map(lambda k: ("boundary", k))
steps = st.lists(st.one_of(feed_step(), feed_step(), resize_step, boundary_step), min_size=1, max_size=10)
limits = st.sampled_from([0, 0, STD_PAGE_BYTES, 4 * STD_PAGE_BYTES, 10_000_000])
line_limits = st.sampled_from([None, None, 0, 5, 1000])


# ---------------------------------------------------------------------------------------------- tests

# Regression inputs found by this file (each failed before its fix in mux; see the comments).
_LINKS40 = b"".join(f"\x1b]8;;https://e/{k}\x07L\x1b]8;;\x07".encode() for k in range(40))
_BIG = ("e" + "\u0301" * 31).encode()


@fuzz_settings(400)
@given(steps=steps, size=dims, limit=limits, lines=line_limits)
# DL/IL/SU/SD/index copying rows into a page that must grow for their links: Screen._rotate used the stale row list.
@example(steps=[("boundary", 5), ("feed", [b"\x1b[6;1H" + _LINKS40]), ("feed", [b"\x1b[1;1H\x1b[5M"])],
         size=(10, 20), limit=0, lines=None)
@example(steps=[("boundary", 5), ("feed", [b"\x1b[1;1H" + _LINKS40]), ("feed", [b"\x1b[1;9r\x1b[5T"])],
         size=(10, 20), limit=0, lines=None)
@example(steps=[("boundary", 5), ("feed", [b"\x1b[6;1H" + _LINKS40, b"\x1b[2;10r\x1b[10;1H\n\n\n\n\n"])],
         size=(10, 20), limit=0, lines=None)
# Insert mode: the shift before a wide char or cluster grew the page, which was then written through a stale ref.
@example(steps=[("feed", [_BIG * 47, b"\x1b[11;17H" + _BIG * 2, b"\x1b[12;1H" + _BIG * 16 + b"\x1b[12;1H\x1b[2K",
                          "\x1b[4h\x1b[11;17H\u4e2d\x1b[11;17He\u0301\x1b[11;17H\U0001F469\u200d\U0001F4BB".encode()])],
         size=(12, 20), limit=0, lines=None)
# OSC 4 / 104 with an index that str.isdigit accepts but int refuses ("²", 5000 digits) raised in the handler.
@example(steps=[("feed", ["\x1b]4;\u00b2;?\x07\x1b]104;\u00b2\x07\x1b]4;".encode() + b"9" * 5000 + b";?\x07"])],
         size=(24, 80), limit=0, lines=None)
# A line limit was not enforced when the new row started a page and so moved the old page into history.
@example(steps=[("boundary", 0), ("feed", [b"000"])], size=(1, 2), limit=0, lines=0)
# An oversized page that scrolled into history stayed mapped over the limit until the next page was needed.
@example(steps=[("boundary", 1), ("feed", [link_storm(0, 60, 2000)])], size=(3, 60), limit=0, lines=None)
def test_stream_screen_invariants(steps, size, limit, lines):
    run_steps(steps, rows=size[0], cols=size[1], scrollback_limit=limit, scrollback_lines=lines)


@fuzz_settings(200)
@given(data=st.binary(max_size=4000), cuts=st.lists(st.integers(0, 4000), max_size=8), size=dims)
def test_raw_bytes(data, cuts, size):
    """Plain random bytes, cut anywhere."""
    cuts = sorted({c for c in cuts if c <= len(data)})
    chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    run_steps([("feed", chunks)], rows=size[0], cols=size[1])


@fuzz_settings(50)
@given(seed=st.integers(0, 10 ** 6), size=dims, resizes=st.lists(dims, min_size=1, max_size=4),
       alt=st.booleans())
def test_oversized_pages_with_resizes(seed, size, resizes, alt):
    """Unique links and styles force oversized pages; resizes reflow them; memory stays bounded and is released."""
    storm = link_storm(seed, 40, 500) + style_storm(seed, 300) + (b"\x1b[?1049h" if alt else b"")
    steps: list = []
    for rows, cols in resizes:
        steps += [("feed", [storm, b"\r\n" * 5]), ("resize", rows, cols)]
    steps.append(("feed", [b"\x1b[?1049l", storm]))
    run_steps(steps, rows=size[0], cols=size[1], scrollback_limit=0)


def _corpus() -> list[Path]:
    return sorted(CASES.glob("*.bin")) if CASES.is_dir() else []


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.name)
def test_regression_corpus(path):
    """Stored inputs: `<name>.bin` is fed at 80x24 and at 1x1, then resized through several sizes."""
    data = path.read_bytes()
    for rows, cols in ((24, 80), (1, 1), (5, 3)):
        run_steps([("feed", [data[: len(data) // 2], data[len(data) // 2:]]), ("resize", 1, 1), ("resize", 30, 7),
                   ("feed", [data]), ("resize", rows, cols)], rows=rows, cols=cols)


# ---------------------------------------------------------------------------------------------- editing a row

MARKS = "\u0301\u0308\u0323\u0330\u0358"


def row_model_cells(screen: Terminal, y: int) -> list[tuple[str, str | None]]:
    """(cluster text, link URI) of every cell of active row y."""
    page, r = screen.line(y)
    out = []
    for c in range(screen.columns):
        cp, f = page.codepoint_at(r, c), page.flags_at(r, c)
        text = (chr(cp) if cp else " ") + (page.grapheme_extras(page.cell_index(r, c)) if f & CELL_GRAPHEME else "")
        idx = page.hyperlink_at(r, c)
        out.append((text, None if idx is None else page.hyperlink(idx)[1]))
    return out


narrow_cell = st.tuples(st.sampled_from("abcXYZ"), st.integers(0, 31), st.sampled_from([None, None, "https://a/",
                                                                                          "https://b/"]))
edit = st.tuples(st.sampled_from("@PX"), st.integers(0, 40), st.integers(0, 40))


@fuzz_settings(150)
@given(cells=st.lists(narrow_cell, min_size=2, max_size=30), edits=st.lists(edit, min_size=1, max_size=6),
       fill=st.integers(0, 60))
@example(cells=[("a", 0, None), ("e", 1, None), ("b", 0, None), ("c", 1, None), ("d", 0, None)],
         edits=[("@", 0, 2), ("P", 0, 3)], fill=0)          # ICH/DCH once scrambled overlapping clusters
@example(cells=[("e", 31, None)] * 20, edits=[("@", 3, 2)] * 3, fill=47)   # the shift overflows the arena
def test_ich_dch_ech_keep_clusters_and_links(cells, edits, fill):
    """ICH, DCH and ECH move or blank whole cells, clusters and links included (also when the page must grow
    because its grapheme arena is nearly full of clusters in other rows)."""
    cols = len(cells)
    screen = Terminal(cols, 4, scrollback_limit=0)
    stream = Stream(screen)
    try:
        # Other rows nearly fill the page's grapheme arena (with garbage too), so the shift may overflow it.
        big = "e" + MARKS[0] * 31
        stream.feed(b"\x1b[?7h\x1b[2;1H" + (big * fill).encode() + b"\x1b[1;1H\x1b[?7l")
        model = []
        for base, marks, uri in cells:
            text = base + (MARKS * 7)[:marks]
            stream.feed((f"\x1b]8;;{uri}\x07{text}\x1b]8;;\x07" if uri else text).encode())
            model.append((text, uri))
        assert row_model_cells(screen, 0) == model
        blank = (" ", None)
        for op, x, n in edits:
            x = min(x, cols - 1)
            stream.feed(f"\x1b[1;{x + 1}H\x1b[{n}{op}".encode())
            n = min(max(1, n), cols - x)
            if op == "@":
                model = model[:x] + [blank] * n + model[x:cols - n]
            elif op == "P":
                model = model[:x] + model[x + n:] + [blank] * n
            else:
                model = model[:x] + [blank] * n + model[x + n:]
            assert row_model_cells(screen, 0) == model, (op, x, n)
            check_screen(screen, stream)
    finally:
        screen.close()
