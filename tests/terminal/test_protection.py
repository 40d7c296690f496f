"""Character protection (DECSCA, SPA/EPA), the selective erases (DECSED, DECSEL, DECSERA) and the VT420 rectangle
operations (DECFRA, DECERA, DECCRA), checked through the real Stream on both paths (compiled and pure Python)."""

import pytest

from mux.terminal import fastpath
from mux.terminal.page import CELL_SPACER_TAIL, CELL_WIDE
from mux.terminal.stream import Stream
from mux.terminal.styles import BOLD, COLOR_PALETTE, PROTECTED, apply_sgr
from mux.terminal.terminal import Terminal

PATHS = [False] + ([True] if fastpath.compiled is not None else [])


@pytest.fixture(params=PATHS, ids=lambda compiled: "compiled" if compiled else "python")
def make(request):
    def make(cols=10, rows=4):
        terminal = Terminal(cols, rows)
        stream = Stream(terminal, compiled=request.param)

        def feed(data: bytes) -> None:
            stream.feed(data)
            assert stream.errors == 0
            terminal.check()

        return terminal, feed
    return make


def rows(terminal):
    return [line.rstrip() for line in terminal.display()]


def style_at(terminal, y, x):
    page, r = terminal.line(y)
    return terminal.style_of(page, r, x)


def flags_at(terminal, y, x):
    page, r = terminal.line(y)
    return page.flags_at(r, x)


DECSCA_ON, DECSCA_OFF, SPA, EPA = b'\x1b[1"q', b'\x1b[0"q', b"\x1bV", b"\x1bW"


# ---------------------------------------------------------------- the protected bit

def test_sgr_0_keeps_the_protected_bit_and_changes_the_rest():
    pen = (COLOR_PALETTE | 1, 0, 0, BOLD | PROTECTED)
    assert apply_sgr(pen, (0,)) == (0, 0, 0, PROTECTED)
    assert apply_sgr(pen, ()) == (0, 0, 0, PROTECTED)
    assert apply_sgr(pen, (0, 31)) == (COLOR_PALETTE | 1, 0, 0, PROTECTED)
    assert apply_sgr((0, 0, 0, BOLD), ()) == (0, 0, 0, 0)


def test_protected_cells_carry_the_bit_through_sgr_resets(make):
    t, feed = make()
    feed(DECSCA_ON + b"a\x1b[mb\x1b[0;1mc" + DECSCA_OFF + b"d")
    assert [bool(style_at(t, 0, x)[3] & PROTECTED) for x in range(4)] == [True, True, True, False]
    assert style_at(t, 0, 2)[3] & BOLD


def test_decsca_2_and_other_values(make):
    t, feed = make()
    feed(DECSCA_ON + b"a" + b'\x1b[2"q' + b"b" + DECSCA_ON + b'\x1b[7"q' + b"c")
    assert [bool(style_at(t, 0, x)[3] & PROTECTED) for x in range(3)] == [True, False, True]


def test_decstr_and_ris_end_protection(make):
    t, feed = make()
    feed(DECSCA_ON + b"\x1b[!pX\x1b[?2J")
    assert rows(t)[0] == ""
    feed(SPA + b"\x1bcY\x1b[2J")
    assert rows(t)[0] == ""


def test_decsc_decrc_restore_the_protection_of_the_pen(make):
    t, feed = make()
    feed(DECSCA_ON + b"\x1b7" + DECSCA_OFF + b"\x1b8a")
    assert style_at(t, 0, 0)[3] & PROTECTED


# ---------------------------------------------------------------- DECSED, DECSEL

@pytest.mark.parametrize(("how", "expected"), [
    (b"", ["ab", "c", "d"]),            # cursor (1,2) to the end: row 1 keeps only its protected cell
    (b"0", ["ab", "c", "d"]),
    (b"1", ["a", "c", "def"]),          # start to the cursor, inclusive
    (b"2", ["a", "c", "d"]),
])
def test_decsed_keeps_protected_cells(make, how, expected):
    t, feed = make(4, 3)
    feed(DECSCA_ON + b"a" + DECSCA_OFF + b"b\r\n" + DECSCA_ON + b"c" + DECSCA_OFF + b"z\r\n")
    feed(DECSCA_ON + b"d" + DECSCA_OFF + b"ef\x1b[2;2H\x1b[?" + how + b"J")
    assert rows(t) == expected


@pytest.mark.parametrize(("how", "expected"), [(b"", "abc e"), (b"1", "  c ef"), (b"2", "  c e")])
def test_decsel_keeps_protected_cells(make, how, expected):
    t, feed = make(6, 2)
    feed(b"ab" + DECSCA_ON + b"c" + DECSCA_OFF + b"d" + DECSCA_ON + b"e" + DECSCA_OFF + b"f\x1b[1;4H\x1b[?"
         + how + b"K")
    assert rows(t)[0] == expected


