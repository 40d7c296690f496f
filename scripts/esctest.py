#!/usr/bin/env python3
"""Run esctest2 (ThomasDickey/esctest2, xterm's conformance suite) against mux's emulator headlessly, and
optionally against libghostty-vt (pyghostty) in the same run; print pass / known-bug / fail counts by test class.

Usage: python scripts/esctest.py ESCTEST2_DIR [--include REGEX] [--emulator mux|ghostty|both] [--jobs N]
                                 [--timeout S] [--failures] [--json PATH]

ESCTEST2_DIR is a checkout of https://github.com/ThomasDickey/esctest2 (it is not on PyPI; it is never vendored
here and CI does not need it).  Every test runs alone: a fresh emulator at 80x25 (the size esctest's reset asks
for), and ``esctest.py --expected-terminal xterm --include '^Class\\.test$'`` as its child on a pseudo-terminal.
The harness feeds the child's output to the emulator (mux: ``mux.terminal.stream.Stream`` into a
``mux.terminal.terminal.Terminal``, the compiled hot path when it is built) and writes the emulator's replies back.

esctest reads the screen back with DECRQCRA (``CSI Pi ; Pg ; Pt ; Pl ; Pb ; Pr * y``, a checksum of a
rectangle), which mux does not offer (it lets any program read the screen; neither Ghostty nor tmux has it): the
harness answers it from the emulator's cells, before the emulator sees it, as the xterm esctest assumes by default
(the 16-bit sum of the codepoints negated, an empty cell counting as a blank; coordinates relative to the scroll
margins in origin mode).  For libghostty-vt the harness also answers ``CSI 18 t`` (text area size), which Ghostty
does not; mux answers it itself.

A test's outcome comes from esctest's log: "Passed." is a pass; "Fails as expected" (a bug esctest knows in xterm)
and "Skipped because" (a VT level above the one tested) are known-bug; anything else, a child that does not end
within 60 s included, is a fail.  ``--failures`` prints each failing test with the first line of its error.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import fcntl
import json
import os
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path

COLS, ROWS = 80, 25
TEST_LIMIT_S = 60.0
# DECRQCRA (7- or 8-bit CSI) and, for emulators that lack it, the text-area size report.
DECRQCRA = re.compile(rb"(?:\x1b\[|\x9b)([0-9;]*)\*y")
SIZE_REPORT = re.compile(rb"(?:\x1b\[|\x9b)18t")
# The longest prefix of either that can still be waiting for its last bytes at the end of a read.
INCOMPLETE = re.compile(rb"(?:\x1b|\x1b\[[0-9;]*\*?|\x9b[0-9;]*\*?)\Z")

LIST_TESTS = """
import sys
sys.argv = ["esctest"]
import esc, escargs, esccmd, escio, esclog, esctypes, escutil   # esctest's own import order (they are circular)
escargs.args = escargs.parser.parse_args([])
import tests
for cls in tests.tests:
    for name in dir(cls):
        if name.startswith("test_"):
            print(cls.__name__ + "." + name)
"""


class MuxEmulator:
    """mux's Terminal fed by its Stream."""

    name = "mux"
    answers_size = True

    def __init__(self, reply: Callable[[bytes], None]) -> None:
        from mux.terminal.stream import Stream
        from mux.terminal.terminal import Terminal
        self.terminal = Terminal(COLS, ROWS, on_reply=reply)
        self.stream = Stream(self.terminal)

    def feed(self, data: bytes) -> None:
        self.stream.feed(data)

    def codepoint(self, x: int, y: int) -> int:
        page, r = self.terminal.line(y)
        return page.codepoint_at(r, x)

    def origin(self) -> tuple[int, int] | None:
        """(left, top) of the scroll margins when origin mode is on, else None."""
        modes = self.terminal.modes
        return (getattr(modes, "margin_left", 0), modes.margin_top) if modes.origin else None


