"""The Terminal's colour OSCs: 4 and 5 (palette and special colours), 10-19 (dynamic colours), 104, 105 and
110-119 (resets), as xterm answers them."""

import pytest

from mux.terminal.colors import format_color
from mux.terminal.stream import Stream
from mux.terminal.terminal import SPECIAL_COLORS, Terminal

FG, BG, CURSOR = 0xE5E5E5, 0x000000, 0x00FF00
ST = b"\x1b\\"


def make(**kw):
    replies: list[bytes] = []
    terminal = Terminal(10, 4, on_reply=replies.append, default_fg=FG, default_bg=BG, cursor_color=CURSOR, **kw)
    stream = Stream(terminal)
    return terminal, stream, replies


def test_osc4_sets_several_pairs_and_answers_queries_in_order():
    t, stream, replies = make()
    stream.feed(b"\x1b]4;0;rgb:f0f0/f0f0/f0f0;1;#f00;2;navy\x1b\\")
    stream.feed(b"\x1b]4;2;?;0;?;1;?\x07")
    assert replies == [b"\x1b]4;2;rgb:0000/0000/8080" + ST, b"\x1b]4;0;rgb:f0f0/f0f0/f0f0" + ST,
                       b"\x1b]4;1;rgb:f0f0/0000/0000" + ST]
    assert t.palette[:3] == [0xF0F0F0, 0xF00000, 0x000080]


def test_osc4_mixes_sets_and_queries_in_one_sequence():
    t, stream, replies = make()
    stream.feed(b"\x1b]4;5;#123456;5;?\x07")
    assert replies == [b"\x1b]4;5;rgb:1212/3434/5656" + ST]


def test_an_unparsable_spec_leaves_its_entry_and_later_pairs_still_apply():
    t, stream, replies = make()
    before = t.palette[1]
    stream.feed(b"\x1b]4;1;not-a-colour;2;#fff;x;#fff;999;#fff\x07")
    assert t.palette[1] == before and t.palette[2] == 0xF0F0F0
    assert replies == []


def test_a_query_answers_with_the_index_mux_parsed_not_the_childs_text():
    t, stream, replies = make()
    stream.feed(b"\x1b]4;007;?\x07")
    assert replies == [b"\x1b]4;7;" + b"rgb:e5e5/e5e5/e5e5" + ST]


def test_osc4_indices_256_to_260_are_the_special_colours_past_them_nothing():
    t, stream, replies = make()
    assert t.special_colors == [FG] * len(SPECIAL_COLORS)
    stream.feed(b"\x1b]4;256;#100;260;#200;261;#300\x07\x1b]4;256;?;260;?;261;?\x07")
    assert t.special_colors == [0x100000, FG, FG, FG, 0x200000]
    assert replies == [b"\x1b]4;256;rgb:1010/0000/0000" + ST, b"\x1b]4;260;rgb:2020/0000/0000" + ST]
    assert len(t.palette) == 256


def test_osc5_addresses_the_special_colours_from_zero():
    t, stream, replies = make()
    stream.feed(b"\x1b]5;0;rgb:f0f0/f0f0/f0f0;1;rgb:f0f0/0000/0000;5;#fff\x07")
    stream.feed(b"\x1b]5;0;?;1;?;5;?\x07\x1b]4;257;?\x07")
    assert replies == [b"\x1b]5;0;rgb:f0f0/f0f0/f0f0" + ST, b"\x1b]5;1;rgb:f0f0/0000/0000" + ST,
                       b"\x1b]4;257;rgb:f0f0/0000/0000" + ST]


def test_dynamic_colour_defaults_follow_foreground_background_and_cursor():
    t, stream, replies = make()
    stream.feed(b"\x1b]10;?;?;?;?;?;?;?;?;?;?\x07")
    values = [FG, BG, CURSOR, FG, BG, FG, BG, FG, FG, BG]
    assert replies == [f"\x1b]{n};".encode() + _rgb(v) + ST for n, v in zip(range(10, 20), values, strict=True)]


def _rgb(v: int) -> bytes:
    return format_color(v).encode()


