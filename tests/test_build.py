"""The optional compiled hot path: how mux says which path is active, how it chooses, and that a failed compiled
build still installs a working pure-Python mux.

Under CI (the CI variable set, as .ci/run's runner does) the compiled path must be active; elsewhere these tests
accept either path but check that mux describes the one it runs.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from mux import __version__
from mux.terminal import fastpath

ROOT = Path(__file__).resolve().parent.parent
IN_CI = bool(os.environ.get("CI"))
NOTICE = "mux: building the compiled hot path failed ("
#: Replayed by the freshly installed mux; its screen is EXPECTED (wide CJK, an emoji with a skin tone, a combining
#: accent, SGR).
REPLAY = "hello\r\nwide 中文 👍🏽 e\u0301\r\n\x1b[1mbold\x1b[0m end".encode()
EXPECTED = "hello\nwide 中文 👍🏽 e\u0301\nbold end\n"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without what would steer a child mux to another path or another copy of mux."""
    env = {k: v for k, v in os.environ.items() if k not in ("MUX_PURE_PYTHON", "PYTHONPATH", "PYTHONHOME")}
    env.update(extra)
    return env


def run_version(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "mux", "--version"], capture_output=True, text=True,
                          timeout=60, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def test_version_says_pure_python_when_forced():
    env = {**os.environ, "MUX_PURE_PYTHON": "1"}
    assert run_version(env) == f"mux {__version__} (pure Python: MUX_PURE_PYTHON=1)\n"


def test_version_names_the_active_path():
    env = {k: v for k, v in os.environ.items() if k != "MUX_PURE_PYTHON"}
    out = run_version(env)
    if IN_CI:
        assert out == f"mux {__version__} (compiled hot path)\n", "CI needs the compiled hot path"
    elif "MUX_PURE_PYTHON" not in os.environ:
        assert out == f"mux {__version__} ({fastpath.describe()})\n"
    else:
        assert out.startswith(f"mux {__version__} (")


def test_active_path_invariants():
    assert (fastpath.compiled is None) == (fastpath.ACTIVE_PATH == fastpath.PURE_PYTHON)
    assert fastpath.ACTIVE_PATH in (fastpath.COMPILED, fastpath.PURE_PYTHON)
    assert bool(fastpath.reason) == (fastpath.compiled is None)
    if IN_CI and "MUX_PURE_PYTHON" not in os.environ:
        assert fastpath.ACTIVE_PATH == fastpath.COMPILED, fastpath.reason


def _fail(exc: BaseException):
    def load():
        raise exc
    return load


def test_select_says_why_it_chose_pure_python():
    select = fastpath.select
    assert select({"MUX_PURE_PYTHON": "1"}) == (None, "MUX_PURE_PYTHON=1")
    missing = ModuleNotFoundError("No module named 'mux.terminal._fastpath'", name=fastpath.EXTENSION)
    assert select({}, load=_fail(missing)) == (None, "not built")
    other = ModuleNotFoundError("No module named 'zlib'", name="zlib")
    assert select({}, load=_fail(other)) == (None, "import error: No module named 'zlib'")
    broken = ImportError("/x/_fastpath.so: undefined symbol: PyFoo\nmore")
    assert select({}, load=_fail(broken)) == (None, "import error: /x/_fastpath.so: undefined symbol: PyFoo")
    stale = SimpleNamespace(WIDTH_TABLE_WCWIDTH_VERSION="0.2.13")
    assert select({}, load=lambda: stale, installed_wcwidth="0.9.4") == (
        None, "width table built from wcwidth 0.2.13, installed wcwidth is 0.9.4")
    fresh = SimpleNamespace(WIDTH_TABLE_WCWIDTH_VERSION="0.9.4")
    assert select({"MUX_PURE_PYTHON": "0"}, load=lambda: fresh, installed_wcwidth="0.9.4") == (fresh, "")
    assert select({"MUX_PURE_PYTHON": ""}, load=lambda: fresh, installed_wcwidth="0.9.4") == (fresh, "")


def _copy_tree(dest: Path) -> None:
    """The checkout as a fresh clone would have it: no VCS data, builds, venvs, caches or built modules."""
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
        ".*", "build", "dist", "*.egg-info", "__pycache__", "*.so", "venv", "tests"))


def _bare_venv(path: Path) -> Path:
    """A venv without pip whose dependencies (and pip, setuptools) come from the running environment: a .pth
    names this environment's site-packages. (`venv --system-site-packages` would give the *base* interpreter's
    site-packages, not this venv's.) Paths added by a .pth have their own .pth files ignored, so an editable mux
    installed here does not leak in."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, timeout=120)
    python = path / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True, timeout=60).stdout.strip()
    paths = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (Path(site) / "_mux_test_parent_env.pth").write_text("".join(f"{p}\n" for p in paths))
    return python


def _has_bdist_wheel() -> bool:
    try:
        return importlib.util.find_spec("setuptools.command.bdist_wheel") is not None
    except ImportError:
        return False


def _install_without_compiler(tmp: Path) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """Install a fresh copy of the checkout (tmp/src) into a bare venv (tmp/venv) with CC=false, from tmp/elsewhere.
    Returns the venv's python, that other directory, and the verbose pip run."""
    src, elsewhere = tmp / "src", tmp / "elsewhere"
    _copy_tree(src)
    elsewhere.mkdir()
    python = _bare_venv(tmp / "venv")
    env = clean_env(CC="false", PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("MUX_REQUIRE_COMPILED", None)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-v", "--no-deps", "--no-build-isolation", "--no-index", str(src)],
        capture_output=True, text=True, timeout=300, env=env, cwd=elsewhere)
    assert install.returncode == 0, install.stdout[-4000:] + install.stderr[-4000:]
    return python, elsewhere, install


