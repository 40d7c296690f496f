"""mux.terminal.colors: colour specs as XParseColor reads them, and xterm's reply form."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mux.terminal.colors import MAX_SPEC, format_color, parse_color


def test_short_hex_spec_scales_like_xparsecolor():
    # The digits are each component's most significant bits: #fff is 0xf0, not 0xff.
    assert parse_color("#fff") == 0xF0F0F0
    assert parse_color("#888") == 0x808080
    assert parse_color("#1af") == 0x10A0F0


@pytest.mark.parametrize("spec", ["#f0f0f0", "#f00f00f00", "#f000f000f000", "#f0ff0ff0f"])
def test_every_hash_width_keeps_the_high_byte_of_each_component(spec):
    assert parse_color(spec) == 0xF0F0F0


def test_twelve_digit_hash_spec_keeps_each_components_high_byte():
    assert parse_color("#123456789abc") == 0x12569A
    assert parse_color("#aaaabbbbcccc") == 0xAABBCC


def test_rgb_components_of_one_to_four_digits_are_scaled_to_full_range():
    assert parse_color("rgb:f/f/f") == 0xFFFFFF
    assert parse_color("rgb:8/8/8") == 0x888888
    assert parse_color("rgb:800/800/800") == 0x808080
    assert parse_color("rgb:8080/0/ffff") == 0x8000FF
    assert parse_color("rgb:f/80/0") == 0xFF8000       # each component has its own width


def test_rgbi_intensities_go_through_xcms_default_device_tables():
    # The default characterisation is not linear and differs per channel: rgbi:0.5 is not 0x808080.
    assert parse_color("rgbi:0.5/0.5/0.5") == 0xC1BBBB
    assert parse_color("rgbi:1/1/1") == 0xFFFFFF
    assert parse_color("rgbi:0/0/0") == 0x000000
    assert parse_color("rgbi:1e-1/.5/1.0") == 0x67BBFF


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_rgbi_device_values_never_decrease_as_intensity_grows(a, b):
    low, high = sorted((a, b))
    lo, hi = parse_color(f"rgbi:{low!r}/{low!r}/{low!r}"), parse_color(f"rgbi:{high!r}/{high!r}/{high!r}")
    assert lo is not None and hi is not None
    for shift in (16, 8, 0):
        assert lo >> shift & 0xFF <= hi >> shift & 0xFF


@pytest.mark.parametrize("spec", ["rgbi:1.5/0/0", "rgbi:-0.1/0/0", "rgbi:nan/0/0", "rgbi:inf/0/0", "rgbi:0x1/0/0",
                                  "rgbi:1/1", "rgbi:1/1/1/1", "rgbi:./0/0", "rgbi:1e999/0/0", "rgbi: 1/0/0"])
def test_rgbi_refuses_out_of_range_and_non_decimal_intensities(spec):
    assert parse_color(spec) is None


def test_x11_names_ignore_case_and_spaces():
    assert parse_color("Alice Blue") == parse_color("aliceblue") == parse_color("ALICEBLUE") == 0xF0F8FF
    assert parse_color("light goldenrod yellow") == 0xFAFAD2
    assert parse_color("red") == 0xFF0000
    assert parse_color("DebianRed") == 0xD70751


def test_grey_and_gray_spellings_are_the_same_colour():
    assert parse_color("grey50") == parse_color("gray50") == 0x7F7F7F
    assert parse_color("Dark Slate Grey") == parse_color("DarkSlateGray") == 0x2F4F4F
    assert parse_color("grey") == parse_color("gray") == 0xBEBEBE


def test_the_whole_x11_list_is_known_not_just_the_css_names():
    assert parse_color("gray0") == 0x000000 and parse_color("gray100") == 0xFFFFFF
    assert parse_color("navajo white") == 0xFFDEAD and parse_color("NavajoWhite4") == 0x8B795E
    assert parse_color("medium spring green") == 0x00FA9A and parse_color("burlywood3") == 0xCDAA7D


def test_prefixes_and_hex_digits_are_case_insensitive():
    assert parse_color("RGB:FF/0/0") == parse_color("Rgb:ff/0/0") == 0xFF0000
    assert parse_color("#ABC") == parse_color("#abc") == 0xA0B0C0
    assert parse_color("RGBi:1/0/0") == 0xFF0000


@pytest.mark.parametrize("spec", [
    "", "#", "#ff", "#fffff", "#fffffffffffff", "#ggg", "# ff", "rgb:", "rgb:1/2", "rgb:1/2/3/4", "rgb:12345/0/0",
    "rgb:/0/0", "rgb:g/0/0", "rgb:f_f/0/0", "rgb: f/0/0", "rgb:+f/0/0", "rgb:١/0/0", "cmyk:0/0/0/0", "notacolour",
    "red;", ":", "rgb", "CIEXYZ:0.5/0.5", "TekHVC:1/1/x", "cielab:nan/0/0", "cielab:1e999/0/0",
])
def test_malformed_and_unsupported_specs_are_refused(spec):
    assert parse_color(spec) is None


def test_cie_xyz_inside_the_gamut_goes_through_the_default_matrix_and_tables():
    assert parse_color("CIEXYZ:0.5/0.5/0.5") == 0xDDB5A0


def test_cie_lab_keeps_xcms_scaling_of_lightness_and_a_b():
    # Xcms divides by 9.03292, 5 and 2 where the CIE has 903.292, 500 and 200: xterm shows these colours.
    assert parse_color("CIELab:1/1/1") == 0x6C6767
    assert parse_color("CIELab:0.5/0.5/0.5") == 0x524F4F
    assert parse_color("cielab:0/0/0") == 0x000000


def test_tekhvc_hue_value_chroma_are_read_against_the_screen_white_point():
    assert parse_color("TekHVC:1/1/1") == 0x1A130F
    assert parse_color("TekHVC:0.5/0.5/0.5") == 0x11130E
    assert parse_color("TekHVC:361/1/1") == parse_color("TekHVC:1/1/1") == parse_color("TekHVC:-359/1/1")
    assert parse_color("TekHVC:0/0/0") == 0x000000
    assert parse_color("TekHVC:0/100/0") == 0xFFFFFF         # the white point itself


def test_the_screen_white_point_is_white_in_every_space():
    assert parse_color("CIEXYZ:0.949664/1/1.40604") == parse_color("CIEuvY:0.188353/0.446256/1") == 0xFFFFFF
    assert parse_color("CIELuv:100/0/0") == parse_color("CIELab:100/0/0") == 0xFFFFFF


def test_a_neutral_lightness_is_the_same_grey_in_lab_luv_and_hvc():
    grey = parse_color("CIELab:50/0/0")
    assert grey is not None and grey == parse_color("CIELuv:50/0/0") == parse_color("TekHVC:0/50/0")


@pytest.mark.parametrize(("spec", "rgb"), [("CIEXYZ:1/1/1", 0xFFFFFF), ("CIEuvY:1/1/1", 0xFFFFFF),
                                           ("CIEuvY:0.5/0.5/0.5", 0xFFA3AE), ("CIExyY:1/1/1", 0xFFFFFF),
                                           ("CIExyY:0.5/0.5/0.5", 0xF7B30E), ("CIELuv:1/1/1", 0x16140E),
                                           ("CIELuv:0.5/0.5/0.5", 0x0E130E)])
def test_colours_outside_the_gamut_are_clipped_to_xterms_values(spec, rgb):
    assert parse_color(spec) == rgb


def test_clipping_lowers_chroma_only_so_any_chroma_past_the_most_gives_one_colour():
    most = parse_color("TekHVC:30/50/200")
    assert most is not None and most == parse_color("TekHVC:30/50/900") == parse_color("TekHVC:390/50/5000")
    assert parse_color("TekHVC:30/50/10") != most                          # inside the gamut: itself
    assert parse_color("TekHVC:200/50/900") != most                        # another hue: another colour
    assert parse_color("TekHVC:30/90/900") != most                         # another value too


@pytest.mark.parametrize("spec", ["CIEXYZ:0/1.5/0", "CIEuvY:0.2/0.4/-0.5", "CIExyY:1.5/0.3/0.5", "CIELab:101/0/0",
                                  "CIELuv:-1/0/0", "TekHVC:0/101/0", "TekHVC:0/50/-1"])
def test_device_independent_specs_outside_their_ranges_are_refused(spec):
    assert parse_color(spec) is None


@given(st.sampled_from(["ciexyz", "cieuvy", "ciexyy", "cielab", "cieluv", "tekhvc", "rgbi"]),
       st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), min_size=3, max_size=3))
def test_any_numbers_in_any_space_give_a_colour_or_none(space, numbers):
    got = parse_color(space + ":" + "/".join(repr(float(n)) for n in numbers))
    assert got is None or 0 <= got <= 0xFFFFFF


@pytest.mark.parametrize("spec", ["CIELab:50/1e300/-1e300", "CIELuv:1e-300/1e300/0",
                                  "TekHVC:0/1e-300/1e300"])
def test_components_so_large_they_overflow_are_refused(spec):
    assert parse_color(spec) is None


def test_specs_longer_than_the_bound_are_refused_unread():
    assert parse_color("red" + " " * (MAX_SPEC - 3)) == 0xFF0000
    assert parse_color("red" + " " * (MAX_SPEC - 2)) is None
    assert parse_color("rgbi:" + "0" * 100_000 + "1/0/0") is None


def test_a_spec_that_is_not_a_string_is_refused():
    assert parse_color(None) is None                # type: ignore[arg-type]
    assert parse_color(b"#fff") is None             # type: ignore[arg-type]


def test_format_color_repeats_each_byte_to_sixteen_bits():
    assert format_color(0x12AB0F) == "rgb:1212/abab/0f0f"
    assert format_color(0) == "rgb:0000/0000/0000"
    assert format_color(0xFFFFFF) == "rgb:ffff/ffff/ffff"


@given(st.integers(0, 0xFFFFFF))
def test_a_reported_colour_reads_back_as_itself(rgb):
    assert parse_color(format_color(rgb)) == rgb
