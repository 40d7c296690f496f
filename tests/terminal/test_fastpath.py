"""Equivalence of the compiled hot path and the pure-Python reference: the same bytes through both must leave
identical pages (cells, style ids and the styles they name, clusters, links, row flags), cursor, pen, modes and
memory stats, on both screens, history included.

Inputs: the recorded corpora and every differential edge case, the benchmark corpora (mux.soak.corpus, at
two widths), the fuzz regression files, and Hypothesis-generated feeds built from the fuzz
fragments (UTF-8 and sequences split across feeds, clusters, links, styles, margins, modes, resizes). The
compiled path also runs the fuzz invariants (tests/terminal/test_fuzz.py calls Terminal.check() after every step
through whatever path the Stream uses).

Skipped when the compiled module is absent, except under CI (CI=true), where it must be there unless the
pure-Python path was asked for (MUX_PURE_PYTHON=1: .ci/run reruns the emulator tests that way).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given

from mux.soak import corpus
from mux.terminal import fastpath
from mux.terminal.page import CELL_GRAPHEME, CELL_HYPERLINK
from mux.terminal.stream import Stream, token_regex
from mux.terminal.terminal import Terminal
from tests.differential.streams import all_streams
from tests.terminal.test_fuzz import CASES, fuzz_settings, limits, steps, style_storm

ROOT = Path(__file__).resolve().parents[2]

if fastpath.compiled is None:
    if os.environ.get("CI") and not fastpath.forced_pure:
        pytest.fail(f"the compiled hot path is missing under CI ({fastpath.reason})", pytrace=False)
    pytest.skip(f"no compiled hot path ({fastpath.reason})", allow_module_level=True)

# Stats that depend on the clock, not on what was written.
_TIMED = {"churn_per_min"}


def _stats(pages) -> dict:
    stats = pages.stats()
    stats["oversized"] = {k: v for k, v in stats["oversized"].items() if k not in _TIMED}
    return stats


def snapshot(terminal: Terminal) -> dict:
    """Everything the two paths must agree on."""
    terminal.screen.flush()
    s = terminal.screen
    out: dict = {
        "cursor": (s.x, s.y, s.pending_wrap, s.pen, s.link, s.last_char),
        "modes": (sorted(terminal.private_modes), terminal.modes.insert, terminal.modes.newline,
                  terminal.modes.margin_top, terminal.modes.margin_bottom, terminal.modes.translate is None),
        "alternate": terminal.in_alternate,
        "titles": (terminal.title, terminal.icon_name, terminal.cwd, terminal.bell_count, terminal.notify_count),
    }
    for name, screen in (("primary", terminal.primary), ("alternate", terminal.alternate)):
        if screen is None:
            out[name] = None
            continue
        pl = screen.pages
        rows = []
        for page, r in pl.scan(0, pl.total_rows):
            start, end = page.row_span(r)
            st = page.st[start:end].tolist()
            fl = page.fl[start:end].tolist()
            extras = []
            for c, f in enumerate(fl):
                if f & (CELL_GRAPHEME | CELL_HYPERLINK):
                    link = page.hyperlink_at(r, c)
                    extras.append((c, page.grapheme_extras(start + c) if f & CELL_GRAPHEME else "",
                                   None if link is None else page.hyperlink(link)))
            rows.append((page.rflags[r], page.cp[start:end].tobytes(), st, [page.style(sid) for sid in set(st)],
                         fl, extras))
        out[name] = {"rows": rows, "stats": _stats(pl),
                     "pages": [(p.capacity, p.rows_used, p.ownership) for p in pl.pages()]}
    return out


def run_both(chunks: list[bytes], cols: int, rows: int, resizes: dict[int, tuple[int, int]] | None = None,
             **kwargs) -> tuple[dict, dict]:
    """Feed `chunks` through the compiled and the pure-Python path; (compiled snapshot, Python snapshot)."""
    snaps = []
    for compiled in (True, False):
        terminal = Terminal(cols, rows, on_reply=lambda data: None, on_clipboard=lambda target, text: None,
                            **kwargs)
        stream = Stream(terminal, compiled=compiled)
        try:
            for k, chunk in enumerate(chunks):
                if resizes and k in resizes:
                    terminal.resize(*resizes[k])
                stream.feed(chunk)
            assert stream.errors == 0, "a handler raised"
            terminal.check()
            snaps.append(snapshot(terminal))
        finally:
            terminal.close()
    return snaps[0], snaps[1]


def assert_same(compiled: dict, python: dict) -> None:
    """Equal, with the first differing row named (a whole-dict diff of pages is unreadable)."""
    for key in python:
        if key in ("primary", "alternate") and python[key] is not None and compiled[key] is not None:
            crows, prows = compiled[key]["rows"], python[key]["rows"]
            for i, (a, b) in enumerate(zip(crows, prows, strict=False)):
                assert a == b, f"{key} row {i} differs:\ncompiled {a}\npython   {b}"
            assert len(crows) == len(prows), f"{key}: {len(crows)} rows compiled, {len(prows)} in Python"
            assert compiled[key]["stats"] == python[key]["stats"], key
            assert compiled[key]["pages"] == python[key]["pages"], key
        else:
            assert compiled[key] == python[key], key


def test_the_compiled_path_is_in_use():
    """The check below is not vacuous: a Terminal's Stream takes the kernel, and the kernel writes cells."""
    terminal = Terminal(10, 2)
    stream = Stream(terminal)
    assert stream.compiled and fastpath.kernel_for(terminal) is not None
    assert fastpath.kernel_for(object()) is None
    stream.feed(b"\x1b[31mab\xe4\xb8\xad")
    assert terminal.display()[0].rstrip() == "ab中"
    terminal.close()


