"""Tests for the Terminal's status reports: DECRQSS, DECRQM, DECDSR, DECID, and XTSAVE / XTRESTORE."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mux.terminal.stream import Stream
from mux.terminal.styles import sgr_report
from mux.terminal.terminal import Terminal


class Pane:
    """A Terminal fed by its Stream, with the replies it sent."""

    def __init__(self, columns: int = 80, lines: int = 24, compiled: bool = True) -> None:
        self.replies: list[bytes] = []
        self.terminal = Terminal(columns, lines, on_reply=self.replies.append)
        self.stream = Stream(self.terminal, compiled=compiled)

    def ask(self, data: bytes) -> list[bytes]:
        self.replies.clear()
        self.stream.feed(data)
        assert self.stream.errors == 0
        self.terminal.check()
        return list(self.replies)


@pytest.fixture
def pane() -> Iterator[Pane]:
    p = Pane()
    yield p
    p.terminal.close()


def decrqss(pt: bytes) -> bytes:
    return b"\x1bP$q" + pt + b"\x1b\\"


# ---------------------------------------------------------------------------------------------------- DECRQSS


def test_decrqss_reports_the_pen_as_sgr(pane: Pane) -> None:
    assert pane.ask(decrqss(b"m")) == [b"\x1bP1$r0m\x1b\\"]
    assert pane.ask(b"\x1b[1m" + decrqss(b"m")) == [b"\x1bP1$r0;1m\x1b\\"]
    assert pane.ask(b"\x1b[0;3;4:3;7;31;104m" + decrqss(b"m")) == [b"\x1bP1$r0;3;4:3;7;31;104m\x1b\\"]


def test_sgr_report_sets_the_same_style_again(pane: Pane) -> None:
    t = pane.terminal
    for sgr in (b"1;2;4;5;8;9;53;91;42", b"38;5;200;48;2;1;2;3;58;5;9", b"21;38:2::10:20:30;58:2::1:2:3", b"0"):
        pane.ask(b"\x1b[0;" + sgr + b"m")
        pen = t.pen
        pane.ask(b"\x1b[0m\x1b[" + sgr_report(pen).encode() + b"m")
        assert t.pen == pen, sgr


def test_decrqss_reports_the_scroll_region(pane: Pane) -> None:
    assert pane.ask(decrqss(b"r")) == [b"\x1bP1$r1;24r\x1b\\"]
    assert pane.ask(b"\x1b[5;6r" + decrqss(b"r")) == [b"\x1bP1$r5;6r\x1b\\"]


def test_decrqss_reports_the_left_and_right_margins(pane: Pane) -> None:
    assert pane.ask(decrqss(b"s")) == [b"\x1bP1$r1;80s\x1b\\"]
    pane.terminal.modes.margin_left, pane.terminal.modes.margin_right = 2, 3
    assert pane.ask(decrqss(b"s")) == [b"\x1bP1$r3;4s\x1b\\"]


def test_decrqss_reports_the_cursor_style(pane: Pane) -> None:
    assert pane.ask(decrqss(b" q")) == [b"\x1bP1$r1 q\x1b\\"]     # the default is a blinking block
    assert pane.ask(b"\x1b[4 q" + decrqss(b" q")) == [b"\x1bP1$r4 q\x1b\\"]


def test_decrqss_reports_the_fixed_settings(pane: Pane) -> None:
    assert pane.ask(decrqss(b'"q')) == [b'\x1bP1$r0"q\x1b\\']
    assert pane.ask(decrqss(b"t") + decrqss(b"*|")) == [b"\x1bP1$r24t\x1b\\", b"\x1bP1$r24*|\x1b\\"]
    assert pane.ask(decrqss(b"$}") + decrqss(b"$~") + decrqss(b"*x")) == [
        b"\x1bP1$r0$}\x1b\\", b"\x1bP1$r0$~\x1b\\", b"\x1bP1$r0*x\x1b\\"]


def test_decrqss_of_an_unknown_setting_is_not_supported(pane: Pane) -> None:
    for pt in (b"", b"+q", b"*}", b"mm", b"m ", b"1m", b"x", b"\xc3\xa9"):
        assert pane.ask(decrqss(pt)) == [b"\x1bP0$r\x1b\\"], pt


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "pure"])
def test_decrqss_split_across_feeds_gets_one_reply(compiled: bool) -> None:
    pane = Pane(compiled=compiled)
    data = b"\x1b[2;9r" + decrqss(b"r") + "\x90$qm\x9c".encode()
    for cut in range(len(data) + 1):
        pane.replies.clear()
        pane.stream.feed(data[:cut])
        pane.stream.feed(data[cut:])
        assert pane.replies == [b"\x1bP1$r2;9r\x1b\\", b"\x1bP1$r0m\x1b\\"], cut
    pane.terminal.close()


def test_a_long_dcs_is_never_answered_nor_drawn(pane: Pane) -> None:
    assert pane.ask(b"\x1bP$qm" + b";" * 200 + b"\x1b\\" + b"\x1bPq#0;2;0;0;0~~" * 100 + b"\x1b\\") == []
    assert pane.terminal.display()[0].strip() == ""


# ---------------------------------------------------------------------------------------------------- DECRQM


def test_decrqm_reports_the_modes_mux_can_never_have_as_permanent(pane: Pane) -> None:
    # ANSI: GATM, KAM, SRTM, VEM, HEM, PUM, FEAM... are permanently reset; SRM permanently set (no local echo).
    for mode in (1, 2, 3, 5, 7, 10, 11, 13, 14, 15, 16, 17, 18, 19):
        assert pane.ask(f"\x1b[{mode}$p".encode()) == [f"\x1b[{mode};4$y".encode()]
    assert pane.ask(b"\x1b[12h\x1b[12$p") == [b"\x1b[12;3$y"]
    # DEC: smooth scroll, printer modes, NRCS, Hebrew keyboard, cursor coupling, backarrow; auto-repeat is set.
    for mode in (4, 18, 19, 35, 42, 60, 67):
        assert pane.ask(f"\x1b[?{mode}h\x1b[?{mode}$p".encode()) == [f"\x1b[?{mode};4$y".encode()]
    assert pane.ask(b"\x1b[?8l\x1b[?8$p") == [b"\x1b[?8;3$y"]


def test_decrqm_still_reports_real_and_unknown_modes(pane: Pane) -> None:
    assert pane.ask(b"\x1b[4h\x1b[4$p\x1b[4l\x1b[4$p") == [b"\x1b[4;1$y", b"\x1b[4;2$y"]
    assert pane.ask(b"\x1b[?7$p\x1b[?9999$p\x1b[9999$p") == [b"\x1b[?7;1$y", b"\x1b[?9999;0$y", b"\x1b[9999;0$y"]


def test_decnkm_is_the_keypad_application_mode(pane: Pane) -> None:
    t = pane.terminal
    assert pane.ask(b"\x1b[?66$p") == [b"\x1b[?66;2$y"]
    assert pane.ask(b"\x1b[?66h\x1b[?66$p") == [b"\x1b[?66;1$y"] and t.keypad_application
    assert pane.ask(b"\x1b>\x1b[?66$p") == [b"\x1b[?66;2$y"]
    assert pane.ask(b"\x1b=\x1b[?66$p") == [b"\x1b[?66;1$y"]
    pane.ask(b"\x1b[?66l")
    assert not t.keypad_application


def test_decscl_sets_the_operating_level_that_decrqss_reports(pane: Pane) -> None:
    t = pane.terminal
    assert pane.ask(decrqss(b'"p')) == [b'\x1bP1$r65;1"p\x1b\\']
    assert pane.ask(b'\x1b[5;6r\x1b[1m\x1b[64;0"p' + decrqss(b'"p')) == [b'\x1bP1$r64;1"p\x1b\\']
    assert t.pen == (0, 0, 0, 0) and t.margin_bottom == 23, "DECSCL soft-resets"
    pane.ask(b'\x1b[66"p\x1b[60"p\x1b["p')
    assert t.operating_level == 4
    pane.ask(b"\x1bc")
    assert t.operating_level == 5


def test_decrqm_is_not_answered_below_the_vt300_level(pane: Pane) -> None:
    assert pane.ask(b'\x1b[62"p\x1b[4$p\x1b[?7$p') == []
    assert pane.ask(b'\x1b[63"p\x1b[4$p\x1b[?7$p') == [b"\x1b[4;2$y", b"\x1b[?7;1$y"]


# ---------------------------------------------------------------------------------------------------- DECDSR


def test_decdsr_reports_what_a_pane_has(pane: Pane) -> None:
    expected = {15: b"\x1b[?13n", 25: b"\x1b[?21n", 26: b"\x1b[?27;0n", 53: b"\x1b[?50n", 55: b"\x1b[?50n",
                56: b"\x1b[?57;0n", 62: b"\x1b[0*{", 75: b"\x1b[?70n", 85: b"\x1b[?83n"}
    for mode, reply in expected.items():
        assert pane.ask(f"\x1b[?{mode}n".encode()) == [reply], mode
    assert pane.ask(b"\x1b[?1n\x1b[?9999n\x1b[15n") == []


def test_decdsr_reports_the_cursor_position(pane: Pane) -> None:
    assert pane.ask(b"\x1b[5;6H\x1b[?6n") == [b"\x1b[?5;6R"]


def test_decdsr_memory_checksum_carries_only_the_request_number(pane: Pane) -> None:
    assert pane.ask(b"\x1b[?63;123n") == [b"\x1bP123!~0000\x1b\\"]
    assert pane.ask(b"\x1b[?63n") == [b"\x1bP0!~0000\x1b\\"]
    assert pane.ask(b"\x1b[?63;99999999999n") == [b"\x1bP65535!~0000\x1b\\"]


# ---------------------------------------------------------------------------------------------------- DECID


def test_decid_answers_like_primary_da(pane: Pane) -> None:
    da = pane.ask(b"\x1b[c")
    assert da == [b"\x1b[?62;22c"]
    assert pane.ask(b"\x1bZ") == da
    assert pane.ask("\x9a".encode()) == da


# ---------------------------------------------------------------------------------------------------- XTSAVE


def test_xtrestore_brings_back_the_saved_autowrap(pane: Pane) -> None:
    t = pane.terminal
    pane.ask(b"\x1b[?7h\x1b[?7s\x1b[?7l\x1b[?7r")
    assert t.autowrap
    pane.ask(b"\x1b[?7l\x1b[?7s\x1b[?7h\x1b[?7r")
    assert not t.autowrap


def test_xtrestore_of_several_modes_and_of_a_mode_never_saved(pane: Pane) -> None:
    t = pane.terminal
    pane.ask(b"\x1b[?1;2004;1000h\x1b[?1;2004;1000;1048;9999s\x1b[?1;2004;1000l")
    assert t.saved_modes == {1: True, 2004: True, 1000: True}
    pane.ask(b"\x1b[?25l\x1b[?1;2004;1000;25;9999r")
    assert t.cursor_keys_application and t.bracketed_paste and t.mouse_tracking == 1000
    assert not t.cursor_visible, "a mode never saved is left as it is"


def test_xtsave_without_modes_and_cursor_save_are_different_things(pane: Pane) -> None:
    t = pane.terminal
    pane.ask(b"\x1b[3;4H\x1b[?s\x1b[s\x1b[H\x1b[?r")
    assert t.saved_modes == {} and (t.x, t.y) == (0, 0)
    pane.ask(b"\x1b[u")
    assert (t.x, t.y) == (3, 2)


def test_ris_forgets_the_saved_modes(pane: Pane) -> None:
    pane.ask(b"\x1b[?7l\x1b[?7s\x1bc\x1b[?7r")
    assert pane.terminal.saved_modes == {} and pane.terminal.autowrap


# ---------------------------------------------------------------------------------------------------- DECRC


@pytest.mark.parametrize("save, restore", [(b"\x1b7", b"\x1b8"), (b"\x1b[s", b"\x1b[u"),
                                           (b"\x1b[?1048h", b"\x1b[?1048l")])
def test_restoring_the_cursor_leaves_autowrap_as_it_is(pane: Pane, save: bytes, restore: bytes) -> None:
    t = pane.terminal
    pane.ask(b"\x1b[?7h" + save + b"\x1b[?7l" + restore)
    assert not t.autowrap
    pane.ask(b"\x1b[1;79Habcd")
    assert (t.x, t.y) == (79, 0) and t.display()[0].endswith("ad")
    # A wrap pending when the cursor was saved does not survive into a restore without autowrap.
    pane.ask(b"\x1b[?7h\x1b[1;80Hx" + save + b"\x1b[?7l" + restore + b"y")
    assert (t.x, t.y) == (79, 0) and t.display()[0].endswith("y")


# ---------------------------------------------------------------------------------------------------- mode 41


def test_more_fix_makes_a_tab_after_a_full_line_wrap_first() -> None:
    pane = Pane(20, 4)
    t = pane.terminal
    pane.ask(b"\x1b[?41h" + b"x" * 20 + b"\t1")
    assert (t.x, t.y) == (9, 1) and t.display()[1] == " " * 8 + "1" + " " * 11
    pane.ask(b"\x1b[?41l\r\n" + b"y" * 20 + b"\t2")
    assert t.display()[2] == "y" * 20 and t.display()[3].startswith("2")
    assert pane.ask(b"\x1b[?41$p") == [b"\x1b[?41;2$y"]
    pane.terminal.close()