class GhosttyEmulator:
    """libghostty-vt through pyghostty (grapheme clustering on, as Ghostty ships)."""

    name = "libghostty-vt"
    answers_size = False

    def __init__(self, reply: Callable[[bytes], None]) -> None:
        import pyghostty
        from wcwidth import wcwidth
        self.wcwidth = wcwidth
        self.terminal = pyghostty.Terminal(COLS, ROWS)
        self.terminal.on_reply(reply)
        self.terminal.feed(b"\x1b[?2027h")

    def feed(self, data: bytes) -> None:
        self.terminal.feed(data)

    def codepoint(self, x: int, y: int) -> int:
        lines = self.terminal.text().split("\n")     # trailing blank lines and cells are left out
        col = 0
        for ch in lines[y] if y < len(lines) else "":
            width = max(1, self.wcwidth(ch))
            if col <= x < col + width:
                return ord(ch) if col == x else 0
            col += width
        return 0

    def origin(self) -> tuple[int, int] | None:
        return None     # pyghostty exposes neither origin mode nor the margins


EMULATORS = {"mux": MuxEmulator, "ghostty": GhosttyEmulator}


def checksum(emulator: MuxEmulator | GhosttyEmulator, params: bytes) -> int:
    """xterm's DECRQCRA checksum of the rectangle `params` asks for (Pi ; Pg ; Pt ; Pl ; Pb ; Pr), before the
    version-279 change that esctest assumes by default: minus the sum of the cells, blanks for empty cells."""
    values = [int(p) if p else 0 for p in params.split(b";")] + [0] * 6
    top, left, bottom, right = (values[2] or 1), (values[3] or 1), (values[4] or ROWS), (values[5] or COLS)
    origin = emulator.origin()
    if origin is not None:
        left, top, right, bottom = left + origin[0], top + origin[1], right + origin[0], bottom + origin[1]
    total = 0
    for y in range(max(1, top), min(ROWS, bottom) + 1):
        for x in range(max(1, left), min(COLS, right) + 1):
            total += emulator.codepoint(x - 1, y - 1) or 32
    return -total & 0xFFFF


def run_test(esctest_dir: Path, name: str, emulator_name: str, timeout: float) -> tuple[str, str]:
    """(outcome, detail) of one test: 'pass', 'known-bug' or 'fail'."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "esctest.log"
        include = "^" + re.escape(name) + "$"
        child = subprocess.Popen(
            [sys.executable, "esctest.py", "--expected-terminal", "xterm", "--include", include,
             "--no-print-logs", "--logfile", str(log), "--timeout", str(timeout), "--v", "2"],
            cwd=esctest_dir / "esctest", stdin=slave, stdout=slave, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True)
        os.close(slave)

        def reply(data: bytes) -> None:
            os.write(master, data)

        emulator = EMULATORS[emulator_name](reply)
        pending = b""
        deadline = time.monotonic() + TEST_LIMIT_S
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([master], [], [], 0.5)
                if not ready:
                    if child.poll() is not None:
                        break
                    continue
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                pending = feed(emulator, pending + chunk, reply)
            else:
                return "fail", f"no end within {TEST_LIMIT_S:.0f} s"
        finally:
            if child.poll() is None:
                child.kill()
            child.wait()
            os.close(master)
        text = log.read_text(errors="replace") if log.exists() else ""
    if "Passed." in text:
        return "pass", ""
    if "Fails as expected" in text or "Skipped because" in text:
        return "known-bug", ""
    return "fail", failure_detail(text)


def failure_detail(log: str) -> str:
    """The exception line of the test's traceback (and the line after it when the message goes on there)."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            rest = [x for x in lines[i + 1:] if not x.startswith(" ")]
            if rest:
                detail = rest[0] + (" " + rest[1] if rest[0].endswith(":") and len(rest) > 1 else "")
                return detail[:200]
    return "no result in esctest's log" if log else "no log"