def test_one_dynamic_osc_sets_consecutive_colours():
    t, stream, replies = make()
    stream.feed(b"\x1b]10;#100;#200;#300\x07")
    assert (t.colors[10], t.colors[11], t.colors[12]) == (0x100000, 0x200000, 0x300000)
    stream.feed(b"\x1b]11;?;?\x07")
    assert replies == [b"\x1b]11;" + _rgb(0x200000) + ST, b"\x1b]12;" + _rgb(0x300000) + ST]


def test_dynamic_colours_stop_at_19():
    t, stream, replies = make()
    stream.feed(b"\x1b]18;?;?;?;?\x07\x1b]19;#fff;#000\x07")
    assert [r[:5] for r in replies] == [b"\x1b]18;", b"\x1b]19;"]
    assert t.colors[19] == 0xF0F0F0 and 20 not in t.colors


def test_a_bad_dynamic_spec_is_skipped_and_the_next_one_still_applies():
    t, stream, replies = make()
    stream.feed(b"\x1b]10;bogus;#fff\x07")
    assert t.colors[10] == FG and t.colors[11] == 0xF0F0F0


def test_replies_end_with_st_whatever_ended_the_query():
    t, stream, replies = make()
    stream.feed(b"\x1b]4;1;?\x07\x1b]10;?\x1b\\\x1b]5;0;?\x07")
    assert len(replies) == 3 and all(r.endswith(ST) for r in replies)


def test_osc104_resets_the_listed_entries_or_the_whole_palette():
    t, stream, replies = make()
    base = list(t.palette)
    stream.feed(b"\x1b]4;1;#fff;2;#fff;3;#fff;256;#fff\x07\x1b]104;1;256;x;999\x07")
    assert t.palette[1] == base[1] and t.palette[2] == 0xF0F0F0 and t.special_colors[0] == FG
    stream.feed(b"\x1b]104\x07")
    assert t.palette == base


def test_osc104_without_indices_keeps_the_special_colours():
    t, stream, replies = make()
    stream.feed(b"\x1b]5;0;#fff\x07\x1b]104;\x07")
    assert t.special_colors[0] == 0xF0F0F0


def test_osc105_resets_the_listed_special_colours_or_all():
    t, stream, replies = make()
    stream.feed(b"\x1b]5;0;#111;1;#222;2;#333\x07\x1b]105;1;7\x07")
    assert t.special_colors[:3] == [0x101010, FG, 0x303030]
    stream.feed(b"\x1b]105\x07")
    assert t.special_colors == [FG] * len(SPECIAL_COLORS)


@pytest.mark.parametrize("n", range(10, 20))
def test_osc_110_to_119_reset_each_dynamic_colour_alone(n):
    t, stream, replies = make()
    base = dict(t.colors)
    stream.feed(b"\x1b]10;" + b";".join([b"#fff"] * 10) + b"\x07")
    stream.feed(f"\x1b]{n + 100}\x07".encode())
    assert t.colors[n] == base[n]
    assert all(t.colors[m] == 0xF0F0F0 for m in range(10, 20) if m != n)


def test_ris_resets_palette_special_and_dynamic_colours():
    t, stream, replies = make()
    base_palette, base_colors = list(t.palette), dict(t.colors)
    stream.feed(b"\x1b]4;1;#fff\x07\x1b]5;2;#fff\x07\x1b]13;#fff\x07\x1bc")
    assert t.palette == base_palette and t.colors == base_colors and t.special_colors == [FG] * len(SPECIAL_COLORS)


def test_hostile_colour_oscs_never_raise_and_stay_bounded():
    t, stream, replies = make()
    stream.feed(b"\x1b]4;" + b"1;" * 20_000 + b"\x07")
    stream.feed(b"\x1b]4;" + b"9" * 5000 + b";?;2;" + b"#" + b"f" * 50_000 + b"\x07")
    stream.feed(b"\x1b]10;" + b";" * 30_000 + b"?\x07\x1b]105;" + b"4;" * 20_000 + b"\x07")
    stream.feed(b"\x1b]104;" + "²;".encode() * 1000 + b"\x07\x1b]5;\xff\xfe;?\x07")
    assert stream.errors == 0 and replies == []
    t.check()
