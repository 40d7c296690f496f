"""Left/right margins (DECSLRM under DECLRMM, mode 69) and reverse wraparound (mode 45), through the real Stream."""

from mux.terminal.page import CELL_SPACER_HEAD, CELL_SPACER_TAIL, CELL_WIDE, ROW_WRAP
from mux.terminal.stream import Stream
from mux.terminal.terminal import Terminal

LRM = b"\x1b[?69h"


def make(cols=10, rows=5, compiled=True):
    replies = []
    term = Terminal(cols, rows, on_reply=replies.append)
    stream = Stream(term, compiled=compiled)

    def feed(data: bytes) -> None:
        stream.feed(data)
        term.check()

    return term, feed, replies


def rows(term):
    return [line.rstrip() for line in term.display()]


def grid(term, text_rows):
    """Fill the screen row by row with the given strings (from column 1)."""
    return b"".join(f"\x1b[{y + 1};1H{text}".encode() for y, text in enumerate(text_rows))


# ---------------------------------------------------------------- DECLRMM / DECSLRM

def test_csi_s_is_save_cursor_while_declrmm_is_reset():
    t, feed, _ = make()
    feed(b"\x1b[2;3H\x1b[s\x1b[5;5H\x1b[u")
    assert (t.x, t.y) == (2, 1)
    feed(b"\x1b[3;6s")          # DECSLRM without DECLRMM: ignored
    assert (t.modes.margin_left, t.modes.margin_right) == (0, 9)


def test_decslrm_needs_the_vt420_operating_level():
    t, feed, _ = make()
    feed(b'\x1b[63;1"p' + LRM + b"\x1b[3;6s")      # DECSCL level 3 (VT300): no left/right margins
    assert (t.modes.margin_left, t.modes.margin_right) == (0, 9)
    feed(b'\x1b[64;1"p' + LRM + b"\x1b[3;6s")
    assert (t.modes.margin_left, t.modes.margin_right) == (2, 5)


def test_decslrm_sets_margins_and_homes_the_cursor_under_declrmm():
    t, feed, _ = make()
    feed(b"\x1b[3;4H" + LRM + b"\x1b[3;6s")
    assert (t.modes.margin_left, t.modes.margin_right) == (2, 5)
    assert (t.x, t.y) == (0, 0)
    feed(b"\x1b[?6h\x1b[4;8s")      # origin mode: home is the margins' corner
    assert (t.x, t.y) == (3, 0)


def test_decslrm_is_ignored_unless_left_is_less_than_right():
    t, feed, _ = make()
    feed(LRM + b"\x1b[3;6s\x1b[2;2H\x1b[6;6s\x1b[7;2s")
    assert (t.modes.margin_left, t.modes.margin_right) == (2, 5)
    assert (t.x, t.y) == (1, 1)


def test_decslrm_defaults_and_clamps_to_the_full_width():
    t, feed, _ = make()
    feed(LRM + b"\x1b[3;99s")
    assert (t.modes.margin_left, t.modes.margin_right) == (2, 9)
    feed(b"\x1b[s")                 # bare CSI s under DECLRMM: DECSLRM with defaults
    assert (t.modes.margin_left, t.modes.margin_right) == (0, 9)


def test_resetting_declrmm_soft_reset_and_ris_reset_the_left_right_margins():
    for reset in (b"\x1b[?69l", b"\x1b[!p", b"\x1bc"):
        t, feed, replies = make()
        feed(LRM + b"\x1b[3;6s" + reset)
        assert (t.modes.margin_left, t.modes.margin_right) == (0, 9), reset
    t, feed, replies = make()
    feed(LRM + b"\x1b[?69$p\x1b[!p\x1b[?69$p\x1b[?45h\x1b[?45$p")
    assert replies == [b"\x1b[?69;1$y", b"\x1b[?69;2$y", b"\x1b[?45;1$y"]


# ---------------------------------------------------------------- printing and wrapping

def test_text_wraps_at_the_right_margin_to_the_left_margin():
    t, feed, _ = make()
    feed(LRM + b"\x1b[2;4sabcdefgh")
    assert rows(t)[:3] == ["abcd", " efg", " h"]
    page, r = t.line(0)
    assert not page.rflags[r] & ROW_WRAP        # a margin wrap is not a continued line