@pytest.mark.parametrize("case", all_streams(), ids=lambda s: s.id)
def test_corpora_and_edge_cases(case):
    data = case.data
    # Whole, and cut every 7 bytes (sequences and UTF-8 split across feeds).
    assert_same(*run_both([data], case.cols, case.rows))
    assert_same(*run_both([data[i:i + 7] for i in range(0, len(data), 7)], case.cols, case.rows))


@pytest.mark.parametrize("cols", [100, 120])
@pytest.mark.parametrize("name", sorted(corpus.GENERATORS))
def test_benchmark_corpora(name, cols):
    data = corpus.generate(name, 300_000)
    chunks = [data[i:i + 65536] for i in range(0, len(data), 65536)]
    assert_same(*run_both(chunks, cols, 40, scrollback_limit=2_000_000))


@pytest.mark.parametrize("boundary", [1, 20, 38])
@pytest.mark.parametrize("region", [(1, 36), (4, 40), (5, 30)], ids=["top", "bottom", "middle"])
def test_scroll_regions_straddling_a_page_boundary(region, boundary):
    """A scroll region whose rows lie in two pages: each page's rows rotate and the row crossing the boundary is
    copied, its styles re-mapped (in the kernel when the destination page has them, in Python when it must intern
    them, or when the row has clusters or links). Up (line feeds at the bottom) and down (reverse index at the top).
    """
    cols, rows = 100, 40
    probe = Terminal(cols, rows)
    per_page = probe.primary.pages.std_capacity.rows
    probe.close()
    top, bottom = region
    # The page boundary lands on screen row `boundary`.
    out = [f"line {i}\r\n" for i in range(per_page + rows - boundary - 1)]
    out.append(f"\x1b[{top};{bottom}r\x1b[{bottom};1H")
    for i in range(400):
        colour = 16 + i % 200 if i % 9 == 0 else 1 + i % 3      # mostly styles the page already has
        text = f"row {i} " + "=" * (i % 80)
        if i % 7 == 0:
            text += " \U0001f469\u200d\U0001f4bb"
        if i % 11 == 0:
            text = f"\x1b]8;;https://e.com/{i}\x1b\\{text}\x1b]8;;\x1b\\"
        out.append(f"\x1b[38;5;{colour}m{text}\x1b[m\r\n")
        if i % 13 == 0:
            out.append(f"\x1b[{top};1H" + "\x1bM" * (1 + i % 3) + f"\x1b[1;4mdown {i}\x1b[m\x1b[{bottom};1H")
    data = "".join(out).encode()
    assert_same(*run_both([data[i:i + 4096] for i in range(0, len(data), 4096)], cols, rows))


@pytest.mark.parametrize("margins", [b"\x1b[3;30s", b"\x1b[1;79s", b"\x1b[2;80s", b"\x1b[10;12s\x1b[?6h"])
def test_left_right_margins_give_identical_pages(margins):
    """With DECSLRM narrower than the screen the kernel hands text, controls and cursor motion to Python; set and
    reset in the middle of chunks, over the benchmark corpora, both paths must still agree."""
    names = ("plain", "sgr", "cjk", "scroll_region", "cursor")
    corpus_data = b"".join(corpus.generate(name, 20_000) for name in names)
    data = b"\x1b[?69h" + margins + b"\x1b[?45h" + corpus_data[:50_000] + b"\x1b[?69l" + corpus_data[50_000:60_000] \
        + b"\x1b[?69h" + margins + corpus_data[60_000:]
    assert_same(*run_both([data[i:i + 4093] for i in range(0, len(data), 4093)], 80, 24))


