"""Differential tests: mux's rows against tmux's and Ghostty's, and the two references against each other.

Owns: which streams are compared to which renderer, and every accepted difference, each named with its
reason. Rows must match exactly; a difference is accepted only in one of two narrow ways:

- `SUBSTITUTIONS[(stream, oracle)]`: exact reference rows replaced by the rows the reference *means* (for
  example tmux's capture printing DEC line-drawing cells as the ASCII letters that selected them). Every
  substituted row must be present, so a substitution that no longer applies fails.
- `ACCEPTED[(stream, oracle)]`: the comparison is `xfail(strict=True)` for that single stream and oracle, so
  it fails the day the difference goes away (and the entry must then be removed).

Keys name a stream by its source (a corpus name, covering all its checkpoints, or an edge-case name) or by a
single checkpoint id such as "vim@third". Where tmux and Ghostty disagree with each other, the quirk is
written once, in TMUX_QUIRKS or GHOSTTY_QUIRKS, and used both by `test_oracles_agree` and by the mux tests
(mux is expected to follow the other reference there).
"""

from __future__ import annotations

import difflib

import pytest

from tests.differential import oracles
from tests.differential.streams import CORPORA_DIR, Stream, all_streams, corpus_names

# --- named differences -------------------------------------------------------------------------------------

_TMUX_NO_PROTECTION = ("tmux 3.3a has no character protection (DECSCA, SPA/EPA) and no selective erase (DECSED, "
                       "DECSEL): it erases protected cells; Ghostty, like xterm, keeps them")
_NO_RECTANGLES = ("tmux 3.3a and libghostty-vt do not implement the VT420 rectangle operations (DECFRA, DECERA, "
                  "DECSERA, DECCRA) and leave the screen as it was; mux does them as xterm does (esctest2's "
                  "DECFRA/DECERA/DECSERA/DECCRA tests)")
_NO_COLUMN_SCROLLS = ("tmux 3.3a and libghostty-vt do not implement the VT420 horizontal scrolls DECBI / DECFI "
                      "(ESC 6 / ESC 9 at a left/right margin) and DECIC / DECDC (CSI ' } / CSI ' ~) and leave the "
                      "screen as it was; mux does them as xterm does (esctest2's DECBI/DECFI/DECIC/DECDC tests)")
_TMUX_WIDTHS = ("tmux 3.3a sizes grapheme clusters by summing its own per-codepoint widths: a skin-toned emoji "
                "is 4 cells (Ghostty: 2), an emoji with VS16 stays 1 cell (Ghostty: 2), a lone regional "
                "indicator is 1 cell (Ghostty: 2) and a flag can be split across a wrap")

_TMUX_NO_LR_MARGINS = ("tmux 3.3a has no left/right margins: it ignores DECLRMM (mode 69) and DECSLRM, so text, "
                       "scrolling and editing use the whole width; xterm and Ghostty keep them inside the margins")

