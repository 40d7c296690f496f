"""Record real programs' terminal output as raw byte corpora for the differential tests.

Owns: how every file in tests/corpora/ is made. Each program runs under a pseudo-terminal of a fixed size
(80x24 unless told) with TERM=xterm-256color, is driven by scripted keystrokes with small delays, and every
byte it writes to the PTY is saved unchanged to tests/corpora/NAME.bin. The bytes are what a terminal
emulator receives, so they already carry the tty's \\r\\n translation.

While recording, the program's queries (device attributes, mode reports, ...) are answered by a headless
Ghostty terminal when pyghostty is importable, so programs see a realistic terminal; without it they get no
replies (they still work, some with fewer features).

The `agent` corpus is generated rather than recorded: the first frames of the soak's load generator
(mux.soak.agent_stress, the one agent-like generator of mux: emoji clusters, flags, skin tones, VS16, CJK, OSC 8
links, truecolor, box drawing, an Ink-style live region redrawn under synchronized output).

The tests never run this script: CI machines may lack vim or htop. Re-record with
    python scripts/record_corpus.py            # every corpus
    python scripts/record_corpus.py vim less   # some
and update tests/corpora/README.md when a recipe changes.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ptyprocess import PtyProcess

from mux.soak.agent_stress import MAX_LIVE, endless_frames

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "tests" / "corpora"
MAX_BYTES = 300 * 1024
COLS, ROWS = 80, 24


@dataclass
class Step:
    """Wait `delay` seconds, then type `keys`."""

    delay: float
    keys: bytes = b""


@dataclass
class Recipe:
    """How to make one corpus: a command line and the keystrokes that drive it."""

    argv: list[str]
    steps: list[Step] = field(default_factory=list)
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    exit_timeout: float = 10.0
    helpers: list[subprocess.Popen] = field(default_factory=list)  # stopped after recording


class _Replier:
    """Answers the program's terminal queries through a headless Ghostty, if pyghostty is available."""

    def __init__(self, proc: PtyProcess, cols: int, rows: int) -> None:
        try:
            from pyghostty import Terminal
        except Exception:  # noqa: BLE001 - any import failure means: record without replies
            self.term = None
            return
        self.term = Terminal(cols=cols, rows=rows)

        def reply(data: bytes) -> None:
            proc.write(data)

        self.term.on_reply(reply)

    def feed(self, data: bytes) -> None:
        if self.term is not None:
            self.term.feed(data)