def test_a_style_table_that_collects_too_little_grows_at_the_same_write():
    """A page whose style table is full collects the styles no cell uses; when that leaves less than an eighth
    free, the page grows. The compiled path must grow at that same write, not retry it on the full page (where the
    few freed ids would take it): the style ids of the rows written after differ otherwise."""
    feeds = [b"x" * 27, style_storm(0, 300), b"\x1b[A" + style_storm(100, 300)]
    compiled, python = run_both(feeds, 40, 12, scrollback_limit=0)
    assert_same(compiled, python)
    assert python["primary"]["stats"]["oversized"]["allocated"] >= 1       # the page did grow


@pytest.mark.parametrize("unique", [False, True], ids=["one-link", "a-link-per-line"])
def test_linked_text_that_fills_a_pages_link_map(unique):
    """More linked cells than a standard page's hyperlink map takes (its load limit): the kernel marks cells
    until the limit, then Python grows the page, on both paths at the same cell."""
    lines = []
    for i in range(120):
        link_id = f"id={i}" if unique else "id=1"
        lines.append(f"\x1b]8;{link_id};https://e.com/{i if unique else 0}\x1b\\{'w' * 99}\x1b]8;;\x1b\\\r\n")
    data = "".join(lines).encode()
    compiled, python = run_both([data[i:i + 8192] for i in range(0, len(data), 8192)], 100, 40)
    assert_same(compiled, python)
    assert python["primary"]["stats"]["oversized"]["allocated"] >= 1       # the map did fill


@pytest.mark.parametrize("path", sorted(CASES.glob("*.bin")), ids=lambda p: p.stem)
def test_fuzz_regression_files(path):
    data = path.read_bytes()
    assert_same(*run_both([data[i:i + 4093] for i in range(0, len(data), 4093)], 80, 24, scrollback_limit=0))


@fuzz_settings(300)
@given(steps=steps, limit=limits)
def test_fuzz_feeds_give_identical_pages(steps, limit):
    chunks: list[bytes] = []
    resizes: dict[int, tuple[int, int]] = {}
    for step in steps:
        if step[0] == "feed":
            chunks += step[1]
        elif step[0] == "resize":
            resizes[len(chunks)] = (step[1], step[2])
    assert_same(*run_both(chunks, 40, 12, resizes=resizes, scrollback_limit=limit))


# ---------------------------------------------------------------------------------------------- random feeds
# A plain-random fuzzer beside Hypothesis: much cheaper per example, so an offline campaign reaches 100,000s of
# examples, also under the sanitizers: MUX_FUZZ_EXAMPLES=100000 scripts/build_sanitized.sh
# tests/terminal/test_fastpath.py -k random (MUX_FUZZ_SEED picks another sequence). Each example is fed through
# both paths, with the Terminal's invariants checked, and must give identical snapshots.

RANDOM_EXAMPLES = int(os.environ.get("MUX_FUZZ_EXAMPLES", "0")) or 400
TEXTS = ["abc", "hello world ", "x" * 50, "中文字", "ｶﾀｶﾅ", "🔥", "👩\u200d💻", "e\u0301", "\u0301", "🇫🇷", "👍🏽",
         "❤\ufe0f", "\u200d", "ok\ufe0f", "한글", "\u1100\u1161", "\t", "\x08", "é", "\u00ad", "a\u0308\u0308"]
CONTROLS = ["\r\n", "\r", "\n", "\x08", "\x07", "\x1bM", "\x1bD", "\x1bE", "\x1b7", "\x1b8", "\x1b(0", "\x1b(B",
            "\x0e", "\x0f", "\x1bc", "\x1b#8"]


