"""The soak's line check: reading back each pane's transcripts and checking that no committed line was lost.

Owns: the transcript files of a pane's runs (`TranscriptStore`: run00000.txt + .live, ..., pruned once newer
finished runs hold enough lines), the pane's lines as logical lines (`pane_lines`), and the match between them
(`check_lines` -> `LineCheck`).

The check. Expected tail E of a pane: its runs' transcripts in order, each run's committed lines followed by that
run's final live region (from `<transcript>.live`; a run cut short leaves a wildcard of at most GAP_MAX
arbitrary lines instead). Pane lines P: the primary screen's history and active rows joined into logical lines
(rows flagged ROW_WRAP continue on the next row; a spacer-head cell at a wrap point is dropped), trailing blanks
stripped, trailing empty lines dropped. P must equal a suffix of E, matched from the bottom up, line for line:
every committed line from the newest back to the oldest one still held must be present, in order, contiguous,
with nothing else between them except the live regions at run boundaries. The top pane line may be the tail of
a line whose first rows were pruned (its first row is a continuation), so it only has to end the expected line.
Where P runs out, older lines were pruned by the limit and are not counted; where E runs out first, P holds
lines nobody wrote. At a mismatch the check resynchronises (within RESYNC lines, on the reading after which most
lines agree again), so the result counts lines lost (expected, absent) and lines unexpected (present, not
expected) rather than stopping at the first.

Invariants: transcript line counts are read in 64 KiB chunks (large transient buffers would raise glibc's mmap
threshold and with it the soak's RSS high-water mark); `check_lines` never raises for any input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mux.terminal.page import CELL_SPACER_HEAD, ROW_WRAP, ROW_WRAP_CONTINUATION
from mux.terminal.terminal import Terminal

__all__ = ["GAP_MAX", "RESYNC", "LineCheck", "RunTranscript", "TranscriptStore", "check_lines", "expected_items",
           "pane_lines"]

GAP_MAX = 16                    # lines a run cut short may leave unaccounted (its live region, an unlogged line)
RESYNC = 64


# ---------------------------------------------------------------------------------------------- transcripts


@dataclass
class RunTranscript:
    index: int
    lines: list[str]
    live: list[str] | None          # the run's final live region; None when the run was cut short


class TranscriptStore:
    """The transcript files of one pane's runs: run00000.txt (+ .live), run00001.txt, ..."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.deleted_upto = 0           # runs with a lower index were deleted (no longer needed)
        self._counts: dict[int, int] = {}

    def indexes(self) -> list[int]:
        return sorted(int(p.stem[3:]) for p in self.folder.glob("run*.txt") if p.stem[3:].isdigit())

    def path(self, index: int) -> Path:
        return self.folder / f"run{index:05d}.txt"

    def _count(self, index: int) -> int:
        if index not in self._counts:
            with open(self.path(index), "rb") as f:
                self._counts[index] = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 16), b""))
        return self._counts[index]

    def prune(self, keep_lines: int) -> int:
        """Delete the oldest runs once finished newer runs (not the newest, still being written) hold
        `keep_lines` lines. Returns the number of runs deleted."""
        indexes = self.indexes()
        held = 0
        deleted = 0
        for pos in range(len(indexes) - 2, -1, -1):
            if held >= keep_lines:
                for old in indexes[:pos + 1]:
                    self.path(old).unlink(missing_ok=True)
                    Path(str(self.path(old)) + ".live").unlink(missing_ok=True)
                    self._counts.pop(old, None)
                    deleted += 1
                self.deleted_upto = indexes[pos] + 1
                break
            held += self._count(indexes[pos])
        return deleted

    def runs(self) -> list[RunTranscript]:
        out = []
        for index in self.indexes():
            lines = self.path(index).read_text(encoding="utf-8").split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            live_path = Path(str(self.path(index)) + ".live")
            live = None
            if live_path.is_file():
                live = live_path.read_text(encoding="utf-8").split("\n")
                if live and live[-1] == "":
                    live.pop()
            out.append(RunTranscript(index, lines, live))
        return out


# ---------------------------------------------------------------------------------------------- the line check


