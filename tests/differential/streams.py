"""The byte streams the differential tests replay: recorded corpora (at checkpoints) and generated edge cases.

Owns: loading tests/corpora/*.bin and cutting each into checkpoints, and the `Stream` record every test is
parametrized over. A corpus is replayed to its end and also cut at a few points, because a full-screen
program restores the primary screen when it exits and its end state alone shows almost nothing:

- `end`: the whole stream (scrollback + screen).
- `before-alt-exit`: just before the last leave of the alternate screen (`CSI ? 1049/1047/47 l`), the
  program's final full screen; screen rows only, since the alternate screen has no scrollback.
- `third`, `two-thirds`: a third and two thirds of the way in, moved forward to a clean boundary (the end of a
  synchronized update when the stream uses them, else the next CSI); screen only when the alternate screen
  is active there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.differential.edge_cases import EDGE_CASES

CORPORA_DIR = Path(__file__).resolve().parents[1] / "corpora"

#: Every corpus was recorded (or generated) at this size; see tests/corpora/README.md.
CORPUS_COLS, CORPUS_ROWS = 80, 24

_ALT_ENTER = re.compile(rb"\x1b\[\?(?:1049|1047|47)h")
_ALT_LEAVE = re.compile(rb"\x1b\[\?(?:1049|1047|47)l")
_SYNC_END = b"\x1b[?2026l"


@dataclass(frozen=True)
class Stream:
    id: str            # unique test id, e.g. "vim@before-alt-exit" or "edge:autowrap"
    source: str        # corpus or edge-case name: what ACCEPTED entries are keyed by
    data: bytes
    cols: int
    rows: int
    screen_only: bool

    def __repr__(self) -> str:  # keeps pytest ids and assertion messages short
        return f"Stream({self.id}, {len(self.data)} bytes, {self.cols}x{self.rows})"


def _in_alt_screen(data: bytes, end: int) -> bool:
    enters = [m.start() for m in _ALT_ENTER.finditer(data, 0, end)]
    leaves = [m.start() for m in _ALT_LEAVE.finditer(data, 0, end)]
    return bool(enters) and (not leaves or enters[-1] > leaves[-1])


def _boundary_after(data: bytes, pos: int) -> int:
    """The first clean cut at or after `pos`: after a synchronized update's end, or before a CSI."""
    if _SYNC_END in data:
        i = data.find(_SYNC_END, pos)
        return len(data) if i < 0 else i + len(_SYNC_END)
    i = data.find(b"\x1b[", pos)
    return len(data) if i < 0 else i


def corpus_checkpoints(name: str, data: bytes) -> list[Stream]:
    cuts: dict[str, int] = {}
    for label, frac in (("third", 1 / 3), ("two-thirds", 2 / 3)):
        cut = _boundary_after(data, int(len(data) * frac))
        if 0 < cut < len(data):
            cuts[label] = cut
    leaves = list(_ALT_LEAVE.finditer(data))
    if leaves:
        cuts["before-alt-exit"] = leaves[-1].start()
    streams = [
        Stream(f"{name}@{label}", name, data[:cut], CORPUS_COLS, CORPUS_ROWS, _in_alt_screen(data, cut))
        for label, cut in cuts.items()
    ]
    streams.append(Stream(f"{name}@end", name, data, CORPUS_COLS, CORPUS_ROWS, _in_alt_screen(data, len(data))))
    return streams


def corpus_names() -> list[str]:
    return sorted(p.stem for p in CORPORA_DIR.glob("*.bin"))


def corpus_streams() -> list[Stream]:
    out: list[Stream] = []
    for name in corpus_names():
        out += corpus_checkpoints(name, (CORPORA_DIR / f"{name}.bin").read_bytes())
    return out


def edge_streams() -> list[Stream]:
    return [Stream(f"edge:{c.name}", c.name, c.data, c.cols, c.rows, c.screen_only) for c in EDGE_CASES.values()]


def all_streams() -> list[Stream]:
    return corpus_streams() + edge_streams()
