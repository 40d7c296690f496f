"""Screen: every listener event over the PageList, checked through the real Stream."""

import pytest

from mux.terminal import memory
from mux.terminal.page import CELL_SPACER_HEAD, CELL_SPACER_TAIL, CELL_WIDE, ROW_WRAP
from mux.terminal.stream import Stream
from mux.terminal.styles import BOLD, COLOR_PALETTE, COLOR_RGB, UNDERLINE_SHIFT
from mux.terminal.terminal import Terminal


def make(cols=10, rows=4, **kw):
    replies = []
    screen = Terminal(cols, rows, on_reply=replies.append, **kw)
    stream = Stream(screen)
    return screen, stream.feed, replies


def rows(screen):
    return [line.rstrip() for line in screen.display()]


def flags_at(screen, y, x):
    page, r = screen.line(y)
    return page.flags_at(r, x)


def style_at(screen, y, x):
    page, r = screen.line(y)
    return screen.style_of(page, r, x)


# ---------------------------------------------------------------- text, wrap, widths

def test_pending_wrap_is_exact():
    s, feed, _ = make(5, 3)
    feed(b"abcde")
    assert (s.x, s.y, s.screen.pending_wrap) == (4, 0, True)
    feed(b"\r")          # CR clears pending wrap: no new line
    feed(b"X")
    assert rows(s) == ["Xbcde", "", ""]
    feed(b"\x1b[1;5HZ")
    assert s.screen.pending_wrap
    feed(b"Q")
    assert rows(s) == ["XbcdZ", "Q", ""]
    page, r = s.line(0)
    assert page.rflags[r] & ROW_WRAP


def test_autowrap_off_overwrites_last_column():
    s, feed, _ = make(5, 2)
    feed(b"\x1b[?7labcdefgh")
    assert rows(s) == ["abcdh", ""]
    assert s.x == 4 and not s.screen.pending_wrap


def test_wide_char_in_last_column_wraps_early_with_spacer_head():
    s, feed, _ = make(5, 3)
    feed("abcd中".encode())
    assert rows(s) == ["abcd", "中", ""]
    assert flags_at(s, 0, 4) & CELL_SPACER_HEAD
    assert flags_at(s, 1, 0) & CELL_WIDE and flags_at(s, 1, 1) & CELL_SPACER_TAIL
    assert (s.x, s.y) == (2, 1)


@pytest.mark.parametrize("cluster", ["👩‍💻", "🇯🇵", "👍🏽", "❤️", "👨‍👩‍👧"])
def test_emoji_clusters_take_two_cells_as_one(cluster):
    s, feed, _ = make(10, 2)
    feed(f"a{cluster}b".encode())
    assert rows(s)[0] == f"a{cluster}b"
    assert flags_at(s, 0, 1) & CELL_WIDE and flags_at(s, 0, 2) & CELL_SPACER_TAIL
    assert s.x == 4


def test_clusters_split_across_feeds_join():
    s, feed, _ = make(10, 2)
    data = "xe\u0301👩\u200d💻y".encode()
    for i in range(len(data)):
        feed(data[i:i + 1])
    assert rows(s)[0] == "xe\u0301👩\u200d💻y"
    assert s.x == 5


def test_combining_mark_attaches_and_vs16_widens():
    s, feed, _ = make(10, 2)
    feed("e\u0301".encode())
    assert rows(s)[0] == "e\u0301" and s.x == 1
    feed("\u2600".encode())
    feed("\ufe0f".encode())     # VS16 in a later write: the sun becomes two cells wide
    assert rows(s)[0] == "e\u0301\u2600\ufe0f" and s.x == 3


def test_overwriting_half_a_wide_char_blanks_the_other_half():
    s, feed, _ = make(6, 2)
    feed("中文".encode())
    feed(b"\x1b[1;2Hx")        # onto the spacer of 中
    assert rows(s)[0] == " x文"
    assert not flags_at(s, 0, 0) & CELL_WIDE
    feed(b"\x1b[1;3Hy")        # onto the head of 文
    assert rows(s)[0] == " xy"
    assert not flags_at(s, 0, 3) & CELL_SPACER_TAIL