def feed(emulator: MuxEmulator | GhosttyEmulator, data: bytes, reply: Callable[[bytes], None]) -> bytes:
    """Feed `data`, answering the reports the harness owns in order; returns a tail held for the next read (the
    start of a sequence the harness may have to answer)."""
    patterns = [DECRQCRA] + ([] if emulator.answers_size else [SIZE_REPORT])
    while True:
        found = [m for m in (p.search(data) for p in patterns) if m is not None]
        if not found:
            break
        m = min(found, key=lambda m: m.start())
        emulator.feed(data[:m.start()])
        if m.re is DECRQCRA:
            pid = m.group(1).split(b";")[0].decode() or "0"
            reply(f"\x1bP{pid}!~{checksum(emulator, m.group(1)):04X}\x1b\\".encode())
        else:
            reply(f"\x1b[8;{ROWS};{COLS}t".encode())
        data = data[m.end():]
    tail = INCOMPLETE.search(data)
    cut = tail.start() if tail else len(data)
    emulator.feed(data[:cut])
    return data[cut:]


def list_tests(esctest_dir: Path) -> list[str]:
    out = subprocess.run([sys.executable, "-c", LIST_TESTS], cwd=esctest_dir / "esctest", capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"esctest: cannot list the tests in {esctest_dir}: "
                         f"{(out.stderr.strip().splitlines() or ['?'])[-1]}")
    return sorted(out.stdout.split())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("esctest_dir", type=Path, help="a checkout of ThomasDickey/esctest2")
    parser.add_argument("--include", default="", help="only tests whose Class.test name matches this regex")
    parser.add_argument("--emulator", choices=("mux", "ghostty", "both"), default="mux")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=0.5, help="esctest's wait for each reply byte (s)")
    parser.add_argument("--failures", action="store_true", help="list each failing test and its error")
    parser.add_argument("--json", type=Path, help="write every outcome here")
    args = parser.parse_args()
    if not (args.esctest_dir / "esctest" / "esctest.py").is_file():
        print(f"esctest: {args.esctest_dir} is not an esctest2 checkout (no esctest/esctest.py)", file=sys.stderr)
        return 2
    try:
        include = re.compile(args.include)
    except re.error as exc:
        print(f"esctest: bad --include regex: {exc}", file=sys.stderr)
        return 2
    names = [n for n in list_tests(args.esctest_dir) if include.search(n)]
    emulators = ["mux", "ghostty"] if args.emulator == "both" else [args.emulator]
    if "ghostty" in emulators:
        try:
            import pyghostty  # noqa: F401
        except ImportError as exc:
            print(f"esctest: libghostty-vt needs pyghostty (pip install pyghostty): {exc}", file=sys.stderr)
            return 2
    results: dict[str, dict[str, tuple[str, str]]] = {}
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        for emulator in emulators:
            futures = {n: pool.submit(run_test, args.esctest_dir, n, emulator, args.timeout) for n in names}
            results[emulator] = {n: f.result() for n, f in futures.items()}
    print_table(names, results)
    print(f"\n{len(names)} tests, {time.monotonic() - started:.0f} s")
    if args.failures:
        for emulator, outcome in results.items():
            print(f"\n## {emulator} failures\n")
            for name in names:
                status, detail = outcome[name]
                if status == "fail":
                    print(f"- {name}: {detail}")
    if args.json:
        args.json.write_text(json.dumps({e: {n: list(r) for n, r in o.items()} for e, o in results.items()},
                                        indent=1))
    return 0


def print_table(names: list[str], results: dict[str, dict[str, tuple[str, str]]]) -> None:
    by_class: dict[str, list[str]] = collections.defaultdict(list)
    for name in names:
        by_class[name.split(".")[0]].append(name)
    emulators = list(results)
    print("| class | tests | " + " | ".join(f"{e} pass / known / fail" for e in emulators) + " |")
    print("|---|---:|" + "---:|" * len(emulators))

    def counts(emulator: str, members: list[str]) -> str:
        c = collections.Counter(results[emulator][n][0] for n in members)
        return f"{c['pass']} / {c['known-bug']} / {c['fail']}"

    for cls, members in sorted(by_class.items()):
        print(f"| {cls} | {len(members)} | " + " | ".join(counts(e, members) for e in emulators) + " |")
    print(f"| **all** | **{len(names)}** | " + " | ".join(f"**{counts(e, names)}**" for e in emulators) + " |")


if __name__ == "__main__":
    sys.exit(main())