#: Where tmux 3.3a is the odd one out (Ghostty agrees with xterm, or tmux has a bug). mux should match Ghostty.
TMUX_QUIRKS: dict[str, str] = {
    "pending_wrap_cub": "tmux keeps the cursor one past the last column while a wrap is pending, so CUB 1 lands on "
                        "the last column; xterm and Ghostty move from the last column to the one before it",
    "xtrestore_autowrap_off": "tmux 3.3a has no XTSAVE / XTRESTORE (CSI ? Pm s / CSI ? Pm r) and ignores both, so "
                              "the autowrap set in between stays; xterm and Ghostty restore the saved state",
    "xtrestore_autowrap_on": "same as xtrestore_autowrap_off: tmux 3.3a ignores XTRESTORE",
    "pending_wrap_bs": "same as pending_wrap_cub for BS: tmux's cursor sits past the last column in pending wrap",
    "pending_wrap_el0": "EL 0 with a wrap pending erases nothing in tmux (cursor past the edge); xterm and Ghostty "
                        "erase the last column",
    "wide_in_one_column_terminal": "a wide character cannot fit a 1-column terminal: Ghostty drops it, tmux 3.3a "
                                   "keeps the last one written",
    "rep_wraps": "tmux 3.3a clamps REP's count to the rest of the line; xterm and Ghostty keep printing and wrap",
    "rep_wide": "tmux 3.3a only repeats ASCII with REP; xterm and Ghostty repeat the last printed character, wide "
                "ones included",
    "ich_large_count": "tmux 3.3a mis-shifts ICH whose count reaches past the text (ICH 5 at column 2 of "
                       "'abcdefgh' leaves the 'f') and ignores ICH when the count exceeds the columns left",
    "erase_half_of_wide": "erasing or deleting one half of a wide character leaves the other half in tmux's grid "
                          "(its capture then shows the whole character); Ghostty clears both halves",
    "overwrite_half_of_wide": "writing over the right half of a wide character leaves the left half in tmux's "
                              "grid; Ghostty clears the wide character",
    "il_outside_region": "tmux 3.3a applies IL/DL with the cursor outside the scroll region to the whole screen; "
                         "xterm and Ghostty ignore them",
    "region_scroll_history": "tmux moves lines scrolled off the top of any scroll region into history, even when "
                             "the region does not start at the top row; xterm and Ghostty only keep lines "
                             "scrolled off a region whose top is the first row",
    "tabs_cht": "tmux 3.3a does not implement CHT (CSI I)",
    "ed2_scrollback": "tmux pushes the screen into history on ED 2; Ghostty (like xterm) just erases it",
    "zwj_long_family": "tmux 3.3a keeps at most 21 bytes of UTF-8 per cell, so the last emoji of a 4-person "
                       "family ZWJ sequence (25 bytes) is dropped",
    "flag_lone_regional_indicator": _TMUX_WIDTHS,
    "skin_tones": _TMUX_WIDTHS,
    "vs16": _TMUX_WIDTHS,
    "vs15_text_presentation": "tmux 3.3a ignores VS15 for width: a text-presentation watch stays 2 cells "
                              "(Ghostty: 1)",
    "emoji_cluster_wraps_at_last_col": _TMUX_WIDTHS,
    "invalid_utf8": "tmux drops malformed UTF-8 silently; Ghostty prints U+FFFD per maximal ill-formed subpart, "
                    "as Unicode recommends",
    "invalid_utf8_cut_by_escape": "an incomplete UTF-8 sequence cut by ESC or a new character: tmux drops it, "
                                  "Ghostty prints U+FFFD",
    "agent": _TMUX_WIDTHS,
    "deccolm_clears_and_resets_margins": "tmux 3.3a's DECCOLM clears the screen and homes the cursor but keeps the "
                                         "scroll region; xterm and Ghostty reset it (with mode 40 set)",
    "uk_charset": "tmux 3.3a has no UK character set (ESC ( A): '#' stays '#'; xterm and Ghostty show '£' (and "
                  "capture-pane prints the DEC graphics cell as its ASCII byte)",
    "decsca_decsed": _TMUX_NO_PROTECTION,
    "decsca_decsed_all": _TMUX_NO_PROTECTION,
    "decsca_decsel": _TMUX_NO_PROTECTION,
    "spa_epa_ed_el_ech": _TMUX_NO_PROTECTION,
    **{name: _TMUX_NO_LR_MARGINS for name in (
        "lr_margins_wrap_and_scroll", "lr_margins_lf_ri_su_sd", "lr_margins_il_dl", "lr_margins_ich_dch",
        "lr_margins_cursor_moves", "lr_margins_cha_in_origin_mode")},
}

#: Where Ghostty (libghostty-vt as pyghostty ships it) is the odd one out. mux should match tmux.
GHOSTTY_QUIRKS: dict[str, str] = {
    "tabs_tbc_no_param": "libghostty-vt ignores TBC with no parameter (CSI g); the default is 0, clear the stop at "
                         "the cursor, which tmux and xterm do (CSI 0 g works in Ghostty)",
    "del_is_ignored": "libghostty-vt prints DEL (0x7F) as a cell; tmux and xterm ignore it",
    "vs15_without_text_variant": "Ghostty drops a VS15 that follows an emoji with no text variation sequence "
                                 "(U+1F600); tmux keeps the code point in the cell. The width is 2 in both",
    "osc133_prompt_mark": "Ghostty's OSC 133;A starts a fresh line when the cursor is not at column 1 (shell "
                          "integration); tmux and xterm ignore OSC 133",
}

#: Reference rows that mean something else. (stream, oracle) -> {row as captured: row as displayed}.
SUBSTITUTIONS: dict[tuple[str, str], dict[str, str]] = {
    # capture-pane -p prints cells drawn with the DEC special graphics set as the ASCII bytes that selected
    # them (tmux translates only when drawing to a real terminal); the screen shows box drawing.
    ("dec_special_graphics", "tmux"): {"lqqk": "┌──┐", "x  x": "│  │", "mqqj ok": "└──┘ ok"},
}

#: mux against one reference. Every reference quirk above, plus differences particular to mux.
ACCEPTED: dict[tuple[str, str], str] = {
    **{(name, "tmux"): reason for name, reason in TMUX_QUIRKS.items()},
    **{(name, "ghostty"): reason for name, reason in GHOSTTY_QUIRKS.items()},
    **{(name, oracle): _NO_RECTANGLES for name in ("decfra_decera", "deccra_overlap", "decsera", "rect_wide_edges")
       for oracle in ("tmux", "ghostty")},
    **{(name, oracle): _NO_COLUMN_SCROLLS for name in ("decbi_decfi_scroll_inside_the_margins",
                                                        "decic_decdc_inside_the_margins")
       for oracle in ("tmux", "ghostty")},
    ("lr_margins_cub_stops_at_left_margin", "tmux"): _TMUX_NO_LR_MARGINS,
    ("lr_margins_cub_stops_at_left_margin", "ghostty"):
        "libghostty-vt's CUB and BS (without reverse wraparound) ignore the left margin and go on to column 1 "
        "(as tmux, which has no margins, does); xterm stops at the margin (esctest "
        "CUBTests.test_CUB_StopsAtLeftMarginInScrollRegion, BSTests.test_BS_StopsAtLeftMargin), which mux follows",
    ("lr_margins_cha_in_origin_mode", "ghostty"):
        "libghostty-vt's CHA in origin mode also moves the cursor down by the top margin (it sets the row from "
        "the cursor's screen row plus the origin offset); xterm's CHA keeps the row and counts the column from "
        "the left margin (esctest CHATests.test_CHA_RespectsOriginMode), which mux follows",
}