def test_cjk_run_wraps_by_pairs():
    s, feed, _ = make(5, 3)
    feed("一二三四".encode())
    assert rows(s) == ["一二", "三四", ""]


def test_grapheme_mode_2027_can_be_turned_off():
    s, feed, replies = make(10, 2)
    feed(b"\x1b[?2027$p")
    assert replies[-1] == b"\x1b[?2027;1$y"
    feed(b"\x1b[?2027l")
    feed("🇯🇵".encode())
    assert s.x == 4            # two regional indicators, two cells each
    feed(b"\x1b[?2027$p")
    assert replies[-1] == b"\x1b[?2027;2$y"


# ---------------------------------------------------------------- editing

def test_insert_mode_rep_ech_ich_dch():
    s, feed, _ = make(10, 2)
    feed(b"abcdef\x1b[1;3H\x1b[4hXY\x1b[4l")
    assert rows(s)[0] == "abXYcdef"
    feed(b"\x1b[1;1H\x1b[2P")
    assert rows(s)[0] == "XYcdef"
    feed(b"\x1b[2@")
    assert rows(s)[0] == "  XYcdef"
    feed(b"\x1b[1;3H\x1b[3X")
    assert rows(s)[0] == "     def"
    feed(b"\x1b[2;1Hz\x1b[4b")
    assert rows(s)[1] == "zzzzz"


def test_ich_pushes_cells_off_the_right_edge():
    s, feed, _ = make(5, 1)
    feed(b"abcde\x1b[1;2H\x1b[2@")
    assert rows(s) == ["a  bc"]


def test_su_sd_and_il_dl_inside_a_scroll_region():
    s, feed, _ = make(3, 5)
    feed(b"1\r\n2\r\n3\r\n4\r\n5")
    feed(b"\x1b[2;4r")            # region rows 2-4
    feed(b"\x1b[1S")
    assert rows(s) == ["1", "3", "4", "", "5"]
    feed(b"\x1b[2T")
    assert rows(s) == ["1", "", "", "3", "5"]
    feed(b"\x1b[3;1H\x1b[L")
    assert rows(s) == ["1", "", "", "", "5"]
    feed(b"\x1b[4;1Hx\x1b[2;1H\x1b[M")
    assert rows(s) == ["1", "", "x", "", "5"]
    assert s.history_text() == []


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_a_scroll_region_straddling_two_pages_scrolls_both_ways(compiled):
    s = Terminal(20, 40)
    feed = Stream(s, compiled=compiled).feed
    per_page = s.primary.pages.std_capacity.rows
    feed(b"h\r\n" * (per_page + 19))           # the page boundary is on screen row 20
    page_of = [s.line(y)[0] for y in range(40)]
    assert page_of[19] is not page_of[20]
    feed(b"\x1b[5;30r\x1b[30;1H")
    for i in range(100):
        feed(b"\x1b[3%dmr%d\x1b[m\r\n" % (i % 2 + 1, i))
    region = rows(s)[4:30]
    assert region == [f"r{i}" for i in range(75, 100)] + [""]
    assert [style_at(s, y, 0)[0] for y in (4, 5)] == [COLOR_PALETTE | 2, COLOR_PALETTE | 1]   # r75 green, r76 red
    feed(b"\x1b[5;1H\x1bM\x1bM\x1bM")               # reverse index at the top: down by three
    assert rows(s)[4:30] == ["", "", ""] + [f"r{i}" for i in range(75, 98)]
    assert rows(s)[:4] == ["h"] * 4 and rows(s)[30:] == ["h"] * 9 + [""]
    s.check()
    s.close()


def test_index_at_bottom_of_full_screen_goes_to_history():
    s, feed, _ = make(3, 2)
    feed(b"a\r\nb\r\nc\r\nd")
    assert rows(s) == ["c", "d"]
    assert [h.rstrip() for h in s.history_text()] == ["a", "b"]