def test_decsed_also_keeps_iso_protected_cells(make):
    """As xterm: DECSED and DECSEL respect SPA's protection too."""
    t, feed = make()
    feed(b"a" + SPA + b"b" + EPA + b"c\x1b[?2J")
    assert rows(t)[0] == " b"
    feed(b"\x1b[1;1Hx\x1b[?2K")
    assert rows(t)[0] == " b"


def test_selective_erase_keeps_a_protected_wide_character_whole(make):
    t, feed = make(6, 2)
    feed(b"a" + DECSCA_ON + "中".encode() + DECSCA_OFF + b"bc\x1b[?2K")
    assert rows(t)[0] == " 中"
    assert flags_at(t, 0, 1) & CELL_WIDE and flags_at(t, 0, 2) & CELL_SPACER_TAIL


def test_selective_erase_blanks_an_unprotected_wide_character_cut_by_its_edge(make):
    t, feed = make(6, 2)
    feed(DECSCA_ON + b"ab" + DECSCA_OFF + "中".encode() + b"\x1b[1;3H\x1b[?1K")
    assert rows(t)[0] == "ab"
    assert not flags_at(t, 0, 3) & CELL_SPACER_TAIL


# ---------------------------------------------------------------- ED, EL, ECH: ISO (SPA) protection only

@pytest.mark.parametrize("erase", [b"\x1b[J", b"\x1b[2J", b"\x1b[K", b"\x1b[2K", b"\x1b[3X"])
def test_ed_el_ech_keep_iso_protected_cells(make, erase):
    t, feed = make()
    feed(b"ab" + SPA + b"c" + EPA + b"\x1b[1;1H" + erase)
    assert rows(t)[0] == "  c"


@pytest.mark.parametrize("erase", [b"\x1b[J", b"\x1b[2J", b"\x1b[K", b"\x1b[2K", b"\x1b[3X"])
def test_ed_el_ech_erase_dec_protected_cells(make, erase):
    t, feed = make()
    feed(b"ab" + DECSCA_ON + b"c" + DECSCA_OFF + b"\x1b[1;1H" + erase)
    assert rows(t)[0] == ""


def test_decsca_after_spa_makes_ed_ignore_protection_again(make):
    """The kind of protection used last decides (xterm): DECSCA, even 0, switches back to DEC."""
    t, feed = make()
    feed(SPA + b"a" + EPA + DECSCA_OFF + b"\x1b[2J")
    assert rows(t)[0] == ""


# ---------------------------------------------------------------- DECSERA, DECERA

def test_decsera_keeps_dec_protected_cells(make):
    t, feed = make()
    feed(b"a" + DECSCA_ON + b"b" + DECSCA_OFF + b"c\r\nde\x1b[1;1;2;3${")
    assert rows(t)[:2] == [" b", ""]


def test_decsera_does_not_keep_iso_protected_cells(make):
    t, feed = make()
    feed(b"a" + SPA + b"b" + EPA + b"\x1b[1;1;1;2${")
    assert rows(t)[0] == ""


def test_decera_erases_protected_cells_and_only_its_rectangle(make):
    t, feed = make(5, 3)
    feed(DECSCA_ON + b"abcde\r\nfghij\r\nklmno\x1b[2;2;3;4$z")
    assert rows(t) == ["abcde", "f   j", "k   o"]
    assert (t.x, t.y) == (4, 2)         # the cursor stays


def test_decera_uses_the_background_colour(make):
    t, feed = make(5, 2)
    feed(b"abc\x1b[44m\x1b[1;1;1;2$z")
    assert style_at(t, 0, 0)[1] == COLOR_PALETTE | 4 and style_at(t, 0, 2)[1] == 0


# ---------------------------------------------------------------- DECFRA

def test_decfra_fills_with_the_pen(make):
    t, feed = make(5, 3)
    feed(b"\x1b[1m\x1b[35;2;2;3;9$x")
    assert rows(t) == ["", " ####", " ####"]
    assert style_at(t, 1, 1)[3] & BOLD and (t.x, t.y) == (0, 0)


@pytest.mark.parametrize("char", [b"0", b"31", b"127", b"159", b"256", b"9999", b""])
def test_decfra_ignores_characters_xterm_refuses(make, char):
    t, feed = make(5, 2)
    feed(b"ab\x1b[" + char + b";1;1;2;5$x")
    assert rows(t) == ["ab", ""]


def test_decfra_takes_latin1(make):
    t, feed = make(3, 1)
    feed(b"\x1b[233$x")
    assert rows(t) == ["\xe9" * 3]


def test_rectangle_defaults_are_the_whole_screen(make):
    t, feed = make(4, 3)
    feed(b"\x1b[88;0;0;0;0$x")
    assert rows(t) == ["XXXX"] * 3