def test_pending_wrap_sits_at_the_right_margin():
    t, feed, _ = make()
    feed(LRM + b"\x1b[2;4sabcd")
    assert (t.x, t.screen.pending_wrap) == (3, True)


def test_autowrap_off_overwrites_the_right_margin_column():
    t, feed, _ = make()
    feed(LRM + b"\x1b[2;4s\x1b[?7labcdef")
    assert rows(t)[0] == "abcf" and t.x == 3


def test_text_right_of_the_right_margin_wraps_at_the_screen_edge():
    t, feed, _ = make()
    feed(LRM + b"\x1b[2;4s\x1b[1;8Habcd")
    assert rows(t)[:2] == ["       abc", " d"]


def test_wrap_at_the_bottom_margin_scrolls_only_the_margin_rectangle():
    t, feed, _ = make(6, 3)
    feed(grid(t, ["ABCDEF", "GHIJKL", "MNOPQR"]) + LRM + b"\x1b[2;4s\x1b[3;2Hxyzw")
    assert rows(t) == ["AHIJEF", "GxyzKL", "Mw  QR"]


def test_wide_character_at_the_right_margin_wraps_leaving_a_blank_not_a_spacer_head():
    t, feed, _ = make()
    feed(LRM + b"\x1b[1;4sabc" + "中".encode())
    assert rows(t)[:2] == ["abc", "中"]
    page, r = t.line(0)
    assert not page.flags_at(r, 3) & CELL_SPACER_HEAD
    page, r = t.line(1)
    assert page.flags_at(r, 0) & CELL_WIDE and page.flags_at(r, 1) & CELL_SPACER_TAIL


def test_rep_wraps_at_the_right_margin():
    t, feed, _ = make()
    feed(LRM + b"\x1b[2;4s\x1b[1;2Ha\x1b[4b")
    assert rows(t)[:2] == [" aaa", " aa"]


# ---------------------------------------------------------------- horizontal motion

def test_cr_goes_to_the_left_margin_or_column_0_when_left_of_it():
    t, feed, _ = make()
    feed(LRM + b"\x1b[5;8s\x1b[1;7H\r")
    assert t.x == 4
    feed(b"\x1b[1;3H\r")
    assert t.x == 0
    feed(b"\x1b[?6h\x1b[1;1H\x1b[?69l\x1b[?69h\x1b[5;8s\x1b[?6h")     # origin mode: always the left margin
    t.screen.x = 1
    feed(b"\r")
    assert t.x == 4


def test_bs_and_cub_stop_at_the_left_margin():
    t, feed, _ = make()
    feed(LRM + b"\x1b[5;8s\x1b[1;5H\x08")
    assert t.x == 4
    feed(b"\x1b[1;7H\x1b[9D")
    assert t.x == 4
    feed(b"\x1b[1;4H\x08")          # left of the margin: down to column 0
    assert t.x == 2


def test_cuf_stops_at_the_right_margin():
    t, feed, _ = make()
    feed(LRM + b"\x1b[3;6s\x1b[1;4H\x1b[9C")
    assert t.x == 5
    feed(b"\x1b[1;8H\x1b[9C")       # right of it: the screen's edge
    assert t.x == 9


def test_cup_and_cha_are_relative_to_the_left_margin_in_origin_mode():
    t, feed, replies = make()
    feed(LRM + b"\x1b[3;6s\x1b[2;4r\x1b[?6h\x1b[2;2H")
    assert (t.x, t.y) == (3, 2)
    feed(b"\x1b[1;99H")
    assert (t.x, t.y) == (5, 1)
    feed(b"\x1b[2G")
    assert t.x == 3
    feed(b"\x1b[6n\x1b[?6n")
    assert replies == [b"\x1b[1;2R", b"\x1b[?1;2R"]


def test_cnl_and_cpl_go_to_the_left_margin():
    t, feed, _ = make()
    feed(LRM + b"\x1b[3;6s\x1b[2;5H\x1b[E")
    assert (t.x, t.y) == (2, 2)
    feed(b"\x1b[4;5H\x1b[2F")
    assert (t.x, t.y) == (2, 1)


def test_tabs_stop_at_the_right_margin():
    t, feed, _ = make(30, 2)
    feed(LRM + b"\x1b[5;20s\x1b[1;1H\t")
    assert t.x == 8
    feed(b"\t\t\t")
    assert t.x == 19
    feed(b"\x1b[1;1H\x1b[9I")
    assert t.x == 19
    feed(b"\x1b[1;22H\t")           # right of the margin: the screen's edge
    assert t.x == 24


