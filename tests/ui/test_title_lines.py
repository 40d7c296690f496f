"""Pane title lines on the client side: the mirror takes the layout's optional `titles` field (skipping entries of
another shape, and none from a server that sends no such field), and a title line is drawn in exactly its width
of cells whatever its text (`window_view.title_cells`)."""

from __future__ import annotations

from rich.cells import cell_len

from mux.ui.mirror import SessionMirror, TitlePlace
from mux.ui.window_view import title_cells

LAYOUT = {"t": "layout", "session": "s", "windows": [[0, "sh", True]], "cols": 80, "rows": 24,
          "panes": [[1, 0, 1, 80, 23, "sh", 0]], "separators": [], "active": 1, "zoomed": False}


def test_the_mirror_reads_title_lines_and_skips_bad_entries():
    mirror = SessionMirror()
    mirror.apply_layout({**LAYOUT, "titles": [[1, 0, 0, 80, "0: sh"], [1, 0, 0, "80", "x"], "junk", [True, 0, 0, 1, ""],
                                              [2, 0, 0, 80]]})
    assert mirror.titles == [TitlePlace(1, 0, 0, 80, "0: sh")]
    mirror.apply_layout(LAYOUT)                  # a server without border titles
    assert mirror.titles == []
    mirror.apply_layout({**LAYOUT, "titles": {"not": "a list"}})
    assert mirror.titles == []


def test_title_cells_fill_exactly_the_width():
    assert "".join(title_cells("0: vim", 12)) == "─ 0: vim ───"
    assert "".join(title_cells("0: vim", 5)) == "─ 0: "
    assert title_cells("0: vim", 0) == []
    for width in range(0, 16):
        for text in ("0: 中文中文", "1: e\u0301te\u0301", "2: 👍👍👍", "3: " + "x" * 40):
            cells = title_cells(text, width)
            assert len(cells) == width
            assert sum(cell_len(c) for c in cells) == width, (text, width, cells)
    assert title_cells("0: 中", 6) == ["─", " ", "0", ":", " ", "─"]       # a wide character is never split
    assert title_cells("0: 中", 7) == ["─", " ", "0", ":", " ", "中", ""]
    assert title_cells("e\u0301", 4) == ["─", " ", "e\u0301", " "]          # a combining mark joins its letter
