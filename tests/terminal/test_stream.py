"""Tests for mux.terminal.stream: the byte parser (bytes -> listener events)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pyte
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mux.terminal import stream as stream_module
from mux.terminal.stream import Stream

from .stream_recorder import NEW_EVENTS, PYTE_EVENTS, Event, Recorder, merge_draws


def E(name: str, *args: Any, **kwargs: Any) -> Event:
    return (name, args, kwargs)


def run(data: bytes, *cuts: int, listener: Recorder | None = None) -> list[Event]:
    """Feed ``data`` cut at ``cuts`` and return the recorded events."""
    rec = listener if listener is not None else Recorder()
    s = Stream(rec)
    bounds = [0, *sorted(cuts), len(data)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        s.feed(data[a:b])
    assert s.errors == 0
    return rec.log


def bytewise(data: bytes, listener: Recorder | None = None) -> list[Event]:
    """Feed one byte at a time."""
    return run(data, *range(1, len(data)), listener=listener)


# --------------------------------------------------------------------------------------------
# The event contract, row by row.

CR, LF = E("carriage_return"), E("linefeed")

CONTRACT: list[tuple[bytes, list[Event]]] = [
    # text and C0
    (b"hello, w\xc3\xb6rld", [E("draw", "hello, wörld")]),
    (b"\x07", [E("bell")]),
    (b"\x08", [E("backspace")]),
    (b"\t", [E("tab")]),
    (b"\n", [LF]),
    (b"\x0b", [LF]),
    (b"\x0c", [LF]),
    (b"\r", [CR]),
    (b"\r\n", [CR, LF]),
    (b"\x0e", [E("shift_out")]),
    (b"\x0f", [E("shift_in")]),
    (b"a\x00\x01\x7fb\x18\x1ac", [E("draw", "a"), E("draw", "b"), E("draw", "c")]),
    # ESC sequences (pyte's FSM fallback and the ones handled directly)
    (b"\x1bD", [E("index")]),
    (b"\x1bM", [E("reverse_index")]),
    (b"\x1bE", [LF, E("carriage_return")]),  # NEL: pyte gets this wrong (a bare LF)
    (b"\x1bH", [E("set_tab_stop")]),
    (b"\x1b7", [E("save_cursor")]),
    (b"\x1b8", [E("restore_cursor")]),
    (b"\x1bc", [E("reset")]),
    (b"\x1b#8", [E("alignment_display")]),
    (b"\x1b(0", [E("define_charset", "0", mode="(")]),
    (b"\x1b)B", [E("define_charset", "B", mode=")")]),
    (b"\x1b=", [E("set_keypad_application", True)]),
    (b"\x1b>", [E("set_keypad_application", False)]),
    (b"\x1b%G\x1b\\", []),
    # CSI: pyte's events
    (b"\x1b[g", [E("clear_tab_stop")]),
    (b"\x1b[3g", [E("clear_tab_stop", 3)]),
    (b"\x1b[s", [E("set_left_right_margins")]),     # SCOSC or DECSLRM: the listener knows DECLRMM
    (b"\x1b6\x1b9", [E("back_index"), E("forward_index")]),
    (b"\x1b[3'}\x1b['~\x1b[0'}", [E("insert_columns", 3), E("delete_columns", 1), E("insert_columns", 1)]),
    (b"\x1b[u", [E("restore_cursor")]),
    (b"\x1b[@", [E("insert_characters")]),
    (b"\x1b[4@", [E("insert_characters", 4)]),
    (b"\x1b[3P", [E("delete_characters", 3)]),
    (b"\x1b[2X", [E("erase_characters", 2)]),
    (b"\x1b[5L", [E("insert_lines", 5)]),
    (b"\x1b[6M", [E("delete_lines", 6)]),
    (b"\x1b[A\x1b[2A", [E("cursor_up"), E("cursor_up", 2)]),
    (b"\x1b[B\x1b[3B\x1b[4e", [E("cursor_down"), E("cursor_down", 3), E("cursor_down", 4)]),
    (b"\x1b[C\x1b[4C\x1b[5a", [E("cursor_forward"), E("cursor_forward", 4), E("cursor_forward", 5)]),
    (b"\x1b[D\x1b[5D", [E("cursor_back"), E("cursor_back", 5)]),
    (b"\x1b[E\x1b[2E", [E("cursor_down1"), E("cursor_down1", 2)]),
    (b"\x1b[F\x1b[2F", [E("cursor_up1"), E("cursor_up1", 2)]),
    (b"\x1b[G\x1b[7G\x1b[8`", [E("cursor_to_column"), E("cursor_to_column", 7), E("cursor_to_column", 8)]),
    (b"\x1b[d\x1b[9d", [E("cursor_to_line"), E("cursor_to_line", 9)]),
    (
        b"\x1b[H\x1b[5H\x1b[5;10H",
        [E("cursor_position"), E("cursor_position", 5), E("cursor_position", 5, 10)],
    ),
    (b"\x1b[;10f\x1b[3;4f", [E("cursor_position", 0, 10), E("cursor_position", 3, 4)]),
    (b"\x1b[1;2;3H", [E("cursor_position", 1, 2)]),  # extra parameters are dropped
    (b"\x1b[J\x1b[2J", [E("erase_in_display"), E("erase_in_display", 2)]),
    (b"\x1b[?J\x1b[?1J", [E("erase_in_display", private=True), E("erase_in_display", 1, private=True)]),
    (
        b"\x1b[K\x1b[1K\x1b[?2K",
        [E("erase_in_line"), E("erase_in_line", 1), E("erase_in_line", 2, private=True)],
    ),
    (b"\x1b[r\x1b[2;20r", [E("set_margins"), E("set_margins", 2, 20)]),
    (b"\x1b[4h\x1b[4l", [E("set_mode", 4), E("reset_mode", 4)]),
    (
        b"\x1b[?25l\x1b[?1049;2004h",
        [E("reset_mode", 25, private=True), E("set_mode", 1049, 2004, private=True)],
    ),
    (b"\x1b[m\x1b[0m", [E("select_graphic_rendition", 0, 0)]),  # adjacent SGRs merge into one call
    (b"\x1b[1;38;5;196m", [E("select_graphic_rendition", 1, 38, 5, 196)]),
    (b"\x1b[;1;m", [E("select_graphic_rendition", 0, 1, 0)]),
    (b"\x1b[4:3m", [E("select_graphic_rendition", (4, 3))]),
    (b"\x1b[38:2::255:0:0m", [E("select_graphic_rendition", (38, 2, -1, 255, 0, 0))]),
    (b"\x1b[1;4:3;58:5:9m", [E("select_graphic_rendition", 1, (4, 3), (58, 5, 9))]),
    (b"\x1b[c\x1b[0c", [E("report_device_attributes"), E("report_device_attributes", 0)]),
    (b"\x1b[n\x1b[6n", [E("report_device_status", 0), E("report_device_status", 6)]),
    (b"\x1b[?6n", [E("report_device_status", 6, private=True)]),
    # OSC
    (b"\x1b]0;both\x07", [E("set_icon_name", "both"), E("set_title", "both")]),
    (b"\x1b]1;icon\x1b\\", [E("set_icon_name", "icon")]),
    (b"\x1b]2;t\xc3\xaftle; with semicolon\x07", [E("set_title", "tïtle; with semicolon")]),
    (b"\x1b]2\x07", [E("set_title", "")]),
    (b"\x1b]8;id=x;https://e.org/a;b?c=d\x1b\\", [E("set_hyperlink", "id=x", "https://e.org/a;b?c=d")]),
    (b"\x1b]8;;\x1b\\", [E("set_hyperlink", "", "")]),
    (b"\x1b]7;file://host/tmp\x07", [E("osc", 7, "file://host/tmp")]),
    (b"\x1b]52;c;aGk=\x07", [E("osc", 52, "c;aGk=")]),
    (b"\x1b]133;A\x1b\\\x1b]104\x07", [E("osc", 133, "A"), E("osc", 104, "")]),
    (b"\x1b]10;?\x07\x1b]112\x07", [E("osc", 10, "?"), E("osc", 112, "")]),
    (b"\xc2\x9d2;c1 title\xc2\x9c", [E("set_title", "c1 title")]),
    (b"\x1b]abc;x\x07\x1b];x\x07\x1b]L\x07", []),  # non-numeric codes are ignored
    # new events
    (b"\x1b[b\x1b[3b", [E("repeat_last", 1), E("repeat_last", 3)]),
    (b"\x1b[S\x1b[2S", [E("scroll_up", 1), E("scroll_up", 2)]),
    (b"\x1b[T\x1b[2T", [E("scroll_down", 1), E("scroll_down", 2)]),
    (b"\x1b[I\x1b[2I", [E("cursor_forward_tab", 1), E("cursor_forward_tab", 2)]),
    (b"\x1b[Z\x1b[2Z", [E("cursor_back_tab", 1), E("cursor_back_tab", 2)]),
    (b"\x1b[ q\x1b[5 q", [E("set_cursor_style", 0), E("set_cursor_style", 5)]),
    (b"\x1b[!p", [E("soft_reset")]),
    (b"\x1b[?2026$p\x1b[4$p", [E("request_mode", 2026, True), E("request_mode", 4, False)]),
    (b"\x1b[>c\x1b[>0c", [E("report_secondary_device_attributes")] * 2),
    (b"\x1b[>q\x1b[>0q", [E("report_version")] * 2),
    (b"\x1b[?u", [E("report_keyboard_flags")]),
    (b"\x1b[>u\x1b[>13u", [E("push_keyboard_flags", 0), E("push_keyboard_flags", 13)]),
    (b"\x1b[<u\x1b[<2u", [E("pop_keyboard_flags", 1), E("pop_keyboard_flags", 2)]),
    (b"\x1b[=5u\x1b[=5;3u", [E("set_keyboard_flags", 5, 1), E("set_keyboard_flags", 5, 3)]),
    (b'\x1b["q\x1b[1"q', [E("set_character_protection", 0), E("set_character_protection", 1)]),
    (b"\x1bV\x1bW\xc2\x96\xc2\x97", [E("start_protected_area"), E("end_protected_area")] * 2),
    # rectangles get every parameter, an absent one as 0; extra parameters are dropped
    (b"\x1b[35;1;2;3;4$x\x1b[$x", [E("fill_rectangle", 35, 1, 2, 3, 4), E("fill_rectangle", 0, 0, 0, 0, 0)]),
    (b"\x1b[1;2$z", [E("erase_rectangle", 1, 2, 0, 0)]),
    (b"\x1b[;;3;4${", [E("selective_erase_rectangle", 0, 0, 3, 4)]),
    (b"\x1b[1;1;2;2;1;5;5;1;9$v", [E("copy_rectangle", 1, 1, 2, 2, 1, 5, 5, 1)]),
    (b"\x1b[?1;7s\x1b[?7r\x1b[?s", [E("save_modes", 1, 7), E("restore_modes", 7), E("save_modes")]),
    (b"\x1b[?63;123n\x1b[?26n", [E("report_device_status", 63, 123, private=True),
                                  E("report_device_status", 26, private=True)]),
    (b"\x1bZ\xc2\x9a", [E("report_device_attributes")] * 2),  # DECID, 7- and 8-bit
    (b'\x1b[62;1"p\x1b[61"p\x1b["p', [E("select_conformance_level", 62, 1), E("select_conformance_level", 61, 0),
                                    E("select_conformance_level", 0, 0)]),
    # DCS: DECRQSS requests reach their event; other DCS strings are consumed
    (b"\x1bP$qm\x1b\\", [E("request_status_string", "m")]),
    (b'\xc2\x90$q"p\xc2\x9c', [E("request_status_string", '"p')]),
    (b"\x1bP$q\x1b\\\x1bP$q r\x1b\\", [E("request_status_string", ""), E("request_status_string", " r")]),
    (b"\x1bP1$qm\x1b\\\x1bP+q544e\x1b\\\x1bP$rm\x1b\\\x1bP$qm\x18x", [E("draw", "x")]),
    # prefixed / intermediate forms that belong to nobody: never mis-dispatched
    (b"\x1b[>4;1m", [E("debug", "\x1b[>4;1m")]),
    (b"\x1b[>4n", [E("debug", "\x1b[>4n")]),
    (b"\x1b[?1$x", [E("debug", "\x1b[?1$x")]),  # no private rectangle operations
    (b"\x1b[=c", [E("debug", "\x1b[=c")]),
    (b"\x1b[?5m", [E("debug", "\x1b[?5m")]),
    (b"\x1b[>1c", [E("debug", "\x1b[>1c")]),
    (b"\x1b[2;5s", [E("set_left_right_margins", 2, 5)]),  # DECSLRM, never save_cursor
    (b"\x1b[?2'}", [E("debug", "\x1b[?2'}")]),
    (b"\x1b[1;2;3;4;5T", [E("debug", "\x1b[1;2;3;4;5T")]),  # mouse highlight, not SD
    (b"\x1b[1:2H", [E("debug", "\x1b[1:2H")]),  # ':' only means something in SGR
    (b"\x1b[1?2h", []),  # misplaced private marker: invalid, dropped
]


@pytest.mark.parametrize(("data", "expected"), CONTRACT, ids=[repr(d)[2:-1][:40] for d, _ in CONTRACT])
def test_contract(data: bytes, expected: list[Event]) -> None:
    assert run(data) == expected
    # Every row also parses the same when fed one byte at a time.
    assert merge_draws(bytewise(data)) == merge_draws(expected)


def test_one_draw_per_printable_run() -> None:
    text = "x" * 5000 + "é€😀"
    assert run(text.encode() + b"\x1b[1m" + text.encode()) == [
        E("draw", text),
        E("select_graphic_rendition", 1),
        E("draw", text),
    ]


def test_attach_later_and_strictness() -> None:
    s = Stream()
    rec = Recorder()
    s.attach(rec)
    s.feed(b"\x1b[1mx")
    assert rec.log == [E("select_graphic_rendition", 1), E("draw", "x")]
    with pytest.raises(RuntimeError):
        Stream().feed(b"x")
    # pyte's events are required (bound once at attach time) ...
    with pytest.raises(TypeError):
        Stream(Recorder(events=tuple(e for e in PYTE_EVENTS if e != "cursor_up")))


def test_optional_events_may_be_missing() -> None:
    rec = Recorder(events=PYTE_EVENTS)
    s = Stream(rec)
    s.feed(
        b"\x1b[3b\x1b[S\x1b[T\x1b[I\x1b[Z\x1b[2 q\x1b[!p\x1b[?1$p\x1b[>c\x1b[>q\x1b=\x1b>"
        b"\x1b[?u\x1b[>1u\x1b[<u\x1b[=1u\x1b]8;;http://x\x07\x1b]52;c;?\x07\x1bP$qm\x1b\\\x1b[?7s\x1b[?7rok"
    )
    assert rec.log == [E("draw", "ok")]
    assert s.errors == 0


# --------------------------------------------------------------------------------------------
# UTF-8


def test_utf8_split_at_every_byte() -> None:
    text = "añ€😀z\u0301"
    data = text.encode()
    for cut in range(len(data) + 1):
        assert merge_draws(run(data, cut)) == [E("draw", text)]
    assert merge_draws(bytewise(data)) == [E("draw", text)]


def test_invalid_utf8_becomes_replacement_character() -> None:
    assert run(b"a\xffb\xc3(c\xed\xa0\x80d") == [E("draw", "a\ufffdb\ufffd(c\ufffd\ufffd\ufffdd")]
    # a truncated sequence followed by an escape sequence
    assert run(b"\xe2\x82\x1b[1m") == [E("draw", "\ufffd"), E("select_graphic_rendition", 1)]
    assert merge_draws(bytewise(b"x\xe2\x82\x1b[1m\xf0\x9f")) == merge_draws(run(b"x\xe2\x82\x1b[1m\xf0\x9f"))


# --------------------------------------------------------------------------------------------
# Strings that are never drawn; OSC limits


@pytest.mark.parametrize("intro", [b"\x1bP", b"\x1b_", b"\x1b^", b"\x1bX", "\x90".encode(), "\x9f".encode()])
def test_control_strings_are_never_drawn(intro: bytes) -> None:
    data = b"a" + intro + b"1;2|payload \x07 with BEL \r\n and \x1b[31m lookalikes?\x1b\\b"
    expected = [E("draw", "a"), E("draw", "b")]
    assert run(data) == expected
    for cut in range(len(data) + 1):
        assert merge_draws(run(data, cut)) == [E("draw", "ab")]
    assert merge_draws(bytewise(data)) == [E("draw", "ab")]


def test_control_string_terminators() -> None:
    # C1 ST ends it, CAN/SUB abort it, BEL and an ESC that does not start ST are payload
    data = b"\x1bPq#0\xc2\x9cA\x1bPq\x18B\x1b_G\x1aC\x1bPx\x07\x1b\x1b[1m\x1b\x1b\\D"
    assert run(data) == [E("draw", "A"), E("draw", "B"), E("draw", "C"), E("draw", "D")]
    assert merge_draws(bytewise(data)) == [E("draw", "ABCD")]
    # tmux passthrough is swallowed whole
    assert run(b"\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\z") == [E("draw", "z")]


def test_huge_dcs_is_discarded_as_it_goes() -> None:
    rec = Recorder()
    s = Stream(rec)
    s.feed(b"\x1bPq")
    for _ in range(64):
        s.feed(b"#0;2;0;0;0~~@@vv" * 1024)
        assert s._pending == "" and s._str_parts == []
    s.feed(b"\x1b")
    s.feed(b"\\after")
    assert rec.log == [E("draw", "after")]


def test_a_dcs_request_is_dispatched_up_to_its_bound_whole_or_split() -> None:
    cap = stream_module.DCS_MAX
    at_cap = b"\x1bP$q" + b"m" * (cap - 2) + b"\x1b\\"
    over_cap = b"\x1bP$q" + b"m" * (cap - 1) + b"\x1b\\z"
    for cut in range(len(over_cap) + 1):
        assert run(at_cap, cut) == [E("request_status_string", "m" * (cap - 2))]
        assert merge_draws(run(over_cap, cut)) == [E("draw", "z")]
    rec = Recorder()
    s = Stream(rec)
    s.feed(b"\x1bP$q")
    for _ in range(100):
        s.feed(b"m" * 1000)
        assert sum(map(len, s._str_parts)) <= cap
    s.feed(b"\x1b\\")
    assert rec.log == []


def test_osc_over_cap_is_dropped_and_text_continues() -> None:
    big = b"\x1b]2;" + b"x" * (100 * 1024) + b"\x07after"
    assert run(big) == [E("draw", "after")]
    rec = Recorder()
    s = Stream(rec)
    for i in range(0, len(big), 4096):
        s.feed(big[i : i + 4096])
        assert sum(map(len, s._str_parts)) <= stream_module.OSC_MAX
    assert rec.log == [E("draw", "after")]
    # exactly at the cap is still dispatched
    at_cap = "2;" + "y" * (stream_module.OSC_MAX - 2)
    assert run(b"\x1b]" + at_cap.encode() + b"\x1b\\") == [E("set_title", at_cap[2:])]
    assert run(b"\x1b]" + at_cap.encode() + b"y\x1b\\") == []


def test_osc_split_everywhere_and_aborts() -> None:
    data = b"a\x1b]0;t\xc3\xaftle\x1b\\b\x1b]8;;u\x07c"
    expected = run(data)
    assert expected == [
        E("draw", "a"),
        E("set_icon_name", "tïtle"),
        E("set_title", "tïtle"),
        E("draw", "b"),
        E("set_hyperlink", "", "u"),
        E("draw", "c"),
    ]
    for cut in range(len(data) + 1):
        for cut2 in range(cut, len(data) + 1, 3):
            assert merge_draws(run(data, cut, cut2)) == merge_draws(expected)
    # CAN/SUB abort; an ESC that is not ST is payload, as in pyte
    assert run(b"\x1b]2;x\x18y\x1b]2;x\x1az\x1b]2;a\x1b[2Jb\x07w") == [
        E("draw", "y"),
        E("draw", "z"),
        E("set_title", "a\x1b[2Jb"),
        E("draw", "w"),
    ]


# --------------------------------------------------------------------------------------------
# CSI parameters


def test_huge_and_many_parameters() -> None:
    assert run(b"\x1b[99999999999A") == [E("cursor_up", 65535)]
    assert run(b"\x1b[" + b"9" * 1000 + b";0007H") == [E("cursor_position", 65535, 7)]
    assert run(b"\x1b[" + b"9" * 5000 + b";0007Hx") == [E("draw", "x")]  # longer than CSI_MAX: dropped
    assert run(b"\x1b[00000000000000000000012C") == [E("cursor_forward", 12)]
    assert run(b"\x1b[38:2:" + b"9" * 20 + b":1:2m") == [E("select_graphic_rendition", (38, 2, 65535, 1, 2))]
    params = ";".join(str(i) for i in range(1, 51)).encode()
    assert run(b"\x1b[" + params + b"m") == [E("select_graphic_rendition", *range(1, 33))]
    assert run(b"\x1b[?" + params + b"h") == [E("set_mode", *range(1, 33), private=True)]


def test_overlong_sequence_is_dropped_whole_or_split() -> None:
    data = b"a\x1b[" + b"1;" * 2000 + b"mb\x1b" + b" " * 3000 + b"Fc\x1b[1md"
    expected = [
        E("draw", "a"),
        E("draw", "b"),
        E("draw", "c"),
        E("select_graphic_rendition", 1),
        E("draw", "d"),
    ]
    assert run(data) == expected
    for step in (1, 7, 1000):
        rec = Recorder()
        s = Stream(rec)
        for i in range(0, len(data), step):
            s.feed(data[i : i + step])
            assert len(s._pending) <= stream_module.CSI_MAX
        assert merge_draws(rec.log) == merge_draws(expected)


def test_controls_inside_csi_are_executed() -> None:
    assert run(b"\x1b[1\r\n;2\x08H") == [CR, LF, E("backspace"), E("cursor_position", 1, 2)]
    # CAN aborts a CSI, ESC restarts, and the controls seen so far still ran
    assert run(b"\x1b[1\n\x18x\x1b[2\x1b[3A") == [LF, E("draw", "x"), E("cursor_up", 3)]
    assert run("\x1b[1é2m".encode()) == []  # non-ASCII in a CSI: ignored


def test_c1_controls() -> None:
    csi, nel = "\x9b".encode(), "\x85".encode()
    assert run(csi + b"2J" + nel + "\x84\x88\x8d".encode() + "\x81".encode()) == [
        E("erase_in_display", 2),
        LF,
        E("carriage_return"),
        E("index"),
        E("set_tab_stop"),
        E("reverse_index"),
    ]


# --------------------------------------------------------------------------------------------
# Chunk boundaries


def test_sequences_split_across_feeds() -> None:
    assert run(b"\x1b[31m", 2) == [E("select_graphic_rendition", 31)]
    assert run(b"\x1b[31m", 1) == [E("select_graphic_rendition", 31)]
    assert run(b"\x1b[?1049h", 4) == [E("set_mode", 1049, private=True)]
    assert run(b"a\rb", 2) == [E("draw", "a"), CR, E("draw", "b")]
    assert run(b"a\r\nb", 2) == [E("draw", "a"), CR, LF, E("draw", "b")]
    assert run(b"\x1b#8x", 2) == [E("alignment_display"), E("draw", "x")]
    assert run(b"\x1b(0x", 1, 2) == [E("define_charset", "0", mode="("), E("draw", "x")]
    assert run(b"\x1b7x", 1) == [E("save_cursor"), E("draw", "x")]


# --------------------------------------------------------------------------------------------
# draw_lines


def test_draw_lines_bulk_path() -> None:
    lines = [f"line {i} " + "x" * 70 for i in range(50)]
    data = "".join(f"{line}\r\n" for line in lines).encode() + b"tail"
    bulk = Recorder(draw_lines=True)
    s = Stream(bulk)
    s.feed(data)
    plain = run(data)
    assert bulk.log == plain
    assert bulk.bulk_calls == 1
    assert plain[:3] == [E("draw", lines[0]), CR, LF] and plain[-1] == E("draw", "tail")


def test_draw_lines_not_used_for_a_single_line_or_special_lines() -> None:
    for data in (b"a\r\nb\r\n", b"a\r\n\x1b[1mb\r\nc\r\n", b"a\r\n\r\n\r\nb\r\n", b"a\r\nb\n\r\nc\r\n"):
        rec = Recorder(draw_lines=True)
        Stream(rec).feed(data)
        assert rec.bulk_calls == 0, data
        assert rec.log == run(data)


# --------------------------------------------------------------------------------------------
# Handler exceptions


def test_handler_exceptions_do_not_lose_the_rest() -> None:
    data = b"ab\x1b[1mcd\r\nef\x1b7gh\x1b]2;t\x07ij\x1b[5A"
    full = run(data)
    for name in ("draw", "select_graphic_rendition", "carriage_return", "save_cursor", "set_title"):
        rec = Recorder(raise_on=frozenset({name}))
        s = Stream(rec)
        s.feed(data)
        # every event is still delivered, in order; each raise is counted
        assert rec.log == full, name
        assert s.errors == sum(1 for event in full if event[0] == name) > 0
        s.feed(b"\x1b7\x1b[2Bz")  # the FSM and the fast path still work afterwards
        assert rec.log[-3:] == [E("save_cursor"), E("cursor_down", 2), E("draw", "z")]


def test_exception_in_draw_lines_is_contained() -> None:
    class Boom(Recorder):
        def __init__(self) -> None:
            super().__init__()
            self.draw_lines = self._boom

        def _boom(self, lines: list[str]) -> None:
            raise ValueError

    rec = Boom()
    s = Stream(rec)
    s.feed(b"a\r\nb\r\nc\r\nd")
    assert s.errors == 1
    assert rec.log == [E("draw", "a"), CR, LF, E("draw", "d")]


# --------------------------------------------------------------------------------------------
# Properties

_FRAGMENTS = [
    b"\x1b",
    b"\x1b[",
    b"[",
    b"]",
    b"\\",
    b"\x07",
    b"\x1b\\",
    b"\x1bP",
    b"\x1b_",
    b"\x1b^",
    b"\x1bX",
    b"\x1b]",
    b"\x1b]0;",
    b"\x1b]8;;",
    b"\x1b]52;c;",
    b"m",
    b"H",
    b"A",
    b"u",
    b"c",
    b"q",
    b"p",
    b"$",
    b";",
    b":",
    b"?",
    b">",
    b"=",
    b"<",
    b" ",
    b"!",
    b'"',
    b"'",
    b"\r",
    b"\n",
    b"\r\n",
    b"\x18",
    b"\x1a",
    b"\x9b",
    b"\xc2\x9b",
    b"\xc2\x9d",
    b"\xc2\x9c",
    b"\xc2\x90",
    b"\x1b#8",
    b"\x1b(0",
    b"\x1b7",
    b"\x1b8",
    b"\x1bD",
    b"\x1b%",
    b"\x1b \x1bF",
    b"1",
    b"38",
    b"99999999999",
    b"\x08",
    b"\t",
    b"\x00",
    b"\x7f",
    b"\x0e",
    b"ab\r\ncd\r\nef\r\n",
]
_CSI = st.builds(
    lambda prefix, params, inter, final: b"\x1b[" + prefix + params + inter + final,
    st.sampled_from([b"", b"?", b">", b"=", b"<"]),
    st.lists(st.sampled_from([b"", b"0", b"1", b"5", b"38", b"4:3", b"2::1", b"65536"]), max_size=4).map(
        b";".join
    ),
    st.sampled_from([b"", b" ", b"!", b"$", b'"']),
    st.sampled_from(list(b"@ABCDEFGHJKLMPSTXZ`abcdefghlmnpqrsu")).map(lambda c: bytes([c])),
)
_STRINGS = st.builds(
    lambda intro, payload, end: intro + payload + end,
    st.sampled_from(
        [b"\x1b]", b"\x1b]0;", b"\x1b]2;", b"\x1b]8;;", b"\x1b]7;", b"\x1bP", b"\x1bP$q", b"\xc2\x90$q", b"\x1b_",
         b"\xc2\x9d"]
    ),
    st.lists(
        st.sampled_from([b"a", b"m", b" q", b"\xc3\xa9", b";", b"\x1b", b"\x1b[", b"\x07", b"\r\n", b"\\"]), max_size=6
    ).map(b"".join),
    st.sampled_from([b"\x07", b"\x1b\\", b"\xc2\x9c", b"\x18", b"\x1a", b""]),
)
_CHUNKS = st.one_of(
    _STRINGS,
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12).map(str.encode),
    st.text(st.characters(min_codepoint=0xA0, exclude_categories=("Cs",)), max_size=4).map(str.encode),
    st.sampled_from(_FRAGMENTS),
    _CSI,
    st.binary(max_size=6),
)
_STREAMS = st.lists(_CHUNKS, max_size=25).map(b"".join)


def _feed_all(data: bytes, cuts: list[int], draw_lines: bool) -> tuple[list[Event], int]:
    rec = Recorder(draw_lines=draw_lines)
    s = Stream(rec)
    bounds = [0, *sorted(cuts), len(data)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        s.feed(data[a:b])
    return merge_draws(rec.log), s.errors


def _check_split_equals_whole(data: bytes, draw: st.DrawFn) -> None:
    cuts = draw(st.lists(st.integers(0, len(data)), max_size=8))
    whole = _feed_all(data, [], draw_lines=True)
    assert whole == _feed_all(data, [], draw_lines=False)
    assert _feed_all(data, cuts, draw_lines=False) == whole
    assert _feed_all(data, cuts, draw_lines=True) == whole
    assert _feed_all(data, list(range(1, len(data))), draw_lines=True) == whole  # byte by byte
    assert whole[1] == 0


def test_a_lone_sgr_after_another_csi_in_a_run_is_called_as_it_is_alone():
    """Found by Hypothesis: ``ESC[@ ESC[m`` is one run token; its lone ``ESC[m`` used to become SGR(0) whole and
    SGR() when cut off by a feed boundary."""
    data = b"\x1b[@\x1b[m"
    assert merge_draws(run(data)) == merge_draws(bytewise(data)) == [E("insert_characters"),
                                                                      E("select_graphic_rendition")]


@settings(max_examples=300, deadline=None)
@given(data=_STREAMS, draw=st.data())
def test_split_feeds_equal_whole_feed(data: bytes, draw: st.DataObject) -> None:
    _check_split_equals_whole(data, draw.draw)


@contextlib.contextmanager
def _small_caps() -> Iterator[None]:
    saved = stream_module.CSI_MAX, stream_module.OSC_MAX, stream_module.DCS_MAX
    stream_module.CSI_MAX, stream_module.OSC_MAX, stream_module.DCS_MAX = 8, 6, 4
    try:
        yield
    finally:
        stream_module.CSI_MAX, stream_module.OSC_MAX, stream_module.DCS_MAX = saved


@settings(max_examples=200, deadline=None)
@given(data=_STREAMS, draw=st.data())
def test_split_feeds_equal_whole_feed_with_tiny_caps(data: bytes, draw: st.DataObject) -> None:
    """The same property with caps small enough that over-long sequences are common."""
    with _small_caps():
        _check_split_equals_whole(data, draw.draw)


def test_tiny_caps_are_in_effect() -> None:
    with _small_caps():
        assert run(b"\x1b[1;2;3;4m\x1b]2;abcde\x07\x1b]2;abcd\x07") == [E("set_title", "abcd")]
        assert merge_draws(bytewise(b"\x1b[1;2;3;4mx\x1b]2;abcde\x07y")) == [E("draw", "xy")]
        at_cap, over_cap = b"\x1b]2;abcd\x1b\\", b"\x1b]2;abcde\x1b\\"
        for cut in range(len(over_cap) + 1):
            assert run(at_cap, cut) == [E("set_title", "abcd")]
            assert run(over_cap, cut) == []
        for cut in range(10):
            assert run(b"\x1bP$qmm\x1b\\", cut) == [E("request_status_string", "mm")]
            assert run(b"\x1bP$qmmm\x1b\\", cut) == []


# Differential check against pyte, on input where pyte is right: printable text, C0, SGR with ';',
# cursor motion, erase, modes, margins, its ESC sequences and titles.  Parameters are explicit
# (pyte turns an absent one into 0 where mux calls the handler without it) and within pyte's 9999.
_N = st.integers(0, 9999).map(lambda n: str(n).encode())
_PYTE_SAFE = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=10).map(str.encode),
    st.text(st.characters(min_codepoint=0xA0, exclude_categories=("Cs",)), min_size=1, max_size=3).map(
        str.encode
    ),
    st.sampled_from([b"\x07", b"\x08", b"\t", b"\n", b"\x0b", b"\x0c", b"\r", b"\r\n", b"\x00", b"\x7f"]),
    st.sampled_from([b"\x1b7", b"\x1b8", b"\x1bD", b"\x1bM", b"\x1bH", b"\x1bc", b"\x1b#8"]),  # not NEL
    st.builds(lambda ps: b"\x1b[" + b";".join(ps) + b"m", st.lists(_N, min_size=1, max_size=6)),
    st.builds(lambda n, f: b"\x1b[" + n + f, _N, st.sampled_from([b"A", b"B", b"C", b"D", b"E", b"F", b"G"])),
    st.builds(lambda n, f: b"\x1b[" + n + f, _N, st.sampled_from([b"d", b"J", b"K", b"X", b"@", b"P", b"L"])),
    st.builds(lambda n, f: b"\x1b[" + n + f, _N, st.sampled_from([b"M", b"g", b"n", b"c", b"a", b"e"])),
    st.builds(lambda a, b, f: b"\x1b[" + a + b";" + b + f, _N, _N, st.sampled_from([b"H", b"f", b"r"])),
    st.builds(
        lambda p, ms, f: b"\x1b[" + p + b";".join(ms) + f,
        st.sampled_from([b"", b"?"]),
        st.lists(_N, min_size=1, max_size=3),
        st.sampled_from([b"h", b"l"]),
    ),
    st.builds(
        lambda code, title, end: b"\x1b]" + code + b";" + title + end,
        st.sampled_from([b"0", b"1", b"2"]),
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=8).map(str.encode),
        st.sampled_from([b"\x07", b"\x1b\\"]),
    ),
)


@settings(max_examples=300, deadline=None)
@given(chunks=st.lists(_PYTE_SAFE, max_size=20))
def test_same_events_as_pyte(chunks: list[bytes]) -> None:
    data = b"".join(chunks)
    theirs = Recorder()
    pyte.ByteStream(theirs).feed(data)
    assert merge_draws(run(data)) == merge_draws(theirs.log)


def test_differential_check_can_fail() -> None:
    """Where pyte is known to be wrong the logs do differ (so the check above is not vacuous)."""
    theirs = Recorder()
    pyte.ByteStream(theirs).feed(b"\x1b[>4;1m")
    assert theirs.log == [E("select_graphic_rendition", 4, 1)]
    assert run(b"\x1b[>4;1m") != theirs.log


def test_terminal_implements_every_event() -> None:
    from mux.terminal.terminal import Terminal

    events = (*PYTE_EVENTS, *stream_module.OPTIONAL_EVENTS)
    missing = [name for name in events if not callable(getattr(Terminal, name, None))]
    assert missing == []


def test_adjacent_sgrs_merge_into_one_call_with_the_same_meaning() -> None:
    from mux.terminal.styles import BOLD, COLOR_PALETTE
    from mux.terminal.terminal import Terminal

    log = run(b"\x1b[1m\x1b[34mx\x1b[m\x1b[32my")
    sgr_calls = [e for e in log if e[0] == "select_graphic_rendition"]
    assert sgr_calls[0][1] == (1, 34)
    assert sgr_calls[1][1] == (0, 32)
    # An incomplete extended colour is never glued to the next SGR's parameters.
    screen = Terminal(10, 2)
    Stream(screen).feed(b"\x1b[38;5m\x1b[1mA")
    page, r = screen.line(0)
    assert screen.style_of(page, r, 0) == (0, 0, 0, BOLD)
    Stream(screen).feed(b"\x1b[38;5;3m\x1b[1mB")
    page, r = screen.line(0)
    assert screen.style_of(page, r, 1) == (COLOR_PALETTE | 3, 0, 0, BOLD)


def test_bare_csi_s_saves_the_cursor_for_a_listener_without_left_right_margins() -> None:
    events = tuple(e for e in PYTE_EVENTS + NEW_EVENTS if e != "set_left_right_margins")
    assert run(b"\x1b[s\x1b[2;5s", listener=Recorder(events)) == [E("save_cursor")]
