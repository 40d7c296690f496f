"""Styles: what a cell looks like, as a small hashable tuple, and SGR applied to it.

Owns the Style encoding shared by pages (which store styles in their style table), the screen (the pen) and the
UI (which turns styles into Rich styles), and the SGR state machine (`apply_sgr`).

A Style is (fg, bg, underline colour, attribute bits). A colour is 0 (the default), COLOR_PALETTE | index
(0-255, kept as an index so themes can recolour it) or COLOR_RGB | 0xRRGGBB (truecolor). One attribute bit is not
a look: PROTECTED (character protection, set by DECSCA or SPA) rides in the Style so that pages carry it with each
cell like any attribute; SGR never changes it (SGR 0 included) and the UI ignores it.

Invariants: `apply_sgr` never raises on any parameter list (unknown or malformed parameters are ignored), and
its results are interned in a bounded cache.
"""

from __future__ import annotations

__all__ = [
    "Style", "DEFAULT_STYLE", "COLOR_PALETTE", "COLOR_RGB", "apply_sgr", "palette_rgb", "XTERM_PALETTE",
    "XTERM_FOREGROUND", "XTERM_BACKGROUND",
    "BOLD", "DIM", "ITALIC", "UNDERLINE_MASK", "UNDERLINE_SHIFT", "BLINK", "REVERSE", "INVISIBLE", "STRIKE",
    "OVERLINE", "PROTECTED", "SGR_KEEPS", "underline_style", "COLOR_KIND_MASK", "SGR_CACHE", "SGR_SETS", "SGR_RESETS",
    "sgr_report",
]

# Style: (fg, bg, underline colour, attribute bits). Colours: 0 default, COLOR_PALETTE | index, COLOR_RGB | rgb.
Style = tuple[int, int, int, int]
DEFAULT_STYLE: Style = (0, 0, 0, 0)
COLOR_PALETTE = 1 << 24
COLOR_RGB = 2 << 24

BOLD = 1 << 0
DIM = 1 << 1
ITALIC = 1 << 2
UNDERLINE_SHIFT = 3
UNDERLINE_MASK = 0b111 << UNDERLINE_SHIFT   # 0 none, 1 single, 2 double, 3 curly, 4 dotted, 5 dashed
BLINK = 1 << 6
REVERSE = 1 << 7
INVISIBLE = 1 << 8
STRIKE = 1 << 9
OVERLINE = 1 << 10
PROTECTED = 1 << 11         # character protection (DECSCA 1, SPA): selective erases keep the cell
COLOR_KIND_MASK = 0xFF << 24

#: SGR parameter -> the attribute bits it clears / sets (the compiled hot path takes these tables too).
SGR_RESETS = {22: BOLD | DIM, 23: ITALIC, 24: UNDERLINE_MASK, 25: BLINK, 27: REVERSE, 28: INVISIBLE,
           29: STRIKE, 55: OVERLINE}
#: Attribute bits SGR never changes, not even SGR 0 (character protection belongs to DECSCA and SPA/EPA).
SGR_KEEPS = PROTECTED
SGR_SETS = {1: BOLD, 2: DIM, 3: ITALIC, 5: BLINK, 6: BLINK, 7: REVERSE, 8: INVISIBLE, 9: STRIKE, 53: OVERLINE}


def underline_style(attrs: int) -> int:
    return (attrs & UNDERLINE_MASK) >> UNDERLINE_SHIFT


def _with_underline(attrs: int, kind: int) -> int:
    return (attrs & ~UNDERLINE_MASK) | (min(max(kind, 0), 5) << UNDERLINE_SHIFT)


def _extended_colour(params: list, i: int) -> tuple[int | None, int]:
    """Parse the colour after 38/48/58 in `;` form starting at params[i]. Returns (colour, next index)."""
    if i >= len(params):
        return None, i
    kind = params[i]
    if kind == 5 and i + 1 < len(params):
        idx = params[i + 1]
        return (COLOR_PALETTE | idx if isinstance(idx, int) and 0 <= idx <= 255 else None), i + 2
    if kind == 2 and i + 3 < len(params):
        r, g, b = params[i + 1:i + 4]
        if all(isinstance(v, int) and 0 <= v <= 255 for v in (r, g, b)):
            return COLOR_RGB | (r << 16 | g << 8 | b), i + 4
        return None, i + 4
    return None, i + 1


def _colon_colour(sub: tuple) -> int | None:
    """Colour from a colon group like (38, 5, n), (38, 2, cs, r, g, b) or (38, 2, r, g, b); -1 = empty."""
    if len(sub) >= 3 and sub[1] == 5:
        idx = sub[2]
        return COLOR_PALETTE | idx if 0 <= idx <= 255 else None
    if len(sub) >= 5 and sub[1] == 2:
        rgb = sub[3:6] if len(sub) >= 6 else sub[2:5]
        if len(rgb) == 3 and all(0 <= v <= 255 for v in rgb):
            r, g, b = rgb
            return COLOR_RGB | (r << 16 | g << 8 | b)
    return None