def test_origin_mode_and_margins():
    s, feed, replies = make(5, 6)
    feed(b"\x1b[2;4r\x1b[?6h")
    assert (s.x, s.y) == (0, 1)
    feed(b"\x1b[10;1H")
    assert s.y == 3                       # clamped to the bottom margin
    feed(b"\x1b[6n")
    assert replies[-1] == b"\x1b[3;1R"    # relative to the region
    feed(b"\x1b[?6l\x1b[6n")
    assert replies[-1] == b"\x1b[1;1R"


def test_save_restore_cursor_both_forms():
    s, feed, _ = make(10, 5)
    feed(b"\x1b[3;4H\x1b[1m\x1b7\x1b[H\x1b[0m\x1b8")
    assert (s.x, s.y) == (3, 2) and s.pen[3] & BOLD
    feed(b"\x1b[2;2H\x1b[s\x1b[5;5H\x1b[u")
    assert (s.x, s.y) == (1, 1)


def test_tabs_hts_tbc_cht_cbt():
    s, feed, _ = make(30, 2)
    feed(b"\tx")
    assert s.x == 9
    feed(b"\x1b[3g\x1b[1;4H\x1bH\x1b[1;1H\tY")
    assert rows(s)[0].index("Y") == 3
    feed(b"\x1b[1;1H\x1b[0g")          # clear none at col 0
    feed(b"\x1b[1;20H\x1b[Z")
    assert s.x == 3
    feed(b"\x1b[2I")
    assert s.x == 29


def test_erase_in_display_and_line():
    s, feed, _ = make(4, 3)
    feed(b"aaaa\r\nbbbb\r\ncccc\x1b[2;3H\x1b[0J")
    assert rows(s) == ["aaaa", "bb", ""]
    feed(b"\x1b[1;2H\x1b[1K")
    assert rows(s) == ["  aa", "bb", ""]
    feed(b"\x1b[2J")
    assert rows(s) == ["", "", ""]


def test_ed3_clears_scrollback_and_releases_pages():
    s, feed, _ = make(80, 24)
    feed(b"line\r\n" * 5000)
    pages_before = s.primary.pages.page_count
    assert pages_before > 2
    feed(b"\x1b[3J")
    assert s.history_text() == [] and s.primary.pages.page_count == 1
    tagged = memory.os_tagged_bytes(owner=s.primary.pages.owner)
    assert tagged in (None, s.primary.pages.mapped_bytes())
    s.close()


def test_erase_uses_background_colour():
    s, feed, _ = make(4, 2)
    feed(b"\x1b[44m\x1b[2J")
    assert style_at(s, 1, 3)[1] == COLOR_PALETTE | 4


# ---------------------------------------------------------------- SGR

def test_sgr_palette_indices_truecolor_and_colon_forms():
    s, feed, _ = make(10, 2)
    feed(b"\x1b[31;1ma\x1b[38;5;200mb\x1b[38;2;1;2;3mc\x1b[38:2::4:5:6md\x1b[4:3;58:5:9me\x1b[0mf")
    assert style_at(s, 0, 0) == (COLOR_PALETTE | 1, 0, 0, BOLD)
    assert style_at(s, 0, 1)[0] == COLOR_PALETTE | 200
    assert style_at(s, 0, 2)[0] == COLOR_RGB | 0x010203
    assert style_at(s, 0, 3)[0] == COLOR_RGB | 0x040506
    fg, bg, ul, attrs = style_at(s, 0, 4)
    assert ul == COLOR_PALETTE | 9 and (attrs >> UNDERLINE_SHIFT) & 7 == 3
    assert style_at(s, 0, 5) == (0, 0, 0, 0)


def test_xtmodkeys_is_not_sgr():
    s, feed, _ = make(10, 2)
    feed(b"\x1b[>4;1mx")
    assert style_at(s, 0, 0) == (0, 0, 0, 0)


# ---------------------------------------------------------------- modes and alternate screen

def test_modes_are_recorded_and_mouse_modes_exclusive():
    s, feed, _ = make()
    feed(b"\x1b[?1h\x1b[?1000h\x1b[?1006h\x1b[?2004h\x1b[?1004h\x1b[?2026h\x1b=\x1b[5 q")
    assert s.private_modes >= {1, 1000, 1006, 2004, 1004, 2026}
    assert s.keypad_application and s.cursor_style == 5
    feed(b"\x1b[?1003h")
    assert s.mouse_tracking == 1003 and 1000 not in s.private_modes
    assert s.mouse_encoding == "sgr"
    feed(b"\x1b[?25l")
    assert not s.cursor_visible