# ---------------------------------------------------------------- reverse wraparound

def test_bs_reverse_wraps_to_the_right_margin_of_the_row_above():
    t, feed, _ = make()
    feed(b"\x1b[?45h\x1b[3;1H\x08")
    assert (t.x, t.y) == (9, 1)
    feed(LRM + b"\x1b[5;8s\x1b[3;5H\x08")
    assert (t.x, t.y) == (7, 1)
    feed(b"\x1b[3;1H\x08")          # from left of the margin: to the right margin too
    assert (t.x, t.y) == (7, 1)


def test_reverse_wrap_from_the_top_margin_goes_to_the_bottom_margin():
    t, feed, _ = make()
    feed(b"\x1b[?45h\x1b[2;4r\x1b[2;1H\x08")
    assert (t.x, t.y) == (9, 3)


def test_reverse_wrap_needs_autowrap_and_stops_at_the_first_row():
    t, feed, _ = make()
    feed(b"\x1b[?45h\x1b[?7l\x1b[3;1H\x08")
    assert (t.x, t.y) == (0, 2)
    feed(b"\x1b[?7h\x1b[1;1H\x08")
    assert (t.x, t.y) == (9, 4)     # the top row is the top margin: on to the bottom one
    feed(b"\x1b[2;3r\x1b[1;3H\x1b[9D")      # above the region: stops at the first row
    assert (t.x, t.y) == (0, 0)


def test_reverse_wrap_after_a_pending_wrap_uses_up_one_step():
    t, feed, _ = make()
    feed(b"\x1b[?45h\x1b[1;9Hab\x08X")
    assert rows(t)[0] == "        aX"
    feed(b"\x1b[1;9Habcd\x1b[4D")
    assert (t.x, t.y) == (8, 0)


def test_decstr_turns_reverse_wraparound_off():
    t, feed, _ = make()
    feed(b"\x1b[?45h\x1b[!p\x1b[2;1H\x08")
    assert (t.x, t.y) == (0, 1)


# ---------------------------------------------------------------- vertical scrolling inside the margins

FILL = ["abcdefghij", "klmnopqrst", "uvwxyzABCD", "EFGHIJKLMN", "OPQRSTUVWX"]


def test_lf_at_the_bottom_margin_scrolls_only_inside_the_left_right_margins():
    t, feed, _ = make()
    feed(grid(t, FILL) + LRM + b"\x1b[3;5s\x1b[2;4r\x1b[4;4H\n")
    assert rows(t) == ["abcdefghij", "klwxypqrst", "uvGHIzABCD", "EF   JKLMN", "OPQRSTUVWX"]
    assert t.primary.pages.history_rows() == 0


def test_lf_outside_the_left_right_margins_moves_but_never_scrolls():
    t, feed, _ = make()
    feed(grid(t, FILL) + LRM + b"\x1b[3;5s\x1b[2;4r\x1b[4;8H\n\x1bD\x1bE")
    assert rows(t) == FILL
    assert t.y == 3
    feed(b"\x1b[5;8H\n")
    assert t.y == 4 and rows(t) == FILL


def test_nel_outside_the_margins_does_not_scroll():
    t, feed, _ = make()
    feed(grid(t, FILL) + LRM + b"\x1b[3;5s\x1b[2;4r\x1b[4;8H\x1bE")
    assert rows(t) == FILL and (t.x, t.y) == (2, 3)


def test_ri_at_the_top_margin_scrolls_down_inside_the_margins():
    t, feed, _ = make()
    feed(grid(t, FILL) + LRM + b"\x1b[3;5s\x1b[2;4r\x1b[2;3H\x1bM")
    assert rows(t) == ["abcdefghij", "kl   pqrst", "uvmnozABCD", "EFwxyJKLMN", "OPQRSTUVWX"]
    feed(b"\x1b[2;7H\x1bM")          # outside the margins: nothing
    assert rows(t)[1] == "kl   pqrst" and t.y == 1


