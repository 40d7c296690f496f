"""scripts/esctest.py: the esctest2 harness answers DECRQCRA from the emulator's cells, holds a split request until
it is whole, and classifies each test from esctest's log. esctest2 itself is not needed: a stand-in checkout with
the same layout plays its part."""

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("esctest_harness", ROOT / "scripts" / "esctest.py")
harness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(harness)


def emulator_with_replies():
    replies = []
    return harness.MuxEmulator(replies.append), replies


def test_decrqcra_is_answered_from_the_cells_and_never_reaches_the_emulator():
    emulator, replies = emulator_with_replies()
    held = harness.feed(emulator, b"AB\x1b[1;1;1;1;1;2*y", replies.append)
    assert held == b""
    assert replies == [b"\x1bP1!~%04X\x1b\\" % (-(ord("A") + ord("B")) & 0xFFFF)]


def test_an_empty_cell_counts_as_a_blank():
    emulator, replies = emulator_with_replies()
    harness.feed(emulator, b"\x1b[7;1;4;3;4;3*y", replies.append)
    assert replies == [b"\x1bP7!~%04X\x1b\\" % (-32 & 0xFFFF)]


def test_a_request_split_across_reads_is_answered_once_whole():
    emulator, replies = emulator_with_replies()
    held = harness.feed(emulator, b"Z\x1b[1;1;1;1;1;1", replies.append)
    assert held == b"\x1b[1;1;1;1;1;1" and replies == []
    assert harness.feed(emulator, held + b"*y", replies.append) == b""
    assert replies == [b"\x1bP1!~%04X\x1b\\" % (-ord("Z") & 0xFFFF)]


def test_checksum_coordinates_follow_the_scroll_margins_in_origin_mode():
    emulator, replies = emulator_with_replies()
    # 'Q' at row 3 column 1, then origin mode with the top margin at row 3: the rectangle (1,1) is that cell.
    harness.feed(emulator, b"\x1b[3;1HQ\x1b[3;10r\x1b[?6h\x1b[1;1;1;1;1;1*y", replies.append)
    assert replies == [b"\x1bP1!~%04X\x1b\\" % (-ord("Q") & 0xFFFF)]


def test_failure_detail_is_the_exception_line_of_the_traceback():
    log = textwrap.dedent("""\
        Run test: XTests.test_y
        *** TEST XTests.test_y FAILED:
        Traceback (most recent call last):
          File "esctest.py", line 109, in RunTest
            method()
        esctypes.ChecksumException: Checksum failed at the following locations:
        At Point(x=5, y=6) expected 'X' (0x58) but got ' ' (0x20)
        """)
    assert harness.failure_detail(log) == ("esctypes.ChecksumException: Checksum failed at the following locations: "
                                           "At Point(x=5, y=6) expected 'X' (0x58) but got ' ' (0x20)")
    assert harness.failure_detail("") == "no log"


# A stand-in esctest2 checkout: the modules esctest's test listing imports, two tests, and an esctest.py that
# writes 'a', asks for the checksum of cell (1,1) and logs "Passed." only when the answer is right.
FAKE_ESCTEST = '''
import argparse, os, re, sys, tty
tty.setraw(0)   # as esctest does: no line discipline between the harness and the test
parser = argparse.ArgumentParser()
for flag in ("--expected-terminal", "--include", "--logfile", "--timeout", "--v"):
    parser.add_argument(flag)
parser.add_argument("--no-print-logs", action="store_true")
args = parser.parse_args()
os.write(1, b"a\\x1b[1;1;1;1;1;1*y")
reply = b""
while not reply.endswith(b"\\x1b\\\\"):
    reply += os.read(0, 64)
right = reply == b"\\x1bP1!~%04X\\x1b\\\\" % (-ord("a") & 0xFFFF)
wants_pass = args.include.endswith("test_pass$")
with open(args.logfile, "w") as log:
    log.write("Passed.\\n" if right and wants_pass else "Traceback (most recent call last):\\nX: wrong\\n")
'''


def make_checkout(tmp_path: Path) -> Path:
    root = tmp_path / "esctest2"
    (root / "esctest" / "tests").mkdir(parents=True)
    for name in ("esc", "esccmd", "escio", "esclog", "esctypes", "escutil"):
        (root / "esctest" / f"{name}.py").write_text("")
    (root / "esctest" / "escargs.py").write_text("import argparse\nparser = argparse.ArgumentParser()\n")
    (root / "esctest" / "tests" / "__init__.py").write_text(
        "class FakeTests:\n    def test_pass(self): pass\n    def test_fail(self): pass\ntests = [FakeTests]\n")
    (root / "esctest" / "esctest.py").write_text(FAKE_ESCTEST)
    return root


def test_the_script_runs_each_test_and_prints_counts_by_class(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "esctest.py"), str(make_checkout(tmp_path)),
                           "--jobs", "1", "--failures"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "| FakeTests | 2 | 1 / 0 / 1 |" in done.stdout
    assert "- FakeTests.test_fail: X: wrong" in done.stdout


def test_a_directory_that_is_not_esctest2_is_one_line_and_status_2(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "esctest.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "not an esctest2 checkout" in done.stderr