def test_alternate_screen_1049_saves_and_restores():
    s, feed, _ = make(10, 3)
    feed(b"shell$ \x1b[?1049h")
    assert s.in_alternate and rows(s) == ["", "", ""]
    feed(b"vim\r\n" * 10)
    assert s.alternate.pages.history_rows() == 0
    feed(b"\x1b[?1049l")
    assert not s.in_alternate and rows(s)[0] == "shell$" and (s.x, s.y) == (7, 0)


# ---------------------------------------------------------------- OSC and replies

def test_titles_cwd_and_prompt_marks():
    s, feed, _ = make()
    feed(b"\x1b]0;both\x07\x1b]2;title\x1b\\\x1b]7;file://host/tmp\x07\x1b]133;A\x07")
    assert (s.title, s.icon_name, s.cwd) == ("title", "both", "file://host/tmp")
    page, r = s.line(0)
    assert page.rflags[r] >> 6 & 3 == 1


def test_hyperlinks_are_stored_in_the_page():
    s, feed, _ = make(20, 2)
    feed(b"\x1b]8;id=42;https://example.com/x\x1b\\link\x1b]8;;\x1b\\ plain")
    page, r = s.line(0)
    idx = page.hyperlink_at(r, 0)
    assert page.hyperlink(idx) == ("42", "https://example.com/x")
    assert page.hyperlink_at(r, 3) == idx and page.hyperlink_at(r, 5) is None


def test_clipboard_writes_go_to_the_app_reads_never_answered():
    got = []
    screen = Terminal(10, 2, on_clipboard=lambda target, text: got.append((target, text)),
                    on_reply=got.append)
    Stream(screen).feed(b"\x1b]52;c;aGVsbG8=\x07\x1b]52;c;?\x07\x1b]52;c;!!!\x07")
    assert got == [("c", "hello")]


def notifications_from(data: bytes, compiled: bool) -> tuple[list[tuple[str, str]], list[str]]:
    """The (title, body) pairs a child's bytes notify through one Stream path, and the rows drawn after."""
    got: list[tuple[str, str]] = []
    terminal = Terminal(40, 3, on_notify=lambda title, body: got.append((title, body)))
    try:
        Stream(terminal, compiled=compiled).feed(data)
        return got, rows(terminal)
    finally:
        terminal.close()


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_desktop_notifications_osc9_and_osc777(compiled):
    got, drawn = notifications_from(
        b"\x1b]9;build done\x07"                       # iTerm2 / Ghostty, BEL-terminated
        b"\x1b]9;agent: waiting; for you\x1b\\"        # ST-terminated, ';' in the text
        b"\x1b]777;notify;Claude;needs your input\x1b\\"
        b"\x1b]777;notify;only a title\x07"
        b"\x1b]9;4;1;50\x07\x1b]9;4;0\x07\x1b]9;1;1000\x07"   # ConEmu progress / sleep: not notifications
        b"\x1b]777;preexec\x07\x1b]9;\x07\x1b]777;notify;;\x07"  # another 777 subcommand, empty ones
        b"after", compiled)
    assert got == [("", "build done"), ("", "agent: waiting; for you"), ("Claude", "needs your input"),
                   ("only a title", "")]
    assert drawn[0] == "after", "no payload is drawn"


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_notification_text_has_no_controls_and_is_bounded(compiled):
    from mux.terminal.terminal import MAX_NOTIFY_BODY, MAX_NOTIFY_TITLE
    got, _ = notifications_from(
        "\x1b]777;notify;t\x01i\x7ft\u0085le;b\x1bo\x9bd\u0090y\x07".encode()
        + b"\x1b]9;" + b"x" * (3 * MAX_NOTIFY_BODY) + b"\x07"
        + b"\x1b]777;notify;" + b"T" * (3 * MAX_NOTIFY_TITLE) + b";" + b"B" * (3 * MAX_NOTIFY_BODY) + b"\x07",
        compiled)
    assert got[0] == ("title", "body")
    assert got[1] == ("", "x" * MAX_NOTIFY_BODY)
    assert got[2] == ("T" * MAX_NOTIFY_TITLE, "B" * MAX_NOTIFY_BODY)
    assert all(c.isprintable() for title, body in got for c in title + body)