def test_rectangle_coordinates_are_clamped_to_the_screen(make):
    t, feed = make(4, 3)
    feed(b"\x1b[88;3;4;999;65535$x")
    assert rows(t) == ["", "", "   X"]


def test_an_inverted_rectangle_does_nothing(make):
    t, feed = make(4, 3)
    feed(b"ab\x1b[88;2;2;1;1$x\x1b[2;2;1;1$z\x1b[1;2;1;1;1;3;3$v")
    assert rows(t) == ["ab", "", ""]


def test_decfra_over_half_a_wide_character_blanks_its_other_half(make):
    t, feed = make(6, 1)
    feed("中文".encode() + b"\x1b[88;1;2;1;3$x")
    assert rows(t) == [" XX"]
    assert not any(flags_at(t, 0, x) & (CELL_WIDE | CELL_SPACER_TAIL) for x in range(4))


def test_rectangles_ignore_scroll_margins_and_never_touch_history(make):
    t, feed = make(4, 3)
    feed(b"h\r\n\r\n\r\n\r\n" + b"\x1b[2;3r\x1b[88;1;1;3;4$x")
    assert rows(t) == ["XXXX"] * 3
    assert [line.rstrip() for line in t.history_text()] == ["h", ""]


def test_rectangles_in_origin_mode_are_relative_to_the_margins(make):
    t, feed = make(8, 6)
    feed(b"\x1b[2;5r\x1b[?6h\x1b[?69h\x1b[3;8s")      # margins: rows 2-5, columns 3-8
    feed(b"\x1b[88;1;1;2;2$x")
    assert rows(t)[:4] == ["", "  XX", "  XX", ""]
    feed(b"\x1b[1;1;1;1;1;4;3$v")       # the X at (1,1) of the margins to (3,4) of the margins
    assert rows(t)[4] == "    X"


# ---------------------------------------------------------------- DECCRA

def test_deccra_copies_a_rectangle(make):
    t, feed = make(6, 4)
    feed(b"abc\r\ndef\x1b[1;1;2;2;1;3;4$v")
    assert rows(t) == ["abc", "def", "   ab", "   de"]


@pytest.mark.parametrize(("dest", "expected"), [
    (b"2;2", ["abc", "dab", "gde"]),    # down and right: the source is read before it is overwritten
    (b"1;1", ["efc", "hif", "ghi"]),    # up and left
])
def test_deccra_overlapping_copies_as_through_a_buffer(make, dest, expected):
    t, feed = make(3, 3)
    feed(b"abc\r\ndef\r\nghi")
    src = b"1;1;2;2" if dest == b"2;2" else b"2;2;3;3"
    feed(b"\x1b[" + src + b";1;" + dest + b"$v")
    assert rows(t) == expected


def test_deccra_clips_the_destination_to_the_screen(make):
    t, feed = make(4, 3)
    feed(b"ab\r\ncd\x1b[1;1;2;2;1;3;4$v")
    assert rows(t) == ["ab", "cd", "   a"]


def test_deccra_default_destination_is_the_top_left(make):
    t, feed = make(4, 3)
    feed(b"\r\n\r\n  xy\x1b[3;3;3;4$v")
    assert rows(t) == ["xy", "", "  xy"]


def test_deccra_keeps_styles_clusters_and_protection(make):
    t, feed = make(6, 2)
    feed(b"\x1b[1m" + DECSCA_ON + "e\u0301".encode() + b"\x1b[m" + DECSCA_OFF + b"\x1b[1;1;1;1;1;2;3$v")
    assert rows(t)[1] == "  e\u0301"
    assert style_at(t, 1, 2)[3] & (BOLD | PROTECTED) == BOLD | PROTECTED


def test_deccra_of_half_a_wide_character_copies_a_blank(make):
    t, feed = make(6, 3)
    feed("中文".encode() + b"\x1b[1;2;1;3;1;2;2$v")    # the tail of 中 and the head of 文
    assert rows(t)[:2] == ["中文", ""]
    assert not any(flags_at(t, 1, x) & (CELL_WIDE | CELL_SPACER_TAIL) for x in range(6))


def test_deccra_onto_half_a_wide_character_blanks_its_other_half(make):
    t, feed = make(6, 2)
    feed(b"xy\r\n" + "中文".encode() + b"\x1b[1;1;1;2;1;2;2$v")
    assert rows(t)[1] == " xy"
    assert not any(flags_at(t, 1, x) & (CELL_WIDE | CELL_SPACER_TAIL) for x in range(6))


def test_el_keeps_protected_cells_once_spa_comes_later_in_the_same_output(make):
    """The compiled path erases lines itself until SPA; an EL it ran earlier in the same chunk changes nothing."""
    t, feed = make()
    feed(b"xy\x1b[K" + b"\x1b[1;1Hab" + SPA + b"c" + EPA + b"\x1b[1;1H\x1b[K\x1b[3X")
    assert rows(t)[0] == "  c"
