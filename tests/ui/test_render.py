"""Palette: cell styles to Rich styles."""

from mux.terminal.styles import BOLD, COLOR_PALETTE, PROTECTED
from mux.ui.render import Palette


def test_protected_cells_render_like_unprotected_ones():
    """Character protection is not a look: the UI draws a protected cell exactly as the same cell unprotected."""
    palette = Palette()
    for style in [(0, 0, 0, 0), (COLOR_PALETTE | 1, COLOR_PALETTE | 4, 0, BOLD)]:
        protected = (*style[:3], style[3] | PROTECTED)
        assert palette.rich(protected) == palette.rich(style)
        assert palette.rich(protected, reverse_video=True) == palette.rich(style, reverse_video=True)