def test_colour_queries_are_answered():
    s, feed, replies = make()
    feed(b"\x1b]4;1;?\x07\x1b]10;?\x07\x1b]11;?\x07")
    assert replies == [b"\x1b]4;1;rgb:cdcd/0000/0000\x1b\\", b"\x1b]10;rgb:e5e5/e5e5/e5e5\x1b\\",
                       b"\x1b]11;rgb:0000/0000/0000\x1b\\"]
    feed(b"\x1b]4;1;#102030\x07\x1b]4;1;?\x07")
    assert replies[-1] == b"\x1b]4;1;rgb:1010/2020/3030\x1b\\"


def test_device_replies():
    s, feed, replies = make()
    feed(b"\x1b[c\x1b[>c\x1b[5n\x1b[2;3H\x1b[6n\x1b[>q\x1b[?2026$p\x1b[?u\x1b[>1u\x1b[?u\x1b[<u\x1b[?9999$p")
    assert replies == [b"\x1b[?62;22c", b"\x1b[>1;10;0c", b"\x1b[0n", b"\x1b[2;3R",
                       b"\x1bP>|mux 0.1.0\x1b\\", b"\x1b[?2026;2$y", b"\x1b[?0u", b"\x1b[?1u",
                       b"\x1b[?9999;0$y"]


# ---------------------------------------------------------------- resize

def test_resize_rows_moves_lines_between_screen_and_history():
    s, feed, _ = make(10, 4)
    feed(b"1\r\n2\r\n3\r\n4")
    s.resize(2, 10)
    assert rows(s) == ["3", "4"] and [h.rstrip() for h in s.history_text()] == ["1", "2"]
    assert (s.x, s.y) == (1, 1)
    s.resize(4, 10)
    assert rows(s) == ["1", "2", "3", "4"] and s.y == 3


def test_resize_shrink_drops_blank_rows_below_the_cursor_first():
    s, feed, _ = make(10, 6)
    feed(b"a\r\nb")
    s.resize(3, 10)
    assert rows(s) == ["a", "b", ""] and s.history_text() == [] and s.y == 1


def test_resize_columns_reflows_and_keeps_the_cursor_on_its_character():
    s, feed, _ = make(10, 4)
    feed(b"0123456789abcde\r\nnext")
    feed(b"\x1b[1;6H")             # on '5'
    s.resize(4, 20)
    assert rows(s)[:2] == ["0123456789abcde", "next"]
    page, r = s.line(s.y)
    assert page.row_text(r)[s.x] == "5"
    s.resize(4, 5)
    assert rows(s)[-4:] == ["01234", "56789", "abcde", "next"]
    page, r = s.line(s.y)
    assert page.row_text(r)[s.x] == "5"


# ---------------------------------------------------------------- robustness and memory

def test_absurd_parameters_never_raise_and_keep_the_cursor_in_bounds():
    s, feed, _ = make(10, 4)
    feed(b"\x1b[99999;99999H\x1b[99999@\x1b[99999P\x1b[99999L\x1b[99999M\x1b[99999X\x1b[99999b"
         b"\x1b[99999S\x1b[99999T\x1b[0;0r\x1b[5;2r\x1b[99999I\x1b[99999Z\x1b[99999q")
    assert 0 <= s.x < 10 and 0 <= s.y < 4
    s.resize(0, 0)
    assert (s.lines, s.columns) == (1, 1)
    feed("中👩‍💻abc".encode())
    assert s.x == 0