def test_su_and_sd_scroll_only_inside_the_margins():
    t, feed, _ = make()
    feed(grid(t, FILL) + LRM + b"\x1b[3;5s\x1b[2;4r\x1b[2S")
    assert rows(t) == ["abcdefghij", "klGHIpqrst", "uv   zABCD", "EF   JKLMN", "OPQRSTUVWX"]
    feed(b"\x1b[T")
    assert rows(t) == ["abcdefghij", "kl   pqrst", "uvGHIzABCD", "EF   JKLMN", "OPQRSTUVWX"]


def test_il_and_dl_only_shift_rows_between_left_and_right_margins():
    t, feed, _ = make()
    feed(grid(t, FILL) + LRM + b"\x1b[3;5s\x1b[3;4H\x1b[L")
    assert rows(t) == ["abcdefghij", "klmnopqrst", "uv   zABCD", "EFwxyJKLMN", "OPGHITUVWX"]
    assert t.x == 2
    feed(b"\x1b[3;4H\x1b[2M")
    assert rows(t) == ["abcdefghij", "klmnopqrst", "uvGHIzABCD", "EF   JKLMN", "OP   TUVWX"]


def test_il_and_dl_do_nothing_outside_the_left_right_margins():
    t, feed, _ = make()
    feed(grid(t, FILL) + LRM + b"\x1b[3;5s\x1b[3;7H\x1b[L\x1b[M")
    assert rows(t) == FILL


def test_wide_characters_cut_by_a_margin_lose_both_halves_when_rows_shift():
    t, feed, _ = make()
    feed("\x1b[2;1Habcd中fg".encode() + LRM + b"\x1b[1;5s\x1b[1;1H\x1b[M")
    assert rows(t)[:2] == ["abcd", "      fg"]       # the copied head and the tail left behind are blanked
    page, r = t.line(0)
    assert not page.flags_at(r, 4) & (CELL_WIDE | CELL_SPACER_TAIL)
    page, r = t.line(1)
    assert not page.flags_at(r, 5) & (CELL_WIDE | CELL_SPACER_TAIL)


# ---------------------------------------------------------------- horizontal editing inside the margins

def test_ich_shifts_only_up_to_the_right_margin():
    t, feed, _ = make()
    feed(b"abcdefghij" + LRM + b"\x1b[3;6s\x1b[1;4H\x1b[2@")
    assert rows(t)[0] == "abc  dghij"


def test_dch_pulls_cells_only_from_inside_the_right_margin():
    t, feed, _ = make()
    feed(b"abcdefghij" + LRM + b"\x1b[3;6s\x1b[1;4H\x1b[2P")
    assert rows(t)[0] == "abcf  ghij"


def test_ich_and_dch_do_nothing_outside_the_margins():
    t, feed, _ = make()
    feed(b"abcdefghij" + LRM + b"\x1b[3;6s\x1b[1;2H\x1b[2@\x1b[2P\x1b[1;8H\x1b[@\x1b[P")
    assert rows(t)[0] == "abcdefghij"


def test_insert_mode_pushes_text_only_to_the_right_margin():
    t, feed, _ = make()
    feed(b"abcdefghij" + LRM + b"\x1b[3;6s\x1b[1;4H\x1b[4hX")
    assert rows(t)[0] == "abcXdeghij"


def test_decic_and_decdc_insert_and_delete_columns_inside_the_margins():
    t, feed, _ = make()
    feed(grid(t, FILL) + LRM + b"\x1b[3;6s\x1b[2;3r\x1b[2;4H\x1b[2'}")
    assert rows(t) == ["abcdefghij", "klm  nqrst", "uvw  xABCD", "EFGHIJKLMN", "OPQRSTUVWX"]
    feed(b"\x1b[2;3H\x1b[3'~")
    assert rows(t) == ["abcdefghij", "kln   qrst", "uvx   ABCD", "EFGHIJKLMN", "OPQRSTUVWX"]


def test_decic_does_nothing_outside_the_margins():
    t, feed, _ = make()
    feed(grid(t, FILL) + LRM + b"\x1b[3;6s\x1b[1;1H\x1b[5'}\x1b[5'~")
    assert rows(t) == FILL


def test_decbi_moves_left_and_at_the_left_margin_shifts_the_columns_right():
    t, feed, _ = make()
    feed(grid(t, FILL) + LRM + b"\x1b[3;6s\x1b[2;3r\x1b[2;5H\x1b6")
    assert (t.x, rows(t)) == (3, FILL)
    feed(b"\x1b6\x1b6")
    assert t.x == 2
    assert rows(t) == ["abcdefghij", "kl mnoqrst", "uv wxyABCD", "EFGHIJKLMN", "OPQRSTUVWX"]
    feed(b"\x1b[2;1H\x1b6")         # the screen's first column, left of the margin: nothing
    assert t.x == 0 and rows(t)[1] == "kl mnoqrst"


