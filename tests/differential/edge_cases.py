"""Generated edge-case byte streams for the differential tests.

Owns: small, hand-written streams that each pin one corner of VT behaviour (wrapping, margins, erasing,
tabs, the alternate screen, grapheme clusters, strings that must not print, ...). Each is an `EdgeCase`
with its own terminal size, chosen small so that wrapping and scrollback happen within a few bytes, and a
`screen_only` flag for streams whose scrollback is not the point (or whose final state is the alternate
screen). Every stream uses \\r\\n line ends, like output that went through a tty.

The streams say what they do; what the right rows are is decided by comparing tmux, Ghostty and mux.
"""

from __future__ import annotations

from dataclasses import dataclass

ESC = "\x1b"
CSI = ESC + "["
ST = ESC + "\\"


@dataclass(frozen=True)
class EdgeCase:
    name: str
    data: bytes
    cols: int
    rows: int
    screen_only: bool = False


def _numbered(n: int, width: int = 0) -> str:
    """Lines 'L01', 'L02', ... each ended by CRLF (the last one too)."""
    return "".join(f"L{i:02d}".ljust(width) + "\r\n" for i in range(1, n + 1))


def _fill(rows: int, cols: int) -> str:
    """Every cell of a rows x cols screen written with a row letter, cursor left at the bottom right."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return CSI + "H" + "".join(CSI + f"{r + 1};1H" + letters[r % 26] * cols for r in range(rows))


def _ruled(clusters: list[str], col: int) -> str:
    """Each cluster on its own row followed by '|' placed with CHA at `col`.

    Row text alone does not show how wide a cluster is; the run of spaces before the '|' does.
    """
    return "\r\n".join(f"{c}{CSI}{col}G|" for c in clusters)


CASES: list[tuple[str, str | bytes, int, int, bool]] = [
    # --- wrapping ----------------------------------------------------------------------------------------
    ("autowrap", "0123456789abcdefghijABCDEFGHIJKLM\r\nnext", 10, 5, False),
    ("pending_wrap_crlf", "0123456789\r\nafter exact fill\r\n0123456789", 10, 5, False),
    ("pending_wrap_then_char", "0123456789X\r\n", 10, 5, False),
    ("pending_wrap_cub", "0123456789" + CSI + "DY", 10, 3, False),
    ("pending_wrap_cha", "0123456789" + CSI + "2GZ", 10, 3, False),
    ("pending_wrap_bs", "0123456789\bY", 10, 3, False),
    ("pending_wrap_cr", "abcdefghij\rZ", 10, 3, False),
    ("pending_wrap_el0", "0123456789" + CSI + "K", 10, 3, False),
    ("pending_wrap_el1", "0123456789" + CSI + "1K" + "\r\n" + "abcdefghij" + CSI + "5G" + CSI + "1K", 10, 3, False),
    ("pending_wrap_bottom_scroll", _numbered(4) + "0123456789" + "X", 10, 5, False),
    ("wide_last_col", "012345678中\r\n01234567中\r\n0123456789中", 10, 6, False),
    ("wide_in_one_column_terminal", "a\r\n中\r\nb", 1, 4, False),
    ("decawm_off", CSI + "?7l" + "0123456789abcdef\r\n中文字符串超出" + CSI + "?7h" + "\r\n0123456789ab", 10, 5, False),
    ("long_line_scrollback", "x" * 47 + "\r\n" + "y" * 23, 10, 3, False),
    ("lf_without_cr", "ab\ncd\n\nef\rg", 10, 4, False),
    ("bulk_scrollback", "".join(f"line {i:05d} of bulk\r\n" for i in range(3000)) + "last", 20, 5, False),
    ("ends_inside_csi", "abc\r\ndef" + CSI + "3", 10, 3, False),
    ("ends_inside_osc", "abc\r\ndef" + ESC + "]0;an unterminated title", 10, 3, False),
    # --- editing ----------------------------------------------------------------------------------------
    ("insert_mode", "abcdefgh\r" + CSI + "4h" + "XY" + CSI + "6G中" + CSI + "4l" + "Z", 10, 3, False),
    ("insert_mode_push_off_edge", "0123456789\r" + CSI + "4h" + "ab" + CSI + "4l", 10, 3, False),
    ("rep_ascii", "a" + CSI + "5b" + "\r\n-" + CSI + "b", 10, 3, False),
    ("rep_wraps", "xy" + CSI + "20b", 10, 4, False),
    ("rep_wide", "中" + CSI + "2b", 10, 2, False),
    ("ech_ich_dch", "0123456789\r" + CSI + "3G" + CSI + "2X"
     + "\r\nabcdefghij" + CSI + "4G" + CSI + "2@"
     + "\r\nABCDEFGHIJ" + CSI + "2G" + CSI + "2P"
     + "\r\n0123456789" + CSI + "5G" + CSI + "0X" + CSI + "99P", 10, 5, False),
    ("ich_large_count", "abcdefgh" + CSI + "2G" + CSI + "5@" + "\r\nabcdefghij" + CSI + "2G" + CSI + "99@", 10, 3,
     False),
    ("erase_half_of_wide", "中文字符" + CSI + "2G" + CSI + "X" + "\r\n中文字符" + CSI + "3G" + CSI + "P", 10, 3, False),
    ("overwrite_half_of_wide", "中文字\r" + CSI + "2Ga" + CSI + "5Gb", 10, 2, False),
    ("overwrite_wide_head", "日本語\r" + CSI + "3Gx", 10, 2, False),
    ("el_modes", _fill(3, 10) + CSI + "1;5H" + CSI + "K" + CSI + "2;5H" + CSI + "1K" + CSI + "3;5H" + CSI + "2K",
     10, 3, False),
    # --- scrolling and margins --------------------------------------------------------------------------
    ("su_sd_screen", _fill(6, 8) + CSI + "2S" + CSI + "1T" + CSI + "6;1HZ", 8, 6, True),
    ("su_into_scrollback", _numbered(3) + "L04" + CSI + "2S", 8, 4, False),
    ("il_dl_in_region", _fill(8, 6) + CSI + "3;6r" + CSI + "4;1H" + CSI + "2L" + CSI + "5;3H" + CSI + "M"
     + CSI + "r", 6, 8, True),
    ("il_outside_region", _fill(6, 6) + CSI + "3;5r" + CSI + "1;1H" + CSI + "L" + CSI + "6;1H" + CSI + "M"
     + CSI + "r", 6, 6, True),
    ("region_lf_at_bottom", _fill(6, 6) + CSI + "2;4r" + CSI + "4;1H" + "\n\nX" + CSI + "r", 6, 6, True),
    ("region_scroll_history", _fill(5, 6) + CSI + "2;5r" + CSI + "5;1H" + "\n\n\nZ" + CSI + "r", 6, 5, False),
    ("region_top_margin_scroll", _numbered(3) + _fill(5, 6) + CSI + "1;3r" + CSI + "3;1H" + "\n\nZ" + CSI + "r",
     6, 5, False),
    ("su_sd_in_region", _fill(6, 6) + CSI + "2;5r" + CSI + "S" + CSI + "3T" + CSI + "r", 6, 6, True),
    # --- left/right margins (DECLRMM + DECSLRM) and reverse wraparound -----------------------------------------
    ("lr_margins_wrap_and_scroll", CSI + "?69h" + CSI + "3;6s" + CSI + "5;3H" + "abcdefghijklmnopq"
     + CSI + "1;1H" + "0123456789" + CSI + "?69l" + CSI + "2;1Hend", 10, 5, False),
    ("lr_margins_lf_ri_su_sd", _fill(6, 8) + CSI + "?69h" + CSI + "3;6s" + CSI + "2;5r" + CSI + "5;4H" + "\n\n"
     + CSI + "2;4H" + ESC + "M" + CSI + "S" + CSI + "2T" + CSI + "5;8H" + "\n" + ESC + "D" + CSI + "2;1H" + ESC + "M"
     + CSI + "3;4H" + "\r\nX", 8, 6, True),
    ("lr_margins_il_dl", _fill(6, 8) + CSI + "?69h" + CSI + "2;5s" + CSI + "2;3H" + CSI + "2L" + CSI + "5;4H"
     + CSI + "M" + CSI + "3;7H" + CSI + "L" + CSI + "1;1H" + CSI + "M", 8, 6, True),
    ("lr_margins_ich_dch", _fill(4, 10) + CSI + "?69h" + CSI + "3;7s" + CSI + "1;4H" + CSI + "2@" + CSI + "2;4H"
     + CSI + "2P" + CSI + "3;1H" + CSI + "3@" + CSI + "3;9H" + CSI + "P" + CSI + "4;5H" + CSI + "4h" + "XY"
     + CSI + "4l", 10, 4, True),
    ("lr_margins_cursor_moves", CSI + "?69h" + CSI + "4;8s" + CSI + "2;5r" + CSI + "1;6H" + "\ra" + CSI + "1;2H"
     + "\rb" + CSI + "2;2H" + "\bd" + CSI + "3;5H" + CSI + "9Ce" + CSI + "4;1H\tf" + CSI + "?6h" + CSI + "2;2Hg"
     + CSI + "3;99Hi" + CSI + "2Ej" + CSI + "?6l", 12, 6, True),
    ("lr_margins_cub_stops_at_left_margin", CSI + "?69h" + CSI + "4;8s" + CSI + "1;6H" + CSI + "9Dc" + CSI + "2;6H"
     + "\b\b\b\bd", 12, 3, True),
    ("lr_margins_cha_in_origin_mode", CSI + "?69h" + CSI + "4;8s" + CSI + "2;5r" + CSI + "?6h" + CSI + "2;2Hg"
     + CSI + "3Gh" + CSI + "?6l", 12, 6, True),
    ("decbi_decfi_scroll_inside_the_margins", _fill(4, 8) + CSI + "?69h" + CSI + "3;6s" + CSI + "2;3r" + CSI
     + "2;3H" + ESC + "6" + ESC + "6X" + CSI + "3;6H" + ESC + "9" + ESC + "9Y" + CSI + "4;1H" + ESC + "6Z", 8, 4, True),
    ("decic_decdc_inside_the_margins", _fill(4, 8) + CSI + "?69h" + CSI + "2;7s" + CSI + "2;3r" + CSI + "2;3H"
     + CSI + "2'}" + CSI + "3;4H" + CSI + "'~" + CSI + "1;1H" + CSI + "'}" + CSI + "4;5H" + CSI + "9'~", 8, 4, True),
    ("deccolm_clears_and_resets_margins", _fill(4, 8) + CSI + "2;3r" + CSI + "?40h" + CSI + "?3l" + "a" + CSI
     + "4;1H\n\nb", 8, 4, True),
    ("uk_charset", "#" + ESC + "(A" + "#a" + ESC + ")0" + "\x0e#q\x0f#" + ESC + "(B" + "#", 12, 2, True),
    ("reverse_wrap_bs", CSI + "?45h" + "abcdefghijklm\rX\b\bY" + CSI + "3;1H" + CSI + "?7l\bZ", 10, 4, True),
    ("ri_at_top_ind_nel", _fill(4, 6) + CSI + "H" + ESC + "M" + "top" + CSI + "4;1H" + ESC + "D" + "ind"
     + ESC + "E" + "nel", 6, 4, True),
    ("origin_mode", CSI + "2;4r" + CSI + "?6h" + CSI + "1;1Ha" + CSI + "9;9Hb" + CSI + "2;2Hc" + CSI + "?6l"
     + CSI + "1;1Hd" + CSI + "r" + CSI + "6;1He", 10, 6, True),
    ("cursor_clamping", CSI + "99;99HZ" + CSI + "99AA" + CSI + "99DB" + CSI + "99BC" + CSI + "0;0HD"
     + CSI + "3;3H" + CSI + "5dE" + CSI + "7`F", 8, 5, True),
    ("scrollback_basic", _numbered(20), 6, 4, False),
    # --- tabs --------------------------------------------------------------------------------------------
    ("tabs_default", "a\tb\tc\td\r\n\t\t\t\t\tend", 20, 3, False),
    ("tabs_hts_tbc0_tbc3", CSI + "4G" + ESC + "H" + CSI + "13G" + ESC + "H" + "\r\ta\tb\tc"
     + "\r\n" + CSI + "9G" + CSI + "0g" + "\r\ta\tb\tc"
     + "\r\n" + CSI + "3g" + "\ta\tb", 20, 4, False),
    ("tabs_tbc_no_param", CSI + "9G" + CSI + "g" + "\r\ta\tb", 20, 2, False),
    ("tabs_cbt", CSI + "17G" + "a" + CSI + "Zb" + CSI + "3Zc" + "\r\n" + CSI + "15G" + CSI + "2Ze", 20, 3, False),
    ("tabs_cht", CSI + "2Ia" + CSI + "99Id" + "\r\n" + CSI + "I" + "e", 20, 3, False),
    # --- erasing the display -----------------------------------------------------------------------------
    ("ed0", _fill(4, 6) + CSI + "2;3H" + CSI + "J", 6, 4, True),
    ("ed1", _fill(4, 6) + CSI + "3;3H" + CSI + "1J", 6, 4, True),
    ("ed2_screen", _fill(4, 6) + CSI + "2;3H" + CSI + "2J" + "x", 6, 4, True),
    ("ed2_scrollback", _numbered(8) + CSI + "2J" + CSI + "Hx", 6, 4, False),
    ("ed3_clears_scrollback", _numbered(8) + CSI + "3J" + "x", 6, 4, False),
    ("decaln", ESC + "#8" + CSI + "2;2H" + CSI + "K", 5, 3, True),
    # --- cursor save/restore, alternate screen -----------------------------------------------------------
    ("save_restore_cursor", "ab" + ESC + "7" + CSI + "3;5Hcd" + ESC + "8" + "X" + CSI + "s" + CSI + "2;2HY"
     + CSI + "u" + "Z", 10, 4, True),
    ("alt_screen_roundtrip", "primary 1\r\nprimary 2" + CSI + "?1049h" + CSI + "H" + "ALT SCREEN\r\nalt 2"
     + CSI + "?1049l" + "!\r\nback", 12, 5, False),
    ("alt_screen_left_open", "primary" + CSI + "?1049h" + CSI + "2;3H" + "in alt" + CSI + "1;1Hx", 12, 5, True),
    ("alt_screen_47_1047", "p1\r\np2" + CSI + "?47h" + "alt47" + CSI + "?47l" + CSI + "?1047h" + "a1047"
     + CSI + "?1047l" + "\r\nend", 12, 5, True),
    ("alt_screen_scroll_does_not_reach_scrollback", "keep\r\n" + CSI + "?1049h" + _numbered(10) + CSI + "?1049l"
     + "\r\nafter", 8, 4, False),
    # --- graphemes and widths (rows are ruled: the '|' column shows each cluster's width) ----------------
    ("cjk", _ruled(["日本語", "中文，。", "한국어", "Ｆｕｌｌ"], 10) + "\r\n日本語テキストが折り返す", 12, 6, False),
    ("combining_marks", _ruled(["e\u0301", "a\u0300\u0316", "o\u0308\u0304", "n\u0303x"], 6)
     + "\r\n\u0301lead", 10, 6, False),
    ("zwj_emoji", _ruled(["👨\u200d👩\u200d👧", "🧑\u200d💻", "👩\u200d❤\ufe0f\u200d👨"], 9), 10, 4, False),
    ("zwj_long_family", "👨\u200d👩\u200d👧\u200d👦|", 12, 2, False),
    ("flags", _ruled(["🇯🇵", "🇺🇸🇩🇪"], 8), 10, 3, False),
    ("flag_lone_regional_indicator", _ruled(["🇯", "🇯x"], 6), 10, 3, False),
    ("skin_tones", _ruled(["👍🏽", "👋🏿"], 8), 10, 3, False),
    ("skin_tone_alone", _ruled(["🏽", "a🏽"], 8), 10, 3, False),
    ("vs16", _ruled(["❤\ufe0f", "☀\ufe0f", "✔\ufe0f"], 6), 10, 4, False),
    ("vs16_bare_bases", _ruled(["❤", "☀", "✔"], 6), 10, 4, False),
    ("vs15_text_presentation", _ruled(["⌚\ufe0e", "☀\ufe0e"], 6), 10, 3, False),
    ("vs15_without_text_variant", _ruled(["😀\ufe0e"], 6), 10, 2, False),
    ("plain_emoji", _ruled(["🎉", "🚀🚀", "✅"], 8) + "\r\n012345678🎉", 10, 5, False),
    ("emoji_cluster_wraps_at_last_col", "012345678👍🏽\r\n012345678🇯🇵", 10, 5, False),
    # --- strings and sequences that must not print -------------------------------------------------------
    ("osc8_links", ESC + "]8;id=a;https://example.invalid/a" + ST + "link A" + ESC + "]8;;" + ST + " plain "
     + ESC + "]8;id=b;file:///tmp/b" + "\x07" + "link B spans the wrap" + ESC + "]8;;" + "\x07" + "!", 12, 5,
     False),
    ("osc_titles_clipboard_unknown", ESC + "]0;title" + "\x07" + "a" + ESC + "]2;t2" + ST + "b"
     + ESC + "]52;c;aGVsbG8=" + "\x07" + "d" + ESC + "]9999;whatever" + ST + "e", 10, 2, False),
    ("osc133_prompt_mark", "out" + ESC + "]133;A" + ST + "$ " + ESC + "]133;B" + ST + "cmd", 10, 3, False),
    ("sgr_forms", CSI + "38:2::255:0:0mred" + CSI + "0m " + CSI + "38;2;0;255;0mgrn" + CSI + "m "
     + CSI + "4:3mcurly" + CSI + "58:2::1:2:3mul" + CSI + "38:5:196mx" + CSI + "1;2;3;4;5;7;8;9mall"
     + CSI + "0m" + CSI + "38;5mbad" + CSI + "38:2:1mbad2" + CSI + "0m.", 40, 2, False),
    ("dcs_apc_pm_sos", "a" + ESC + "P1$r0m" + ST + "b" + ESC + "Pq#0;2;0;0;0#0~~@@" + ST + "c"
     + ESC + "_Gf=100,a=T;AAAA" + ST + "d" + ESC + "^privacy" + ST + "e" + ESC + "Xstart of string" + ST + "f"
     + ESC + "P+q544e" + ST + "g", 12, 2, False),
    ("decrqss_requests_print_nothing", "a" + ESC + "P$qm" + ST + "b" + ESC + "P$q\"p" + ST + "c" + ESC + "P$qjunk"
     + ST + "d" + ESC + "P$q" + ";" * 80 + "m" + ST + "e" + ESC + "P$q r" + ST + "f" + ESC + "Z" + CSI + "?63;1n"
     + CSI + "?26n" + "g", 12, 2, False),
    ("decrc_keeps_autowrap", CSI + "?7h" + ESC + "7" + CSI + "?7l" + ESC + "8" + "0123456789abc\r\nnext", 10, 3,
     False),
    ("xtrestore_autowrap_off", CSI + "?7l" + CSI + "?7s" + CSI + "?7h" + CSI + "?7r" + "0123456789abc\r\nnext", 10,
     3, False),
    ("xtrestore_autowrap_on", CSI + "?7h" + CSI + "?7s" + CSI + "?7l" + CSI + "?7r" + "0123456789abc\r\nnext", 10,
     3, False),
    ("xtsave_is_not_save_cursor", CSI + "2;3H" + CSI + "s" + CSI + "4;5H" + CSI + "?s" + CSI + "H" + CSI + "u" + "X"
     + CSI + "?r" + "Y", 10, 5, False),
    ("c0_controls", "a\x00b\x07c\x05d\x0ee\x0ff", 10, 2, False),
    ("del_is_ignored", "ab\x7fc", 10, 2, False),
    ("dec_special_graphics", ESC + "(0" + "lqqk\r\nx  x\r\nmqqj" + ESC + "(B" + " ok", 10, 4, False),
    ("spinner_sync", "task: build\r\n\r\n\r\n" + "".join(
        CSI + "?2026h" + CSI + "2A" + "\r" + CSI + "2K" + f"{'|/-'[i % 3]} step {i}" + "\r\n" + CSI + "2K"
        + f"  {i * 10}%" + "\r\n" + CSI + "?2026l" for i in range(7)) + "done", 16, 4, False),
    ("truecolor_box", CSI + "38;2;90;90;200m╭────╮" + CSI + "0m\r\n│" + CSI + "48;2;1;2;3mhi" + CSI + "0m"
     + CSI + "6G│\r\n╰────╯", 8, 4, False),
    # --- character protection and selective erase -------------------------------------------------------
    ("decsca_decsed", _fill(4, 6) + CSI + "2;2H" + CSI + '1"q' + "PP" + CSI + '0"q' + CSI + "4;5H" + CSI + '1"q'
     + "Q" + CSI + '0"q' + CSI + "2;3H" + CSI + "?J" + CSI + "1;1H" + CSI + "?1J", 6, 4, True),
    ("decsca_decsed_all", _fill(3, 6) + CSI + "2;3H" + CSI + '1"q' + "中" + CSI + "m" + "x" + CSI + '2"q' + "y"
     + CSI + "?2J", 6, 3, True),
    ("decsca_decsel", _fill(3, 8) + CSI + "1;4H" + CSI + '1"q' + "P" + CSI + '0"q' + CSI + "1;3H" + CSI + "?K"
     + CSI + "2;4H" + CSI + '1"q' + "P" + CSI + '0"q' + CSI + "2;6H" + CSI + "?1K"
     + CSI + "3;4H" + CSI + '1"q' + "P" + CSI + '0"q' + CSI + "?2K", 8, 3, True),
    ("decsca_ed_el_ech_ignore_it", _fill(3, 6) + CSI + '1"q' + CSI + "1;2HP" + CSI + "2;2HP" + CSI + "3;2HP"
     + CSI + '0"q' + CSI + "1;1H" + CSI + "K" + CSI + "2;1H" + CSI + "4X" + CSI + "3;1H" + CSI + "J", 6, 3, True),
    ("spa_epa_ed_el_ech", _fill(3, 6) + CSI + "1;3H" + ESC + "VP" + ESC + "W" + CSI + "2;3H" + ESC + "VP" + ESC
     + "W" + CSI + "3;3H" + ESC + "VP" + ESC + "W" + CSI + "1;1H" + CSI + "2K" + CSI + "2;1H" + CSI + "5X"
     + CSI + "3;1H" + CSI + "J", 6, 3, True),
    # --- VT420 rectangles --------------------------------------------------------------------------------
    ("decfra_decera", _fill(5, 8) + CSI + "1m" + CSI + "35;2;2;3;4$x" + CSI + "m" + CSI + "4;3;9;99$z"
     + CSI + "0;1;7;1;8$x", 8, 5, True),
    ("deccra_overlap", _fill(5, 8) + CSI + "1;1;3;3;1;2;2;1$v" + CSI + "4;6;5;8;1;4;1;1$v", 8, 5, True),
    ("decsera", _fill(3, 6) + CSI + "2;2H" + CSI + '1"q' + "PP" + CSI + '0"q' + CSI + "1;1;3;4${", 6, 3, True),
    ("rect_wide_edges", "中文字符\r\n中文字符\r\n中文字符" + CSI + "88;1;2;1;3$x" + CSI + "2;4;2;5$z"
     + CSI + "1;1;1;3;1;3;2$v", 10, 3, True),
]

_INVALID_UTF8 = (
    b"bad\xffbyte\r\n"           # a byte that never starts UTF-8
    b"trunc\xe4\xb8end\r\n"      # a 3-byte sequence cut short by ASCII
    b"lone\x80cont\r\n"          # a stray continuation byte
    b"over\xc0\xaflong\r\n"      # an overlong encoding of '/'
    b"surr\xed\xa0\x80gate"      # an encoded UTF-16 surrogate
)
_INVALID_UTF8_CUT_BY_ESC = b"ab\xe4\xb8" + b"\x1b[2Gc\r\n\xf0\x9f\x8e" + b"d"

EDGE_CASES: dict[str, EdgeCase] = {
    name: EdgeCase(name, data.encode("utf-8") if isinstance(data, str) else data, cols, rows, screen_only)
    for name, data, cols, rows, screen_only in CASES
}
EDGE_CASES["invalid_utf8"] = EdgeCase("invalid_utf8", _INVALID_UTF8, 12, 6)
EDGE_CASES["invalid_utf8_cut_by_escape"] = EdgeCase("invalid_utf8_cut_by_escape", _INVALID_UTF8_CUT_BY_ESC, 10, 3)