def test_agent_output_keeps_accounting_equal_to_os_and_zero_after_close():
    s, feed, _ = make(60, 10, scrollback_limit=1_000_000)
    chunk = ("🔥 \x1b]8;id={n};https://e.com/{n}\x1b\\link{n}\x1b]8;;\x1b\\ 👩‍💻 \x1b[38;2;{n};2;3m中文\x1b[0m\r\n")
    for n in range(3000):
        feed(chunk.format(n=n % 255).encode())
    pl = s.primary.pages
    pl.check()
    assert pl.oversized_allocated > 0
    tagged = memory.os_tagged_bytes(owner=pl.owner)
    assert tagged in (None, pl.mapped_bytes())
    s.close()
    assert memory.os_tagged_bytes(owner=pl.owner) in (None, 0)


@pytest.mark.parametrize("compiled", [True, False])
def test_a_run_in_many_styles_keeps_every_cells_style_when_the_style_table_fills(compiled):
    """Rows full of live styles leave the page's style table a few entries short; then one row is drawn in 70
    new styles, a character each. Every cell keeps the colour it was drawn in (the table grows; it never hands
    out the id of a style the row is still being drawn in)."""
    terminal = Terminal(80, 12)
    feed = Stream(terminal, compiled=compiled).feed
    capacity = terminal.line(0)[0].capacity.styles
    k = 0
    while k < capacity - 20:
        feed(f"\x1b[38;2;1;{k // 256};{k % 256}mx".encode())
        k += 1
        if k % 79 == 0:
            feed(b"\r\n")
    feed(b"\r\n" + b"".join(f"\x1b[38;2;2;0;{n}m{chr(65 + n % 26)}".encode() for n in range(70)) + b"\x1b[m")
    page, r = terminal.line(terminal.y)
    assert [terminal.style_of(page, r, c)[0] for c in range(70)] == [COLOR_RGB | (2 << 16 | n) for n in range(70)]
    terminal.close()


# ---------------------------------------------------------------------- size reports, UK set, DECCOLM


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_the_text_area_and_screen_size_are_reported_in_characters(compiled):
    replies = []
    screen = Terminal(30, 7, on_reply=replies.append)
    Stream(screen, compiled=compiled).feed(b"\x1b[18t\x1b[19t")
    assert replies == [b"\x1b[8;7;30t", b"\x1b[9;7;30t"]
    replies.clear()
    Stream(screen, compiled=compiled).feed(b"\x1b[21t\x1b[20t\x1b[14t\x1b[8;10;10t\x1b[t")   # titles, pixels, resize
    assert replies == []
    assert (screen.columns, screen.lines) == (30, 7)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_the_uk_set_turns_the_hash_sign_into_a_pound_sign(compiled):
    screen = Terminal(20, 2)
    Stream(screen, compiled=compiled).feed(b"#\x1b(A#a\x1b)0\x0e#q\x0f#\x1b(B#")
    assert rows(screen)[0] == "#\u00a3a#\u2500\u00a3#"      # G1 is DEC graphics ('#' has no glyph there)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_deccolm_clears_resets_the_margins_and_homes_only_when_mode_40_allows_it(compiled):
    screen = Terminal(20, 6)
    stream = Stream(screen, compiled=compiled)
    stream.feed(b"\x1b[2;4rabc\r\ndef\x1b[?3h")
    assert rows(screen)[:2] == ["abc", "def"] and (screen.modes.margin_top, screen.modes.margin_bottom) == (1, 3)
    stream.feed(b"\x1b[?40h\x1b[?3lX\x1b[?6h\x1b[6;1HY")
    assert rows(screen) == ["X", "", "", "", "", "Y"]       # origin mode after it: the margins are the whole screen
    assert (screen.modes.margin_top, screen.modes.margin_bottom) == (0, 5)
    assert (screen.columns, screen.lines) == (20, 6)        # the width stays the pane's


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_deccolm_clears_protected_cells_and_the_left_right_margins_too(compiled):
    screen = Terminal(20, 4)
    stream = Stream(screen, compiled=compiled)
    stream.feed(b"\x1b[?40h\x1bVkeep\x1bW\x1b[?69h\x1b[3;8s\x1b[2J")
    assert rows(screen)[0] == "keep"                        # ED after SPA keeps the protected cells...
    stream.feed(b"\x1b[?3h")
    assert rows(screen) == ["", "", "", ""]                 # ...DECCOLM does not
    assert (screen.modes.margin_left, screen.modes.margin_right) == (0, 19)
