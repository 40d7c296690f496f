"""Colour specs as X11's XParseColor reads them (what xterm accepts in its colour OSCs), and xterm's reply form.

Owns: `parse_color` (a spec -> 0xRRGGBB, or None), `format_color` (0xRRGGBB -> "rgb:rrrr/gggg/bbbb"), the X11
colour names (the rgb.txt list, Debian's x11-common copy) and the device characterisation Xcms falls back to when a
display publishes none (libX11's default: a Tektronix monitor's matrices and measured intensity tables), through
which `rgbi:` intensities and the device-independent spaces become device values.

Accepted: `#rgb`, `#rrggbb`, `#rrrgggbbb`, `#rrrrggggbbbb` (each component's digits are its most significant bits,
so `#fff` is 0xf0 per component, as XParseColor shifts rather than scales), `rgb:r/g/b` with 1-4 hex digits per
component (scaled: `rgb:f/f/f` is white), `rgbi:r/g/b` with intensities 0.0-1.0, and the X11 names. Prefixes,
hex digits and names are case-insensitive (Xcms lowercases the spec first); names ignore spaces.

Also Xcms's device-independent spaces, `CIEXYZ:X/Y/Z`, `CIEuvY:u/v/Y`, `CIExyY:x/y/Y`, `CIELab:L/a/b`,
`CIELuv:L/u/v` and `TekHVC:H/V/C`, converted as xterm's Xcms converts them with no device profile: against the
default characterisation's white point, through its matrix and tables, and a colour outside its gamut clipped
the way Xcms clips by default (TekHVC hue and value kept, chroma lowered to the most the screen shows there).
Xcms's own formulas are followed, quirks included, since they decide which colour xterm shows.

Invariants:
- `parse_color` never raises and does bounded work: a spec longer than MAX_SPEC is refused before it is read.
- A colour is 8 bits per component, as a 24-bit TrueColor visual keeps it: of a 16-bit X value only the high
  byte stays, and a reply widens each byte back to 16 bits by repeating it (0xf0 -> f0f0), as X's QueryColor does.
- "grey" in a name is "gray": rgb.txt lists both spellings with equal values, the table keeps one.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Callable

__all__ = ["MAX_SPEC", "format_color", "parse_color"]

#: Longer specs are refused unread (the longest valid one, "#rrrrggggbbbb" or an rgbi: with long decimals, is short).
MAX_SPEC = 128

_HEX = frozenset("0123456789abcdef")
# A C float as sscanf's %lf reads it (no hex floats, no inf/nan: they are not intensities).
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?")


def format_color(rgb: int) -> str:
    """0xRRGGBB as xterm reports it: `rgb:rrrr/gggg/bbbb`, each byte repeated to 16 bits."""
    r, g, b = rgb >> 16 & 0xFF, rgb >> 8 & 0xFF, rgb & 0xFF
    return f"rgb:{r:02x}{r:02x}/{g:02x}{g:02x}/{b:02x}{b:02x}"


def parse_color(spec: str) -> int | None:
    """0xRRGGBB for an X colour spec (see the module docstring for the forms), None for anything else."""
    if not isinstance(spec, str) or len(spec) > MAX_SPEC:
        return None
    spec = spec.lower()
    if spec.startswith("#"):
        return _parse_hash(spec[1:])
    prefix, colon, rest = spec.partition(":")
    if colon:
        if prefix == "rgb":
            return _parse_rgb(rest)
        if prefix == "rgbi":
            return _parse_rgbi(rest)
        to_xyz = _DEVICE_INDEPENDENT.get(prefix)
        return None if to_xyz is None else _parse_device_independent(to_xyz, rest)
    name = spec.replace(" ", "").replace("grey", "gray")
    return _names().get(name)


def _pack(r16: int, g16: int, b16: int) -> int:
    """Three 16-bit X values as 0xRRGGBB: the high byte of each, what a 24-bit visual keeps."""
    return (r16 >> 8) << 16 | (g16 >> 8) << 8 | b16 >> 8


def _parse_hash(digits: str) -> int | None:
    n = len(digits)
    if n not in (3, 6, 9, 12) or not _HEX.issuperset(digits):
        return None
    width = n // 3
    shift = 16 - 4 * width          # the digits are the most significant bits: shifted, not scaled
    r, g, b = (int(digits[i * width:(i + 1) * width], 16) << shift for i in range(3))
    return _pack(r, g, b)


def _parse_rgb(rest: str) -> int | None:
    parts = rest.split("/")
    if len(parts) != 3 or not all(1 <= len(p) <= 4 and _HEX.issuperset(p) for p in parts):
        return None
    # Fewer than 4 digits are scaled to 16 bits (rgb:f/f/f is white), with XParseColor's integer division.
    r, g, b = (int(p, 16) * 0xFFFF // ((1 << 4 * len(p)) - 1) for p in parts)
    return _pack(r, g, b)


def _floats(rest: str) -> tuple[float, float, float] | None:
    parts = rest.split("/")
    if len(parts) != 3 or not all(_FLOAT.fullmatch(p) for p in parts):
        return None
    a, b, c = (float(p) for p in parts)
    return (a, b, c) if all(math.isfinite(v) for v in (a, b, c)) else None


def _parse_rgbi(rest: str) -> int | None:
    values = _floats(rest)
    if values is None or not all(0.0 <= v <= 1.0 for v in values):
        return None
    return _rgbi_to_device(values)


def _rgbi_to_device(rgbi: tuple[float, float, float]) -> int:
    r, g, b = (_intensity_to_value(table, v) for table, v in zip(_TABLES, rgbi, strict=True))
    return _pack(r, g, b)


# ------------------------------------------------------------------ the default device characterisation
# libX11's LINEAR_RGB default (a Tektronix 19" CRT): per channel, 16-bit device values and the intensity each
# gives. Xcms uses it when the root window has no XDCCC properties, which is what xterm's expected values reflect.
# (device byte b, intensity): the device value is b repeated to 16 bits (0xbebe); intensities increase.
_RED = (
    (0x00, 0.0), (0x09, 0.0), (0x0a, 0.000936), (0x0f, 0.001481), (0x14, 0.002329), (0x19, 0.003529),
    (0x1e, 0.005127), (0x23, 0.007169), (0x28, 0.009699), (0x2d, 0.012759), (0x32, 0.016392), (0x37, 0.020637),
    (0x3c, 0.025533), (0x41, 0.031119), (0x46, 0.037431), (0x4b, 0.044504), (0x50, 0.052373), (0x55, 0.061069),
    (0x5a, 0.070624), (0x5f, 0.08107), (0x64, 0.092433), (0x69, 0.104744), (0x6e, 0.118026), (0x73, 0.132307),
    (0x78, 0.14761), (0x7d, 0.163958), (0x82, 0.181371), (0x87, 0.199871), (0x8c, 0.219475), (0x91, 0.240202),
    (0x96, 0.262069), (0x9b, 0.285089), (0xa0, 0.309278), (0xa5, 0.334647), (0xaa, 0.361208), (0xaf, 0.388971),
    (0xb4, 0.417945), (0xb9, 0.448138), (0xbe, 0.479555), (0xc3, 0.512202), (0xc8, 0.546082), (0xcd, 0.581199),
    (0xd2, 0.617552), (0xd7, 0.655144), (0xdc, 0.693971), (0xe1, 0.734031), (0xe6, 0.775322), (0xeb, 0.817837),
    (0xf0, 0.861571), (0xf5, 0.906515), (0xfa, 0.952662), (0xff, 1.0),
)
_GREEN = (
    (0x00, 0.0), (0x13, 0.0), (0x14, 0.000832), (0x19, 0.001998), (0x1e, 0.003612), (0x23, 0.005736),
    (0x28, 0.008428), (0x2d, 0.011745), (0x32, 0.01574), (0x37, 0.020463), (0x3c, 0.02596), (0x41, 0.032275),
    (0x46, 0.039449), (0x4b, 0.047519), (0x50, 0.05652), (0x55, 0.066484), (0x5a, 0.077439), (0x5f, 0.089409),
    (0x64, 0.102418), (0x69, 0.116485), (0x6e, 0.131625), (0x73, 0.147853), (0x78, 0.165176), (0x7d, 0.183604),
    (0x82, 0.20314), (0x87, 0.223783), (0x8c, 0.245533), (0x91, 0.268384), (0x96, 0.292327), (0x9b, 0.317351),
    (0xa0, 0.343441), (0xa5, 0.37058), (0xaa, 0.398747), (0xaf, 0.427919), (0xb4, 0.458068), (0xb9, 0.489165),
    (0xbe, 0.521176), (0xc3, 0.554067), (0xc8, 0.587797), (0xcd, 0.622324), (0xd2, 0.657604), (0xd7, 0.693588),
    (0xdc, 0.730225), (0xe1, 0.767459), (0xe6, 0.805235), (0xeb, 0.843491), (0xf0, 0.882164), (0xf5, 0.921187),
    (0xfa, 0.96049), (0xff, 1.0),
)
_BLUE = (
    (0x00, 0.0), (0x0e, 0.0), (0x0f, 0.001341), (0x14, 0.00208), (0x19, 0.003188), (0x1e, 0.004729),
    (0x23, 0.006766), (0x28, 0.009357), (0x2d, 0.012559), (0x32, 0.016424), (0x37, 0.021004), (0x3c, 0.026344),
    (0x41, 0.032489), (0x46, 0.039481), (0x4b, 0.047357), (0x50, 0.056154), (0x55, 0.065903), (0x5a, 0.076634),
    (0x5f, 0.088373), (0x64, 0.101145), (0x69, 0.114968), (0x6e, 0.129862), (0x73, 0.145841), (0x78, 0.162915),
    (0x7d, 0.181095), (0x82, 0.200386), (0x87, 0.220791), (0x8c, 0.242309), (0x91, 0.264937), (0x96, 0.28867),
    (0x9b, 0.313499), (0xa0, 0.33941), (0xa5, 0.36639), (0xaa, 0.394421), (0xaf, 0.423481), (0xb4, 0.453547),
    (0xb9, 0.484592), (0xbe, 0.516587), (0xc3, 0.549498), (0xc8, 0.583291), (0xcd, 0.617925), (0xd2, 0.653361),
    (0xd7, 0.689553), (0xdc, 0.726454), (0xe1, 0.764013), (0xe6, 0.802178), (0xeb, 0.840891), (0xf0, 0.880093),
    (0xf5, 0.919723), (0xfa, 0.959715), (0xff, 1.0),
)
_TABLES = (_RED, _GREEN, _BLUE)


def _intensity_to_value(table: tuple[tuple[int, float], ...], intensity: float) -> int:
    """The 16-bit device value Xcms picks for an intensity: linear between the two table entries around it, then
    the nearest value an 8-bit visual can show (libX11's rounding, so the results are xterm's)."""
    if intensity <= table[0][1]:
        return table[0][0] * 0x101 & 0xFF00
    i = bisect_left(table, intensity, key=lambda entry: entry[1])
    if table[i][1] == intensity:
        return table[i][0] * 0x101 & 0xFF00
    (lo_byte, lo), (hi_byte, hi) = table[i - 1], table[i]
    lo_value, hi_value = lo_byte * 0x101, hi_byte * 0x101
    target = int((hi_value - lo_value) * ((intensity - lo) / (hi - lo))) + lo_value   # C's long *= double
    up = (target >> 8) * 0xFFFF // 0xFF
    if up < target:
        down, up = up, min((up >> 8) + 1, 0xFF) * 0xFFFF // 0xFF
    else:
        down = max((up >> 8) - 1, 0) * 0xFFFF // 0xFF
    return (up if up - target < target - down else down) & 0xFF00


# ------------------------------------------------------------------ Xcms's device-independent spaces
# Each space goes to CIE XYZ against the screen white point (the client's, when it names none), then through the
# default characterisation's matrix to intensities and the tables above. The formulas are Xcms's own, quirks
# included (its L*a*b* and L*u*v* scale a*, b*, u* and v* 100 times too strongly), since those give xterm's values.

# The default characterisation's matrices (RGB intensities <-> XYZ).
_RGB_TO_XYZ = ((0.38106149108714790, 0.32025712365352110, 0.24834578525933100),
               (0.20729745115140850, 0.68054638776373240, 0.11215616108485920),
               (0.02133944350088028, 0.14297193020246480, 1.24172892629665500))
_XYZ_TO_RGB = ((3.48340481253539000, -1.52176374927285200, -0.55923133354049780),
               (-1.07152751306193600, 1.96593795204372400, 0.03673691339553462),
               (0.06351179790497788, -0.20020501000496480, 0.81070942031648220))
# The screen white point: the RGB -> XYZ rows' sums, its Y made exactly 1 (Xcms does so when it is within 0.001).
_WHITE_X, _WHITE_Z = sum(_RGB_TO_XYZ[0]), sum(_RGB_TO_XYZ[2])
_WHITE_DIV = _WHITE_X + 15.0 + 3.0 * _WHITE_Z
_WHITE_U, _WHITE_V = 4.0 * _WHITE_X / _WHITE_DIV, 9.0 / _WHITE_DIV
_GAMUT_SLACK = 0.001                # intensities this far outside 0-1 still count as inside, then are clamped
_DBL_EPSILON = 2.220446049250313e-16
# TekHVC: u'v' of its "best red" (hue 0 points there from the white point) and its chroma scale.
_BEST_RED_U, _BEST_RED_V = 0.7127, 0.4931
_CHROMA_SCALE = 7.50725

XYZ = tuple[float, float, float]


def _parse_device_independent(to_xyz: Callable[[float, float, float], XYZ | None], rest: str) -> int | None:
    values = _floats(rest)
    xyz = None if values is None else to_xyz(*values)
    if xyz is None or not all(math.isfinite(c) for c in xyz):
        return None                 # huge components overflow: no colour xterm could show either
    rgbi, inside = _xyz_to_rgbi(xyz)
    if not inside:
        # Outside the screen's gamut: Xcms's default compression keeps the TekHVC hue and value and lowers the
        # chroma to the most the screen can show there (XcmsTekHVCClipC).
        hvc = _xyz_to_hvc(xyz)
        hvc = None if hvc is None else _clip_chroma(hvc[0], hvc[1])
        xyz = None if hvc is None else _hvc_to_xyz(*hvc)
        if xyz is None or not all(math.isfinite(c) for c in xyz):
            return None
        rgbi, inside = _xyz_to_rgbi(xyz)
        if not inside:
            return None
    return _rgbi_to_device(rgbi)


def _xyz_to_rgbi(xyz: XYZ) -> tuple[XYZ, bool]:
    """RGB intensities of an XYZ colour and whether the screen shows it; if it does they are clamped to 0-1."""
    rgbi = tuple(sum(m * c for m, c in zip(row, xyz, strict=True)) for row in _XYZ_TO_RGB)
    if min(rgbi) < -_GAMUT_SLACK or max(rgbi) > 1.0 + _GAMUT_SLACK:
        return rgbi, False          # type: ignore[return-value]
    r, g, b = (min(1.0, max(0.0, v)) for v in rgbi)
    return (r, g, b), True


def _rgbi_to_xyz(rgbi: XYZ) -> XYZ:
    x, y, z = (sum(m * c for m, c in zip(row, rgbi, strict=True)) for row in _RGB_TO_XYZ)
    return (x, y, z)


def _xyz(x: float, y: float, z: float) -> XYZ | None:
    return (x, y, z) if -_DBL_EPSILON <= y <= 1.0 + _DBL_EPSILON else None


def _uvy(u: float, v: float, y: float) -> XYZ | None:
    if not -_DBL_EPSILON <= y <= 1.0 + _DBL_EPSILON:
        return None
    div = 6.0 * u - 16.0 * v + 12.0
    if div == 0.0:                  # no chromaticity there: the white point's
        u, v, div = _WHITE_U, _WHITE_V, 6.0 * _WHITE_U - 16.0 * _WHITE_V + 12.0
    cx, cy = 9.0 * u / div, 4.0 * v / div
    cz = 1.0 - cx - cy
    if cy == 0.0:
        return (cx, y, cz)
    return (cx * y / cy, y, cz * y / cy)


def _xyy(x: float, y: float, big_y: float) -> XYZ | None:
    bound = (-_DBL_EPSILON, 1.0 + _DBL_EPSILON)
    if not all(bound[0] <= c <= bound[1] for c in (x, y, big_y)):
        return None
    div = -2.0 * x + 12.0 * y + 3.0
    if div == 0.0:
        return (0.0, 0.0, 0.0)
    # Xcms goes through u'v' and back, which rounds a little differently from using x and y directly.
    u, v = 4.0 * x / div, 9.0 * y / div
    div = 6.0 * u - 16.0 * v + 12.0
    if div == 0.0:
        return None                 # Xcms reads an uninitialised white point here
    cx, cy = 9.0 * u / div, 4.0 * v / div
    cz = 1.0 - cx - cy
    if cy == 0.0:
        cy = 0.00001
    return (cx * big_y / cy, big_y, cz * big_y / cy)


def _lab(lightness: float, a: float, b: float) -> XYZ | None:
    if not -_DBL_EPSILON <= lightness <= 100.0 + _DBL_EPSILON:
        return None
    f = (lightness + 16.0) / 116.0
    y = f * f * f
    if y < 0.008856:
        f = lightness / 9.03292     # Xcms's constant: 100 times the CIE's 1/903.292, as xterm shows it
        return (_WHITE_X * (a / 3893.5 + f), f, _WHITE_Z * (f - b / 1557.4))
    fx, fz = f + a / 5.0, f - b / 2.0
    return (_WHITE_X * fx * fx * fx, y, _WHITE_Z * fz * fz * fz)


def _lightness_to_y(lightness: float) -> float:
    if lightness < 7.99953624:
        return lightness / 903.29
    f = (lightness + 16.0) / 116.0
    return f * f * f


def _luv(lightness: float, u: float, v: float) -> XYZ | None:
    if not -_DBL_EPSILON <= lightness <= 100.0 + _DBL_EPSILON:
        return None
    if lightness == 0.0:
        return _uvy(_WHITE_U, _WHITE_V, 0.0)
    scale = 13.0 * (lightness / 100.0)
    return _uvy(u / scale + _WHITE_U, v / scale + _WHITE_V, _lightness_to_y(lightness))


# TekHVC's hue 0 is the direction of "best red" from the white point.
_HUE_OFFSET = math.degrees(math.atan((_BEST_RED_V - _WHITE_V) / (_BEST_RED_U - _WHITE_U)))
_HVC_SLACK = 0.001                  # how close a value must come to the one asked for while clipping
_CLIP_STEPS = 100                   # at most this many refinements per clipped colour (bounded work)


def _hvc_to_xyz(hue: float, value: float, chroma: float) -> XYZ | None:
    if not -_DBL_EPSILON <= value <= 100.0 + _DBL_EPSILON or chroma < -_DBL_EPSILON:
        return None
    # Xcms nudges a value or chroma within rounding of its range just inside it, not onto its end.
    if value < 0.0:
        value = _DBL_EPSILON
    elif value > 100.0:
        value = 100.0 - _DBL_EPSILON
    chroma = max(chroma, -_DBL_EPSILON)
    if value in (0.0, 100.0):
        return _uvy(_WHITE_U, _WHITE_V, value / 100.0)
    theta = math.radians(math.fmod(math.fmod(math.fmod(hue, 360.0) + 360.0, 360.0) + _HUE_OFFSET + 360.0, 360.0))
    u = math.cos(theta) * chroma / (value * _CHROMA_SCALE)
    v = math.sin(theta) * chroma / (value * _CHROMA_SCALE)
    return _uvy(u + _WHITE_U, v + _WHITE_V, _lightness_to_y(value))


def _xyz_to_hvc(xyz: XYZ) -> XYZ | None:
    """TekHVC (hue, value, chroma) of an XYZ colour whose Y is 0-1, against the screen white point."""
    x, y, z = xyz
    if not -_DBL_EPSILON <= y <= 1.0 + _DBL_EPSILON:
        return None
    div = x + 15.0 * y + 3.0 * z
    if div == 0.0:
        du = dv = 0.0
    else:
        du, dv = 4.0 * x / div - _WHITE_U, 9.0 * y / div - _WHITE_V
    theta = 0.0 if du == 0.0 else math.degrees(math.atan(dv / du))
    # atan gives -90..90: move it into the quadrant of (du, dv)
    if du > 0.0 and dv > 0.0:
        low = 0.0
    elif du < 0.0 and dv > 0.0:
        low = 90.0
    elif du < 0.0 and dv < 0.0:
        low = 180.0
    elif du > 0.0 and dv < 0.0:
        low = 270.0
    else:
        low = None
    if low is not None:
        while theta < low:
            theta += 90.0
        while theta >= low + 90.0:
            theta -= 90.0
    value = y * 903.29 if y < 0.008856 else math.cbrt(y) * 116.0 - 16.0
    chroma = value * _CHROMA_SCALE * math.sqrt(du * du + dv * dv)
    if chroma < 0.0:                # a value just below 0: no hue
        theta = 0.0
    hue = theta - _HUE_OFFSET
    while hue < -_HVC_SLACK:
        hue += 360.0
    while hue >= 360.0 + _HVC_SLACK:
        hue -= 360.0
    return (hue, value, chroma)


def _rgbi_to_hvc(rgbi: XYZ) -> XYZ | None:
    return _xyz_to_hvc(_rgbi_to_xyz(rgbi))


def _normal_hue(hue: float) -> float:
    hue = math.fmod(hue, 360.0)
    return hue + 360.0 if hue < 0.0 else hue


def _most_chroma(hue: float) -> tuple[XYZ, XYZ] | None:
    """The screen's most saturated colour of a hue: its (hue, value, chroma) and its RGB intensities (the
    outermost colour of the hue, scaled so that its smallest intensity is 0 and its largest 1)."""
    xyz = _hvc_to_xyz(hue, 40.0, 120.0)     # far outside: only its direction matters
    if xyz is None:
        return None
    rgbi, _ = _xyz_to_rgbi(xyz)
    low = min(rgbi)
    shifted = [c - low for c in rgbi]
    high = max(shifted)
    if high <= 0.0:
        return None
    r, g, b = (c / high for c in shifted)
    hvc = _rgbi_to_hvc((r, g, b))
    if hvc is None:
        return None
    return (hue, hvc[1], hvc[2]), (r, g, b)


def _clip_chroma(hue: float, value: float) -> XYZ | None:
    """(hue, value, chroma) with the most chroma the screen shows at this hue and value, as Xcms finds it: below the
    hue's most saturated colour's value by proportion, above it by walking that colour towards white."""
    found = _most_chroma(hue)
    if found is None:
        return None
    (_, top_value, top_chroma), saved = found
    if not 0.0 < top_value < 100.0:
        return None
    value = min(100.0, max(0.0, value))
    if value <= top_value:
        return (_normal_hue(hue), value, value * top_chroma / top_value)
    wanted = step = value
    current = (hue, value, 100.0)
    last_value = last_chroma = -1.0
    factor = 1.0
    span = 100.0 - top_value
    for _ in range(_CLIP_STEPS):
        before_value = last_value
        last_value, last_chroma = current[1], current[2]
        t = (step - top_value) / span * factor
        hvc = _rgbi_to_hvc(tuple(c * (1.0 - t) + t for c in saved))     # type: ignore[arg-type]
        if hvc is None:
            return None
        current = hvc
        if abs(current[1] - wanted) <= _HVC_SLACK:
            return (_normal_hue(hue), min(100.0, max(0.0, current[1])), current[2])
        step += wanted - current[1]
        if step < top_value:
            step = top_value
            factor *= 0.5
        elif step > 100.0:
            if abs(last_value - wanted) < abs(current[1] - wanted):
                current = (hue, last_value, last_chroma)
            return (_normal_hue(hue), min(100.0, max(0.0, current[1])), current[2])
        elif abs(current[1] - before_value) <= _HVC_SLACK:
            factor *= 0.5
    if abs(last_value - wanted) < abs(current[1] - wanted):
        current = (hue, last_value, last_chroma)
    return (hue, current[1], current[2])


# Prefixes as Xcms spells them, lowercased (the spec is).
_DEVICE_INDEPENDENT = {"ciexyz": _xyz, "cieuvy": _uvy, "ciexyy": _xyy, "cielab": _lab, "cieluv": _luv,
                       "tekhvc": _hvc_to_xyz}


# ------------------------------------------------------------------ X11 colour names
# rgb.txt, lowercased, spaces removed, the "grey" spellings dropped (they equal the "gray" ones): name, then hex.
_X11_NAMES = (
    "aliceblue f0f8ff antiquewhite faebd7 antiquewhite1 ffefdb antiquewhite2 eedfcc antiquewhite3 cdc0b0 "
    "antiquewhite4 8b8378 aquamarine 7fffd4 aquamarine1 7fffd4 aquamarine2 76eec6 aquamarine3 66cdaa aquamarine4 "
    "458b74 azure f0ffff azure1 f0ffff azure2 e0eeee azure3 c1cdcd azure4 838b8b beige f5f5dc bisque ffe4c4 bisque1 "
    "ffe4c4 bisque2 eed5b7 bisque3 cdb79e bisque4 8b7d6b black 000000 blanchedalmond ffebcd blue 0000ff blue1 0000ff "
    "blue2 0000ee blue3 0000cd blue4 00008b blueviolet 8a2be2 brown a52a2a brown1 ff4040 brown2 ee3b3b brown3 cd3333 "
    "brown4 8b2323 burlywood deb887 burlywood1 ffd39b burlywood2 eec591 burlywood3 cdaa7d burlywood4 8b7355 cadetblue "
    "5f9ea0 cadetblue1 98f5ff cadetblue2 8ee5ee cadetblue3 7ac5cd cadetblue4 53868b chartreuse 7fff00 chartreuse1 "
    "7fff00 chartreuse2 76ee00 chartreuse3 66cd00 chartreuse4 458b00 chocolate d2691e chocolate1 ff7f24 chocolate2 "
    "ee7621 chocolate3 cd661d chocolate4 8b4513 coral ff7f50 coral1 ff7256 coral2 ee6a50 coral3 cd5b45 coral4 8b3e2f "
    "cornflowerblue 6495ed cornsilk fff8dc cornsilk1 fff8dc cornsilk2 eee8cd cornsilk3 cdc8b1 cornsilk4 8b8878 cyan "
    "00ffff cyan1 00ffff cyan2 00eeee cyan3 00cdcd cyan4 008b8b darkblue 00008b darkcyan 008b8b darkgoldenrod b8860b "
    "darkgoldenrod1 ffb90f darkgoldenrod2 eead0e darkgoldenrod3 cd950c darkgoldenrod4 8b6508 darkgray a9a9a9 "
    "darkgreen 006400 darkkhaki bdb76b darkmagenta 8b008b darkolivegreen 556b2f darkolivegreen1 caff70 "
    "darkolivegreen2 bcee68 darkolivegreen3 a2cd5a darkolivegreen4 6e8b3d darkorange ff8c00 darkorange1 ff7f00 "
    "darkorange2 ee7600 darkorange3 cd6600 darkorange4 8b4500 darkorchid 9932cc darkorchid1 bf3eff darkorchid2 b23aee "
    "darkorchid3 9a32cd darkorchid4 68228b darkred 8b0000 darksalmon e9967a darkseagreen 8fbc8f darkseagreen1 c1ffc1 "
    "darkseagreen2 b4eeb4 darkseagreen3 9bcd9b darkseagreen4 698b69 darkslateblue 483d8b darkslategray 2f4f4f "
    "darkslategray1 97ffff darkslategray2 8deeee darkslategray3 79cdcd darkslategray4 528b8b darkturquoise 00ced1 "
    "darkviolet 9400d3 debianred d70751 deeppink ff1493 deeppink1 ff1493 deeppink2 ee1289 deeppink3 cd1076 deeppink4 "
    "8b0a50 deepskyblue 00bfff deepskyblue1 00bfff deepskyblue2 00b2ee deepskyblue3 009acd deepskyblue4 00688b "
    "dimgray 696969 dodgerblue 1e90ff dodgerblue1 1e90ff dodgerblue2 1c86ee dodgerblue3 1874cd dodgerblue4 104e8b "
    "firebrick b22222 firebrick1 ff3030 firebrick2 ee2c2c firebrick3 cd2626 firebrick4 8b1a1a floralwhite fffaf0 "
    "forestgreen 228b22 gainsboro dcdcdc ghostwhite f8f8ff gold ffd700 gold1 ffd700 gold2 eec900 gold3 cdad00 gold4 "
    "8b7500 goldenrod daa520 goldenrod1 ffc125 goldenrod2 eeb422 goldenrod3 cd9b1d goldenrod4 8b6914 gray bebebe "
    "gray0 000000 gray1 030303 gray10 1a1a1a gray100 ffffff gray11 1c1c1c gray12 1f1f1f gray13 212121 gray14 242424 "
    "gray15 262626 gray16 292929 gray17 2b2b2b gray18 2e2e2e gray19 303030 gray2 050505 gray20 333333 gray21 363636 "
    "gray22 383838 gray23 3b3b3b gray24 3d3d3d gray25 404040 gray26 424242 gray27 454545 gray28 474747 gray29 4a4a4a "
    "gray3 080808 gray30 4d4d4d gray31 4f4f4f gray32 525252 gray33 545454 gray34 575757 gray35 595959 gray36 5c5c5c "
    "gray37 5e5e5e gray38 616161 gray39 636363 gray4 0a0a0a gray40 666666 gray41 696969 gray42 6b6b6b gray43 6e6e6e "
    "gray44 707070 gray45 737373 gray46 757575 gray47 787878 gray48 7a7a7a gray49 7d7d7d gray5 0d0d0d gray50 7f7f7f "
    "gray51 828282 gray52 858585 gray53 878787 gray54 8a8a8a gray55 8c8c8c gray56 8f8f8f gray57 919191 gray58 949494 "
    "gray59 969696 gray6 0f0f0f gray60 999999 gray61 9c9c9c gray62 9e9e9e gray63 a1a1a1 gray64 a3a3a3 gray65 a6a6a6 "
    "gray66 a8a8a8 gray67 ababab gray68 adadad gray69 b0b0b0 gray7 121212 gray70 b3b3b3 gray71 b5b5b5 gray72 b8b8b8 "
    "gray73 bababa gray74 bdbdbd gray75 bfbfbf gray76 c2c2c2 gray77 c4c4c4 gray78 c7c7c7 gray79 c9c9c9 gray8 141414 "
    "gray80 cccccc gray81 cfcfcf gray82 d1d1d1 gray83 d4d4d4 gray84 d6d6d6 gray85 d9d9d9 gray86 dbdbdb gray87 dedede "
    "gray88 e0e0e0 gray89 e3e3e3 gray9 171717 gray90 e5e5e5 gray91 e8e8e8 gray92 ebebeb gray93 ededed gray94 f0f0f0 "
    "gray95 f2f2f2 gray96 f5f5f5 gray97 f7f7f7 gray98 fafafa gray99 fcfcfc green 00ff00 green1 00ff00 green2 00ee00 "
    "green3 00cd00 green4 008b00 greenyellow adff2f honeydew f0fff0 honeydew1 f0fff0 honeydew2 e0eee0 honeydew3 "
    "c1cdc1 honeydew4 838b83 hotpink ff69b4 hotpink1 ff6eb4 hotpink2 ee6aa7 hotpink3 cd6090 hotpink4 8b3a62 indianred "
    "cd5c5c indianred1 ff6a6a indianred2 ee6363 indianred3 cd5555 indianred4 8b3a3a ivory fffff0 ivory1 fffff0 ivory2 "
    "eeeee0 ivory3 cdcdc1 ivory4 8b8b83 khaki f0e68c khaki1 fff68f khaki2 eee685 khaki3 cdc673 khaki4 8b864e lavender "
    "e6e6fa lavenderblush fff0f5 lavenderblush1 fff0f5 lavenderblush2 eee0e5 lavenderblush3 cdc1c5 lavenderblush4 "
    "8b8386 lawngreen 7cfc00 lemonchiffon fffacd lemonchiffon1 fffacd lemonchiffon2 eee9bf lemonchiffon3 cdc9a5 "
    "lemonchiffon4 8b8970 lightblue add8e6 lightblue1 bfefff lightblue2 b2dfee lightblue3 9ac0cd lightblue4 68838b "
    "lightcoral f08080 lightcyan e0ffff lightcyan1 e0ffff lightcyan2 d1eeee lightcyan3 b4cdcd lightcyan4 7a8b8b "
    "lightgoldenrod eedd82 lightgoldenrod1 ffec8b lightgoldenrod2 eedc82 lightgoldenrod3 cdbe70 lightgoldenrod4 "
    "8b814c lightgoldenrodyellow fafad2 lightgray d3d3d3 lightgreen 90ee90 lightpink ffb6c1 lightpink1 ffaeb9 "
    "lightpink2 eea2ad lightpink3 cd8c95 lightpink4 8b5f65 lightsalmon ffa07a lightsalmon1 ffa07a lightsalmon2 ee9572 "
    "lightsalmon3 cd8162 lightsalmon4 8b5742 lightseagreen 20b2aa lightskyblue 87cefa lightskyblue1 b0e2ff "
    "lightskyblue2 a4d3ee lightskyblue3 8db6cd lightskyblue4 607b8b lightslateblue 8470ff lightslategray 778899 "
    "lightsteelblue b0c4de lightsteelblue1 cae1ff lightsteelblue2 bcd2ee lightsteelblue3 a2b5cd lightsteelblue4 "
    "6e7b8b lightyellow ffffe0 lightyellow1 ffffe0 lightyellow2 eeeed1 lightyellow3 cdcdb4 lightyellow4 8b8b7a "
    "limegreen 32cd32 linen faf0e6 magenta ff00ff magenta1 ff00ff magenta2 ee00ee magenta3 cd00cd magenta4 8b008b "
    "maroon b03060 maroon1 ff34b3 maroon2 ee30a7 maroon3 cd2990 maroon4 8b1c62 mediumaquamarine 66cdaa mediumblue "
    "0000cd mediumorchid ba55d3 mediumorchid1 e066ff mediumorchid2 d15fee mediumorchid3 b452cd mediumorchid4 7a378b "
    "mediumpurple 9370db mediumpurple1 ab82ff mediumpurple2 9f79ee mediumpurple3 8968cd mediumpurple4 5d478b "
    "mediumseagreen 3cb371 mediumslateblue 7b68ee mediumspringgreen 00fa9a mediumturquoise 48d1cc mediumvioletred "
    "c71585 midnightblue 191970 mintcream f5fffa mistyrose ffe4e1 mistyrose1 ffe4e1 mistyrose2 eed5d2 mistyrose3 "
    "cdb7b5 mistyrose4 8b7d7b moccasin ffe4b5 navajowhite ffdead navajowhite1 ffdead navajowhite2 eecfa1 navajowhite3 "
    "cdb38b navajowhite4 8b795e navy 000080 navyblue 000080 oldlace fdf5e6 olivedrab 6b8e23 olivedrab1 c0ff3e "
    "olivedrab2 b3ee3a olivedrab3 9acd32 olivedrab4 698b22 orange ffa500 orange1 ffa500 orange2 ee9a00 orange3 cd8500 "
    "orange4 8b5a00 orangered ff4500 orangered1 ff4500 orangered2 ee4000 orangered3 cd3700 orangered4 8b2500 orchid "
    "da70d6 orchid1 ff83fa orchid2 ee7ae9 orchid3 cd69c9 orchid4 8b4789 palegoldenrod eee8aa palegreen 98fb98 "
    "palegreen1 9aff9a palegreen2 90ee90 palegreen3 7ccd7c palegreen4 548b54 paleturquoise afeeee paleturquoise1 "
    "bbffff paleturquoise2 aeeeee paleturquoise3 96cdcd paleturquoise4 668b8b palevioletred db7093 palevioletred1 "
    "ff82ab palevioletred2 ee799f palevioletred3 cd6889 palevioletred4 8b475d papayawhip ffefd5 peachpuff ffdab9 "
    "peachpuff1 ffdab9 peachpuff2 eecbad peachpuff3 cdaf95 peachpuff4 8b7765 peru cd853f pink ffc0cb pink1 ffb5c5 "
    "pink2 eea9b8 pink3 cd919e pink4 8b636c plum dda0dd plum1 ffbbff plum2 eeaeee plum3 cd96cd plum4 8b668b "
    "powderblue b0e0e6 purple a020f0 purple1 9b30ff purple2 912cee purple3 7d26cd purple4 551a8b red ff0000 red1 "
    "ff0000 red2 ee0000 red3 cd0000 red4 8b0000 rosybrown bc8f8f rosybrown1 ffc1c1 rosybrown2 eeb4b4 rosybrown3 "
    "cd9b9b rosybrown4 8b6969 royalblue 4169e1 royalblue1 4876ff royalblue2 436eee royalblue3 3a5fcd royalblue4 "
    "27408b saddlebrown 8b4513 salmon fa8072 salmon1 ff8c69 salmon2 ee8262 salmon3 cd7054 salmon4 8b4c39 sandybrown "
    "f4a460 seagreen 2e8b57 seagreen1 54ff9f seagreen2 4eee94 seagreen3 43cd80 seagreen4 2e8b57 seashell fff5ee "
    "seashell1 fff5ee seashell2 eee5de seashell3 cdc5bf seashell4 8b8682 sienna a0522d sienna1 ff8247 sienna2 ee7942 "
    "sienna3 cd6839 sienna4 8b4726 skyblue 87ceeb skyblue1 87ceff skyblue2 7ec0ee skyblue3 6ca6cd skyblue4 4a708b "
    "slateblue 6a5acd slateblue1 836fff slateblue2 7a67ee slateblue3 6959cd slateblue4 473c8b slategray 708090 "
    "slategray1 c6e2ff slategray2 b9d3ee slategray3 9fb6cd slategray4 6c7b8b snow fffafa snow1 fffafa snow2 eee9e9 "
    "snow3 cdc9c9 snow4 8b8989 springgreen 00ff7f springgreen1 00ff7f springgreen2 00ee76 springgreen3 00cd66 "
    "springgreen4 008b45 steelblue 4682b4 steelblue1 63b8ff steelblue2 5cacee steelblue3 4f94cd steelblue4 36648b tan "
    "d2b48c tan1 ffa54f tan2 ee9a49 tan3 cd853f tan4 8b5a2b thistle d8bfd8 thistle1 ffe1ff thistle2 eed2ee thistle3 "
    "cdb5cd thistle4 8b7b8b tomato ff6347 tomato1 ff6347 tomato2 ee5c42 tomato3 cd4f39 tomato4 8b3626 turquoise "
    "40e0d0 turquoise1 00f5ff turquoise2 00e5ee turquoise3 00c5cd turquoise4 00868b violet ee82ee violetred d02090 "
    "violetred1 ff3e96 violetred2 ee3a8c violetred3 cd3278 violetred4 8b2252 wheat f5deb3 wheat1 ffe7ba wheat2 eed8ae "
    "wheat3 cdba96 wheat4 8b7e66 white ffffff whitesmoke f5f5f5 yellow ffff00 yellow1 ffff00 yellow2 eeee00 yellow3 "
    "cdcd00 yellow4 8b8b00 yellowgreen 9acd32 "
)


_NAME_TABLE: dict[str, int] = {}


def _names() -> dict[str, int]:
    """The name table, built on first use (most panes never name a colour)."""
    if not _NAME_TABLE:
        words = _X11_NAMES.split()
        _NAME_TABLE.update(zip(words[::2], (int(w, 16) for w in words[1::2]), strict=True))
    return _NAME_TABLE