def test_decfi_moves_right_and_at_the_right_margin_shifts_the_columns_left():
    t, feed, _ = make()
    feed(grid(t, FILL) + LRM + b"\x1b[3;6s\x1b[2;3r\x1b[2;6H\x1b9")
    assert t.x == 5
    assert rows(t) == ["abcdefghij", "klnop qrst", "uvxyz ABCD", "EFGHIJKLMN", "OPQRSTUVWX"]
    feed(b"\x1b[2;10H\x1b9")        # the screen's last column, right of the margin: nothing
    assert t.x == 9 and rows(t)[1] == "klnop qrst"


def test_decbi_at_column_0_without_margins_shifts_the_whole_screen_right():
    t, feed, _ = make()
    feed(b"x\x1b[1;1H\x1b6")
    assert rows(t)[0] == " x"


def test_a_wide_character_pushed_off_the_last_column_is_blanked_not_left_half():
    for compiled in (True, False):
        t, feed, _ = make(compiled=compiled)
        feed("abcdefgh漢".encode() + b"\x1b[1;1H\x1b6")      # the wide character's tail goes past column 10
        page, r = t.screen.locs[0]
        assert rows(t)[0] == " abcdefgh" and not page.flags_at(r, 9) & CELL_WIDE
        feed(b"\x1b[1;1H" + "漢".encode() + b"\x1b[1;1H\x1b[8'}")   # DECIC at the margin, the same way
        assert not page.flags_at(r, 9) & CELL_WIDE


# ---------------------------------------------------------------- saved cursor

def test_decrc_keeps_autowrap_and_a_pending_wrap_at_the_right_margin():
    t, feed, _ = make()
    feed(b"\x1b7\x1b[?7l\x1b8")
    assert not t.modes.autowrap
    feed(b"\x1b[?7h" + LRM + b"\x1b[2;4s\x1b[1;2Habc\x1b7\x1b[5;5H\x1b8")
    assert (t.x, t.screen.pending_wrap) == (3, True)


# ---------------------------------------------------------------- both paths

def test_compiled_and_pure_paths_agree_with_margins_set_mid_chunk():
    data = (grid(None, FILL) + LRM + b"\x1b[3;6s\x1b[2;4r\x1b[4;4Hxyzw\r\nline\x1b[2C\x1b[K\x08\x08\x1b[3D\x1b[1;99H"
            + b"q\x1b[?69l\r\nplain text after\r\n")
    seen = []
    for compiled in (True, False):
        t, feed, _ = make(compiled=compiled)
        feed(data)
        seen.append((rows(t), t.x, t.y, t.screen.pending_wrap))
    assert seen[0] == seen[1]


def test_resetting_declrmm_cancels_a_wrap_pending_at_the_right_margin():
    t, feed, _ = make()
    feed(LRM + b"\x1b[2;4sabcd\x1b[?69lX")
    assert rows(t)[0] == "abcX" and t.x == 4 and not t.screen.pending_wrap


def test_insert_mode_outside_the_margins_overwrites():
    t, feed, _ = make()
    feed(b"abcdefghij" + LRM + b"\x1b[3;6s\x1b[1;8H\x1b[4hX")
    assert rows(t)[0] == "abcdefgXij"


def test_cub_ends_the_last_cluster_on_both_paths():
    for compiled in (True, False):
        t, feed, _ = make(compiled=compiled)
        feed("ab\x1b[D\u0301".encode())
        assert t.display()[0].rstrip() == "ab", compiled


def test_decaln_resets_the_left_right_margins_and_homes_the_cursor():
    t, feed, _ = make()
    feed(LRM + b"\x1b[3;6s\x1b[2;5H\x1b#8")
    assert (t.modes.margin_left, t.modes.margin_right, t.x, t.y) == (0, 9, 0, 0)
    feed(b"\x1b[1;9Hxyz")               # wraps at the screen's edge again
    assert rows(t)[:2] == ["EEEEEEEExy", "zEEEEEEEEE"]