def _apply(style: Style, params: tuple) -> Style:
    fg, bg, ul, attrs = style
    if not params:
        return (0, 0, 0, attrs & SGR_KEEPS) if attrs & SGR_KEEPS else DEFAULT_STYLE
    plist = list(params)
    i = 0
    n = len(plist)
    while i < n:
        p = plist[i]
        i += 1
        if isinstance(p, tuple):
            if not p:
                continue
            head = p[0]
            if head == 4:
                attrs = _with_underline(attrs, p[1] if len(p) > 1 and p[1] >= 0 else 1)
            elif head in (38, 48, 58):
                colour = _colon_colour(p)
                if colour is not None:
                    if head == 38:
                        fg = colour
                    elif head == 48:
                        bg = colour
                    else:
                        ul = colour
            continue
        if not isinstance(p, int):
            continue
        if p == 0:
            fg, bg, ul, attrs = 0, 0, 0, attrs & SGR_KEEPS
        elif 30 <= p <= 37:
            fg = COLOR_PALETTE | (p - 30)
        elif 40 <= p <= 47:
            bg = COLOR_PALETTE | (p - 40)
        elif 90 <= p <= 97:
            fg = COLOR_PALETTE | (p - 90 + 8)
        elif 100 <= p <= 107:
            bg = COLOR_PALETTE | (p - 100 + 8)
        elif p in SGR_SETS:
            attrs |= SGR_SETS[p]
        elif p in SGR_RESETS:
            attrs &= ~SGR_RESETS[p]
        elif p == 4:
            attrs = _with_underline(attrs, 1)
        elif p == 21:
            attrs = _with_underline(attrs, 2)
        elif p == 39:
            fg = 0
        elif p == 49:
            bg = 0
        elif p == 59:
            ul = 0
        elif p in (38, 48, 58):
            colour, i = _extended_colour(plist, i)
            if colour is not None:
                if p == 38:
                    fg = colour
                elif p == 48:
                    bg = colour
                else:
                    ul = colour
    return (fg, bg, ul, attrs)


#: The memo of `apply_sgr`: (style, params) -> style. Hot callers may look up here first (a dict lookup instead
#: of a call); only `apply_sgr` writes it.
SGR_CACHE: dict[tuple[Style, tuple], Style] = {}


def apply_sgr(style: Style, params: tuple) -> Style:
    """The style after SGR `params` (ints, or tuples for colon sub-parameter groups)."""
    key = (style, params)
    out = SGR_CACHE.get(key)
    if out is None:
        out = _apply(style, params)
        if len(SGR_CACHE) > 8192:
            SGR_CACHE.clear()
        SGR_CACHE[key] = out
    return out


#: The attribute bits DECRQSS reports, with their SGR parameter, in parameter order (underline, 4, is apart).
_REPORTED_ATTRS = ((BOLD, 1), (DIM, 2), (ITALIC, 3), (BLINK, 5), (REVERSE, 7), (INVISIBLE, 8), (STRIKE, 9),
                   (OVERLINE, 53))


def _report_colour(colour: int, extended: int, base: int | None = None) -> str:
    """One colour as SGR: `base`+0-7 and `base`+60+0-7 for the first 16 (when there is a `base`), else
    `38:5:n` or `38:2::r:g:b` (colon forms, which cannot be misread)."""
    kind = colour & COLOR_KIND_MASK
    value = colour & 0xFFFFFF
    if kind == COLOR_PALETTE:
        if base is not None and value < 16:
            return f";{base + value if value < 8 else base + 60 + value - 8}"
        return f";{extended}:5:{value}"
    if kind == COLOR_RGB:
        return f";{extended}:2::{value >> 16}:{value >> 8 & 0xFF}:{value & 0xFF}"
    return ""


def sgr_report(style: Style) -> str:
    """The SGR parameters that set `style` from the default, as DECRQSS reports the pen (xterm's form: always
    starting with 0, e.g. ``0;1;31``)."""
    fg, bg, ul, attrs = style
    params = [(param, str(param)) for bit, param in _REPORTED_ATTRS if attrs & bit]
    kind = underline_style(attrs)
    if kind:
        params.append((4, "4" if kind == 1 else f"4:{kind}"))
    params.sort()
    return ("0" + "".join(";" + text for _, text in params) + _report_colour(fg, 38, 30) + _report_colour(bg, 48, 40)
            + _report_colour(ul, 58))


def _xterm_palette() -> list[int]:
    base = [0x000000, 0xCD0000, 0x00CD00, 0xCDCD00, 0x0000EE, 0xCD00CD, 0x00CDCD, 0xE5E5E5,
            0x7F7F7F, 0xFF0000, 0x00FF00, 0xFFFF00, 0x5C5CFF, 0xFF00FF, 0x00FFFF, 0xFFFFFF]
    levels = [0, 95, 135, 175, 215, 255]
    cube = [levels[r] << 16 | levels[g] << 8 | levels[b] for r in range(6) for g in range(6) for b in range(6)]
    grey = [(8 + 10 * k) * 0x010101 for k in range(24)]
    return base + cube + grey


XTERM_PALETTE = tuple(_xterm_palette())
#: xterm's default foreground and background (also the cursor's colour) where no theme says otherwise.
XTERM_FOREGROUND = XTERM_PALETTE[7]
XTERM_BACKGROUND = XTERM_PALETTE[0]


def palette_rgb(colour: int, palette: tuple[int, ...] = XTERM_PALETTE) -> int | None:
    """0xRRGGBB of a palette or RGB colour; None for the default colour."""
    kind = colour & COLOR_KIND_MASK
    if kind == COLOR_RGB:
        return colour & 0xFFFFFF
    if kind == COLOR_PALETTE:
        return palette[colour & 0xFF]
    return None