def pane_lines(terminal: Terminal) -> tuple[list[str], bool]:
    """The primary screen's history and active rows as logical lines (soft-wrapped rows joined, trailing blanks
    stripped, trailing empty lines dropped), and whether the first line is the tail of a pruned line."""
    terminal.display()                      # flushes pending drawing
    pl = terminal.primary.pages
    first_partial = False
    lines: list[str] = []
    parts: list[str] = []
    for k, (page, r) in enumerate(pl.scan(0, pl.total_rows)):
        if k == 0:
            first_partial = bool(page.rflags[r] & ROW_WRAP_CONTINUATION)
        text = page.row_text(r)
        if page.rflags[r] & ROW_WRAP:
            if page.flags_at(r, page.cols - 1) & CELL_SPACER_HEAD:
                text = text[:-1]        # the empty last cell left by a wide character that wrapped early
            parts.append(text)
            continue
        parts.append(text)
        lines.append("".join(parts).rstrip())
        parts = []
    if parts:
        lines.append("".join(parts).rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return lines, first_partial


@dataclass
class LineCheck:
    checked: int = 0                # committed lines found where expected
    lost: int = 0                   # committed lines expected in the pane and absent
    extra: int = 0                  # pane lines that nobody wrote there
    live_missing: int = 0           # lines of a final live region expected at a run boundary and absent
    reached_start: bool = False     # every transcript line is still in the pane (nothing pruned yet)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.extra == 0 and self.live_missing == 0 and self.checked > 0


_WILD = None    # a wildcard gap in the expected sequence


def expected_items(runs: list[RunTranscript]) -> list[tuple[str | None, bool]]:
    """(text, committed) for every line expected in the pane, top to bottom; (None, False) is a wildcard gap."""
    items: list[tuple[str | None, bool]] = []
    for run in runs:
        items.extend((line, True) for line in run.lines)
        if run.live is None:
            items.append((_WILD, False))
        else:
            items.extend((line, False) for line in run.live)
    return items


def check_lines(pane: list[str], first_partial: bool, runs: list[RunTranscript], *,
                transcripts_complete: bool, max_problems: int = 5) -> LineCheck:
    """Match the pane's logical lines against the expected tail, bottom up (see the module docstring).

    `transcripts_complete`: `runs` start with the pane's first run (none was deleted)."""
    result = LineCheck()
    items = expected_items(runs)
    while items and items[-1][0] == "":       # the pane's trailing empty lines are dropped: drop them here too
        items.pop()
    i, j = len(pane) - 1, len(items) - 1

    def note(text: str) -> None:
        if len(result.problems) < max_problems:
            result.problems.append(text)

    def same(pi: int, text: str) -> bool:
        return pane[pi] == text or (pi == 0 and first_partial and text.endswith(pane[0]))

    def agree(pi: int, ej: int, most: int = 8) -> int:
        """How many lines match going up from pane line `pi` and expected item `ej`."""
        n = 0
        while n < most and pi - n >= 0 and ej - n >= 0 and items[ej - n][0] is not _WILD \
                and same(pi - n, items[ej - n][0]):
            n += 1
        return n

    def count_missing(lo: int, hi: int) -> None:
        for m in range(lo, hi + 1):
            if items[m][0] is not _WILD:
                if items[m][1]:
                    result.lost += 1
                else:
                    result.live_missing += 1

    while i >= 0 and j >= 0:
        text, committed = items[j]
        if text is _WILD:
            j -= 1
            while j >= 0 and items[j][0] is _WILD:
                j -= 1
            if j < 0:                   # a cut-short first run: up to GAP_MAX lines of anything above
                i = max(-1, i - GAP_MAX)
                break
            target = items[j][0]
            k = next((k for k in range(i, max(-1, i - GAP_MAX - 1), -1) if same(k, target)), None)
            if k is not None:
                i = k
            continue
        if same(i, text):
            result.checked += committed
            i -= 1
            j -= 1
            continue
        # Resynchronise: take the reading (pane lines nobody wrote, expected lines absent, or one line changed)
        # after which the most lines agree again; on a tie, the one that skips fewest lines.
        best = (agree(i - 1, j - 1), -2, 1, 1)
        for k in range(1, RESYNC):
            if i - k >= 0 and same(i - k, text):
                best = max(best, (agree(i - k, j), -k, k, 0))
        for m in range(1, RESYNC):
            if j - m >= 0 and items[j - m][0] is not _WILD and same(i, items[j - m][0]):
                best = max(best, (agree(i, j - m), -m, 0, m))
        _, _, skip_pane, skip_expected = best
        if skip_pane and skip_expected:
            note(f"logical line {i + 1} is {pane[i]!a}, expected {text!a}")
            count_missing(j, j)
            result.extra += 1
        elif skip_pane:
            note(f"{skip_pane} line(s) nobody wrote there, from logical line {i + 1} up: {pane[i]!a}")
            result.extra += skip_pane
        else:
            note(f"{skip_expected} expected line(s) absent above logical line {i + 1}: {text!a}")
            count_missing(j - skip_expected + 1, j)
        i -= skip_pane
        j -= skip_expected
    if j < 0 and i >= 0:
        result.extra += i + 1
        if transcripts_complete:
            note(f"{i + 1} line(s) at the top of the pane that no run wrote: {pane[i]!a}")
        else:
            note(f"the kept transcripts end {i + 1} line(s) short of the pane's top (deleted too early)")
    result.reached_start = j < 0
    return result