def test_failed_compiled_build_installs_a_working_pure_python_mux():
    """CC=false: the build says so in one line, the install succeeds, and the installed mux runs pure Python
    (from another directory than the checkout, so nothing comes from the source tree)."""
    if not _has_bdist_wheel():
        message = "needs setuptools >= 70.1 (the test extra) to build without build isolation"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with tempfile.TemporaryDirectory(prefix="mux-build-test-") as tmp:
        tmp = Path(tmp)
        python, elsewhere, install = _install_without_compiler(tmp)
        notices = [line.strip() for line in (install.stdout + install.stderr).splitlines() if NOTICE in line]
        assert len(notices) == 1, notices
        assert notices[0].endswith("); installing the pure-Python path"), notices[0]

        run_env = clean_env()
        mux = tmp / "venv" / "bin" / "mux"
        where = subprocess.run([str(python), "-c", "import mux, mux.terminal.fastpath as f; "
                                "print(mux.__file__); print(f.compiled)"],
                               capture_output=True, text=True, timeout=60, env=run_env, cwd=elsewhere)
        assert where.returncode == 0, where.stderr
        module_file, compiled = where.stdout.splitlines()
        assert Path(module_file).resolve().is_relative_to((tmp / "venv").resolve()), module_file
        assert compiled == "None"
        version = subprocess.run([str(mux), "--version"], capture_output=True, text=True, timeout=60, env=run_env,
                                 cwd=elsewhere)
        assert version.returncode == 0, version.stderr
        assert version.stdout == f"mux {__version__} (pure Python: not built)\n"
        record = elsewhere / "hello.bin"
        record.write_bytes(REPLAY)
        replay = subprocess.run([str(mux), "replay", record.name, "--cols", "80", "--rows", "24", "--dump", "screen"],
                                capture_output=True, timeout=60, env=run_env, cwd=elsewhere)
        assert replay.returncode == 0, replay.stderr
        assert replay.stdout.decode() == EXPECTED


def test_an_installed_mux_runs_its_soak_from_another_directory():
    """`mux soak` from an installed package (no checkout anywhere near): its load generator ships in the package."""
    if not _has_bdist_wheel():
        message = "needs setuptools >= 70.1 (the test extra) to build without build isolation"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with tempfile.TemporaryDirectory(prefix="mux-soak-install-") as tmp:
        tmp = Path(tmp)
        _, elsewhere, _ = _install_without_compiler(tmp)
        shutil.rmtree(tmp / "src")          # nothing may come from the source tree
        out = elsewhere / "soak-out"
        soak = subprocess.run([str(tmp / "venv" / "bin" / "mux"), "soak", "--minutes", "0.2", "--panes", "1",
                               "--out", str(out)],
                              capture_output=True, text=True, timeout=120, env=clean_env(), cwd=elsewhere)
        assert soak.returncode == 0, soak.stdout[-4000:] + soak.stderr[-2000:]
        assert "PASS: every check passed" in soak.stdout
        assert (out / "soak.csv").is_file() and (out / "transcripts" / "pane1" / "run00000.txt").is_file()


@pytest.mark.skipif(not os.environ.get("MUX_SANITIZED_LIB"), reason="only under scripts/build_sanitized.sh")
def test_sanitized_run_uses_the_sanitized_build():
    lib = Path(os.environ["MUX_SANITIZED_LIB"]).resolve()
    import mux

    assert Path(mux.__file__).resolve().is_relative_to(lib), mux.__file__
    assert fastpath.compiled is not None, fastpath.reason
    assert Path(fastpath.compiled.__file__).resolve().is_relative_to(lib), fastpath.compiled.__file__


def _quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_ci_runs_the_readme_test_command_then_the_sanitizer_step():
    commands = _quick_start_commands()
    assert len(commands) == 2, commands
    test_command = commands[1]
    assert "pip install -e '.[test]'" in test_command and test_command.endswith("python -m pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    runs = [i for i, line in enumerate(ci) if line.split(" || ")[0] == test_command]
    sanitizer = [i for i, line in enumerate(ci) if "scripts/build_sanitized.sh" in line and not line.startswith("#")]
    assert len(runs) == 1, "the README's test command must appear verbatim in .ci/run"
    assert sanitizer and min(sanitizer) > runs[0], "the sanitizer step runs after the README's test command"