#: tmux against Ghostty.
ORACLES_ACCEPTED: dict[str, str] = {**TMUX_QUIRKS, **GHOSTTY_QUIRKS}

STREAMS = all_streams()
ORACLE_NAMES = tuple(oracles.ORACLES)


def _lookup(table: dict, stream: Stream, oracle: str | None = None):
    """The entry for this checkpoint, else for its whole corpus (or edge case), else None."""
    for name in (stream.id, stream.source):
        key = name if oracle is None else (name, oracle)
        if key in table:
            return table[key]
    return None


# --- helpers -----------------------------------------------------------------------------------------------

def reference_rows(stream: Stream, oracle: str) -> list[str]:
    try:
        rows = oracles.ORACLES[oracle](stream.data, stream.cols, stream.rows, stream.screen_only)
    except oracles.OracleUnavailable as exc:
        pytest.skip(f"{oracle} oracle unavailable: {exc}")
    substitution = _lookup(SUBSTITUTIONS, stream, oracle)
    if substitution:
        missing = [row for row in substitution if row not in rows]
        assert not missing, f"substitution for {stream.id}/{oracle} no longer applies: {missing} not in rows"
        rows = [substitution.get(row, row) for row in rows]
    return rows


def assert_rows_equal(actual: list[str], expected: list[str], actual_name: str, expected_name: str,
                      stream: Stream) -> None:
    if actual == expected:
        return
    diff = list(difflib.unified_diff([repr(r) for r in expected], [repr(r) for r in actual],
                                     expected_name, actual_name, lineterm="", n=1))
    shown = "\n".join(diff[:60]) + ("\n..." if len(diff) > 60 else "")
    scope = "screen" if stream.screen_only else "scrollback+screen"
    pytest.fail(f"{stream.id} ({stream.cols}x{stream.rows}, {scope}): {actual_name} rows differ from "
                f"{expected_name}\n{shown}", pytrace=False)


def _param(stream: Stream, reason: str | None, *extra):
    marks = [pytest.mark.xfail(strict=True, raises=pytest.fail.Exception, reason=reason)] if reason else []
    ident = "-".join([stream.id, *extra])
    return pytest.param(stream, *extra, marks=marks, id=ident)


# --- the tests -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("stream", "oracle"),
    [_param(s, _lookup(ACCEPTED, s, o), o) for s in STREAMS for o in ORACLE_NAMES],
)
def test_mux_matches(stream: Stream, oracle: str) -> None:
    expected = reference_rows(stream, oracle)
    actual = oracles.mux_rows(stream.data, stream.cols, stream.rows, stream.screen_only)
    assert_rows_equal(actual, expected, "mux", oracle, stream)


@pytest.mark.parametrize("stream", [_param(s, _lookup(ORACLES_ACCEPTED, s)) for s in STREAMS])
def test_oracles_agree(stream: Stream) -> None:
    tmux = reference_rows(stream, "tmux")
    ghostty = reference_rows(stream, "ghostty")
    assert_rows_equal(tmux, ghostty, "tmux", "ghostty", stream)


def test_streams_are_not_trivial() -> None:
    """Every stream shows something in Ghostty, so no comparison passes by two renderers both printing nothing.

    (A full-screen program's `end` checkpoint is the exception: it restores an empty primary screen.)
    """
    if not oracles.ghostty_available():
        pytest.skip("ghostty oracle unavailable")
    empty = [s.id for s in STREAMS
             if not oracles.ghostty_rows(s.data, s.cols, s.rows, s.screen_only)
             and not (s.id.endswith("@end") and b"\x1b[?1049h" in s.data)]
    assert not empty, f"streams that render nothing: {empty}"


def test_accepted_entries_name_real_streams() -> None:
    """A typo or a removed stream must not leave an entry behind that silently accepts nothing."""
    names = {s.source for s in STREAMS} | {s.id for s in STREAMS}
    keys = [k for k, _ in ACCEPTED] + [k for k, _ in SUBSTITUTIONS] + list(ORACLES_ACCEPTED)
    assert sorted(set(keys) - names) == []
    assert {o for _, o in [*ACCEPTED, *SUBSTITUTIONS]} <= set(ORACLE_NAMES)
    assert all(reason.strip() for reason in [*ACCEPTED.values(), *ORACLES_ACCEPTED.values()])


def test_every_corpus_is_documented() -> None:
    """There are corpora, and the corpora README describes every one of them."""
    readme = (CORPORA_DIR / "README.md").read_text(encoding="utf-8")
    assert corpus_names(), f"no corpora in {CORPORA_DIR}"
    for name in corpus_names():
        assert f"`{name}.bin`" in readme, f"{name}.bin is not described in tests/corpora/README.md"