def record(recipe: Recipe, cols: int = COLS, rows: int = ROWS) -> bytes:
    """Run the recipe under a cols x rows PTY and return every byte the program wrote."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "COLUMNS": str(cols),
        "LINES": str(rows),
        **recipe.env,
    }
    proc = PtyProcess.spawn(recipe.argv, cwd=recipe.cwd, env=env, dimensions=(rows, cols))
    replier = _Replier(proc, cols, rows)
    chunks: list[bytes] = []
    failures: list[BaseException] = []

    def drain() -> None:
        while True:
            try:
                data = proc.read(65536)
            except EOFError:
                return
            chunks.append(data)
            try:
                replier.feed(data)
            except Exception as exc:  # noqa: BLE001 - reported by record() after the run
                failures.append(exc)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        for step in recipe.steps:
            time.sleep(step.delay)
            if step.keys:
                proc.write(step.keys)
        deadline = time.monotonic() + recipe.exit_timeout
        while proc.isalive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if proc.isalive():
            raise RuntimeError(f"{recipe.argv[0]} did not exit within {recipe.exit_timeout}s")
        reader.join(timeout=5)
        if failures:
            raise RuntimeError(f"answering {recipe.argv[0]}'s queries failed") from failures[0]
    finally:
        if proc.isalive():
            proc.terminate(force=True)
    return b"".join(chunks)


# --- recipes ---------------------------------------------------------------------------------------------

def _sample_source(lines: int = 120) -> str:
    """A Python-looking file with some CJK and emoji in comments and strings."""
    out = ['"""Sample module for the vim corpus. 日本語のドキュメント."""', "", "import os", ""]
    for i in range(lines):
        if i % 10 == 0:
            out.append(f"# section {i // 10}: 中文注释 ✅ and a longer comment that goes on past the eightieth"
                       " column here")
        out.append(f"def func_{i}(x):")
        out.append(f"    return x * {i} + len('データ{i}')  # 🎉")
    return "\n".join(out) + "\n"


def vim_recipe(tmp: Path) -> Recipe:
    src = tmp / "sample.py"
    src.write_text(_sample_source(), encoding="utf-8")
    esc = b"\x1b"
    return Recipe(
        argv=["vim", "-N", "-u", "DEFAULTS", "-i", "NONE", "-n", "+syntax on", str(src)],
        steps=[
            Step(0.8),
            Step(0.2, b"5G"),
            Step(0.2, b"o"),
            Step(0.1, "    # inserted: héllo wörld 你好世界 🎉🚀 emoji and CJK 漢字かなカナ".encode()),
            Step(0.1, b"\r    x = '\xe2\x9c\xa8 sparkle \xe2\x9c\xa8'"),
            Step(0.2, esc),
            Step(0.2, b"\x06"),  # Ctrl-F: page down
            Step(0.2, b"\x06"),
            Step(0.2, b"\x04"),  # Ctrl-D: half page down
            Step(0.2, b"\x02"),  # Ctrl-B: page up
            Step(0.2, b"G"),
            Step(0.2, b"gg"),
            Step(0.2, b":q!\r"),
        ],
    )


def less_recipe(tmp: Path) -> Recipe:
    text = tmp / "long.txt"
    rnd = random.Random(7)
    words = ["alpha", "beta", "gamma", "delta", "needle", "epsilon", "字符", "テスト", "zeta"]
    lines = []
    for i in range(400):
        n = rnd.randint(3, 30)
        lines.append(f"{i:04d} " + " ".join(rnd.choice(words) for _ in range(n)))
    text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Recipe(
        argv=["less", str(text)],
        env={"LESSHISTFILE": "-", "LESS": ""},
        steps=[
            Step(0.5),
            Step(0.2, b" "),
            Step(0.2, b" "),
            Step(0.2, b"/needle\r"),
            Step(0.3, b"n"),
            Step(0.2, b"n"),
            Step(0.2, b"G"),
            Step(0.2, b"q"),
        ],
    )


def _sleepers(n: int = 4) -> list[subprocess.Popen]:
    """A few idle processes for top/htop to list, so the corpus shows only processes made for it."""
    return [subprocess.Popen(["sleep", "60"]) for _ in range(n)]


def top_recipe(tmp: Path) -> Recipe:
    helpers = _sleepers()
    pids = ",".join(str(p.pid) for p in helpers)
    return Recipe(argv=["top", "-d", "0.5", "-p", pids], env={"HOME": str(tmp)}, steps=[Step(1.6), Step(0.1, b"q")],
                  helpers=helpers)


def htop_recipe(tmp: Path) -> Recipe:
    helpers = _sleepers()
    return Recipe(
        argv=["htop", "-d", "5", "-p", ",".join(str(p.pid) for p in helpers)],
        env={"HOME": str(tmp), "XDG_CONFIG_HOME": str(tmp)},
        helpers=helpers,
        steps=[Step(1.2), Step(0.3, b"\x1b[B\x1b[B"), Step(0.6, b"q")],
    )


def _git(repo: Path, *args: str, date: str) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(repo.parent),
        "GIT_AUTHOR_NAME": "Ada Tester",
        "GIT_AUTHOR_EMAIL": "ada@example.invalid",
        "GIT_COMMITTER_NAME": "Ada Tester",
        "GIT_COMMITTER_EMAIL": "ada@example.invalid",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def git_recipe(tmp: Path) -> Recipe:
    repo = tmp / "repo"
    repo.mkdir()
    day = iter(range(1, 100))

    def commit(msg: str) -> None:
        d = f"2024-01-{next(day):02d}T12:00:00+00:00"
        name = f"change_{d[8:10]}.txt"
        (repo / name).write_text(msg + "\n", encoding="utf-8")
        _git(repo, "add", name, date=d)
        _git(repo, "commit", "-q", "-m", msg, date=d)

    _git(repo, "init", "-q", "-b", "main", date="2024-01-01T00:00:00+00:00")
    commit("Initial commit")
    commit("Add parser skeleton")
    _git(repo, "checkout", "-q", "-b", "feature/wide", date="2024-01-01T00:00:00+00:00")
    commit("Support wide characters 中文 and emoji 🎉")
    commit("Handle grapheme clusters")
    _git(repo, "checkout", "-q", "main", date="2024-01-01T00:00:00+00:00")
    commit("Fix scroll regions")
    _git(repo, "checkout", "-q", "-b", "hotfix", date="2024-01-01T00:00:00+00:00")
    commit("Hotfix: tab stops")
    _git(repo, "checkout", "-q", "main", date="2024-01-01T00:00:00+00:00")
    _git(repo, "merge", "-q", "--no-ff", "-m", "Merge branch 'feature/wide'", "feature/wide",
         date="2024-01-20T12:00:00+00:00")
    commit("Release 0.1 with a rather long subject line that will wrap past the right margin of 80 cols")
    _git(repo, "merge", "-q", "--no-ff", "-m", "Merge branch 'hotfix'", "hotfix", date="2024-01-25T12:00:00+00:00")
    _git(repo, "tag", "v0.1", date="2024-01-25T12:00:00+00:00")
    return Recipe(
        argv=["git", "--no-pager", "log", "--graph", "--color=always", "--decorate", "--all", "--stat"],
        cwd=str(repo),
        env={"HOME": str(tmp), "GIT_CONFIG_NOSYSTEM": "1"},
    )


def ls_recipe(tmp: Path) -> Recipe:
    return Recipe(argv=["sh", "-c", "ls --color=always -la /usr/bin | head -100"], env={"TZ": "UTC"})


TEXTUAL_APP = '''
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header

ROWS = [
    ("lane", "swimmer", "country", "time"),
    (4, "Joseph Schooling", "Singapore 🇸🇬", 50.39),
    (2, "Michael Phelps", "United States", 51.14),
    (5, "Chad le Clos", "South Africa", 51.14),
    (6, "László Cseh", "Hungary", 51.14),
    (3, "Li Zhuhao 李朱濠", "China", 51.26),
    (8, "Mehdy Metella", "France", 51.58),
    (7, "Tom Shields", "United States", 51.73),
    (1, "Aleksandr Sadovnikov", "Russia", 51.84),
]


class Tiny(App):
    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*ROWS[0])
        table.add_rows(ROWS[1:])
        self.set_timer(1, self.exit)


Tiny().run()
'''


def textual_recipe(tmp: Path) -> Recipe:
    app = tmp / "tiny_app.py"
    app.write_text(TEXTUAL_APP, encoding="utf-8")
    return Recipe(argv=[sys.executable, str(app)], env={"TEXTUAL": "", "COLORTERM": "truecolor"}, exit_timeout=15)


# --- the generated agent-like stream ---------------------------------------------------------------------

AGENT_BYTES = 40_000            # the first frames of the stream until this many bytes
AGENT_SEED = 2026


def agent_stream(cols: int = COLS, rows: int = ROWS, seed: int = AGENT_SEED) -> bytes:
    """The first frames of the soak's load generator (mux.soak.agent_stress, the one agent-like generator) for a
    `cols`-wide screen (it needs at least MAX_LIVE + 1 rows), until AGENT_BYTES."""
    if rows <= MAX_LIVE:
        raise SystemExit(f"agent: the live region needs at least {MAX_LIVE + 1} rows")
    out = bytearray()
    for frame in endless_frames(seed, cols, bursts=True):
        out += frame
        if len(out) >= AGENT_BYTES:
            return bytes(out)
    raise AssertionError("an endless stream ended")


# --- driver ----------------------------------------------------------------------------------------------

RECIPES: dict[str, Callable[[Path], Recipe] | None] = {
    "vim": vim_recipe,
    "less": less_recipe,
    "top": top_recipe,
    "htop": htop_recipe,
    "git_log_graph": git_recipe,
    "ls_color": ls_recipe,
    "textual_datatable": textual_recipe,
    "agent": None,  # generated, not recorded
}


def make(name: str, cols: int, rows: int) -> bytes:
    if name == "agent":
        return agent_stream(cols, rows)
    factory = RECIPES[name]
    assert factory is not None
    with tempfile.TemporaryDirectory(prefix=f"corpus-{name}-") as tmp:
        recipe = factory(Path(tmp))
        try:
            if shutil.which(recipe.argv[0]) is None and not Path(recipe.argv[0]).exists():
                raise SystemExit(f"{name}: {recipe.argv[0]} is not installed")
            return record(recipe, cols, rows)
        finally:
            for helper in recipe.helpers:
                helper.kill()
                helper.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"corpora to record (default: all of {', '.join(RECIPES)})")
    parser.add_argument("--cols", type=int, default=COLS)
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--out", type=Path, default=CORPORA)
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in RECIPES]
    if unknown:
        parser.error(f"unknown corpus {', '.join(unknown)}")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names or list(RECIPES):
        data = make(name, args.cols, args.rows)
        if len(data) > MAX_BYTES:
            raise SystemExit(f"{name}: {len(data)} bytes is over the {MAX_BYTES}-byte budget")
        (args.out / f"{name}.bin").write_bytes(data)
        print(f"{name}.bin: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