def _random_fragment(rng) -> str:
    kind = rng.randrange(10)
    n = lambda: rng.choice([0, 1, 2, 3, 5, 10, 40, 80, 200, 65535, 99999])  # noqa: E731
    if kind <= 2:
        return rng.choice(TEXTS) * rng.randrange(1, 4)
    if kind == 3:
        return rng.choice(CONTROLS)
    if kind == 4:
        params = ";".join(str(n()) for _ in range(rng.randrange(0, 3)))
        return f"\x1b[{params}{rng.choice('@ABCDEFGHJKLMPSTXZ`abdefghlmnrsu')}"
    if kind == 5:
        return rng.choice(["\x1b[m", "\x1b[1;31m", "\x1b[38;2;{};{};{}m".format(*(rng.randrange(256) for _ in "rgb")),
                           f"\x1b[48;5;{rng.randrange(300)}m", "\x1b[4:3m", "\x1b[38:2::1:2:3m", "\x1b[0;7m",
                           "\x1b[38;5m", "\x1b[;;1m", "\x1b[1m\x1b[34m\x1b[K", "\x1b[01;31m\x1b[K"])
    if kind == 6:
        return rng.choice(["\x1b[?7l", "\x1b[?7h", "\x1b[4h", "\x1b[4l", "\x1b[20h", "\x1b[20l", "\x1b[?6h",
                           "\x1b[?6l", "\x1b[?1049h", "\x1b[?1049l", "\x1b[?2026h", "\x1b[?2026l", "\x1b[?25l;h",
                           "\x1b[?2027l", "\x1b[?2027h", "\x1b[?1000;1006h", "\x1b[?47h", "\x1b[?1h\x1b="])
    if kind == 7:
        top = rng.randrange(1, 12)
        if rng.random() < 0.3:      # left/right margins (DECLRMM, DECSLRM), reverse wraparound
            return rng.choice(["\x1b[?69h", "\x1b[?69l", "\x1b[?45h", "\x1b[?45l", "\x1b6", "\x1b9", "\x1b[2'}",
                               "\x1b['~"]) + f"\x1b[{top};{top + rng.randrange(0, 10)}s"
        return f"\x1b[{top};{top + rng.randrange(0, 10)}r" if rng.random() < 0.8 else "\x1b[r"
    if kind == 8:
        link = f"\x1b]8;id={rng.randrange(50)};https://e.com/{rng.randrange(1000)}\x1b\\"
        return link + rng.choice(TEXTS) + ("\x1b]8;;\x1b\\" if rng.random() < 0.7 else "")
    return rng.choice(["\x1b]0;title\x07", "\x1b]133;A\x07", "\x1b[5b", "\x1b[2J", "\x1b[3J", "\x1bP1$r\x1b\\",
                       "\x1b[>c", "\x1b[6n", "\x1b[ 2q", "\x1b[!p", "\x1b[%@"])


def test_random_fragment_feeds_give_identical_pages():
    import random

    rng = random.Random(int(os.environ.get("MUX_FUZZ_SEED", "0")))
    for example in range(RANDOM_EXAMPLES):
        data = "".join(_random_fragment(rng) for _ in range(rng.randrange(1, 40))).encode("utf-8", "surrogatepass")
        cuts = sorted(rng.randrange(len(data) + 1) for _ in range(rng.randrange(0, 4)))
        chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        cols, rows = rng.choice([(1, 1), (2, 3), (10, 4), (20, 6), (40, 12), (80, 24)])
        limit = rng.choice([0, 409600, 10_000_000])
        try:
            assert_same(*run_both(chunks, cols, rows, scrollback_limit=limit))
        except AssertionError as error:
            raise AssertionError(f"example {example}: {data!r} in chunks at {cuts}, {cols}x{rows}, "
                                 f"limit {limit}") from error


# ---------------------------------------------------------------------------------------------- tokenizer
# The compiled tokenizer must cut text exactly as the regex does (the Stream's chunk-boundary rules rest on it).

SPLIT_ALPHABET = ["\x1b", "[", "]", "\\", "\x07", "\x18", "\x1a", "\x9c", "\x9b", "\x9d", "\x90", "\x98",
                  "\x9e", "\x9f", "\r", "\n", "\r\n", "m", "K", "1", "38;5;1", ";", ":", "?", " ", "/", "0", "~",
                  "@", "P", "_", "^", "X", "a", "line", "中", "🔥", "\x00", "\x7f", "\x85", "8;;"]


def _assert_split_same(text: str) -> None:
    for bulk in (False, True):
        assert fastpath.compiled.split(text, bulk) == token_regex(bulk).split(text), (bulk, text)


@pytest.mark.parametrize("name", sorted(corpus.GENERATORS))
def test_compiled_tokenizer_cuts_the_benchmark_corpora_as_the_regex_does(name):
    _assert_split_same(corpus.generate(name, 200_000).decode())


def test_compiled_tokenizer_cuts_the_corpora_and_fuzz_files_as_the_regex_does():
    for case in all_streams():
        _assert_split_same(case.data.decode("utf-8", "replace"))
    for path in sorted(CASES.glob("*.bin")):
        _assert_split_same(path.read_bytes().decode("utf-8", "replace"))


def test_compiled_tokenizer_cuts_random_text_as_the_regex_does():
    import random

    rng = random.Random(int(os.environ.get("MUX_FUZZ_SEED", "0")))
    for _ in range(RANDOM_EXAMPLES * 50):
        _assert_split_same("".join(rng.choice(SPLIT_ALPHABET) for _ in range(rng.randrange(0, 30))))
