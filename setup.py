"""Build script for mux's optional compiled hot path; every other piece of metadata is in pyproject.toml.

One C extension, mux.terminal._fastpath from mux/terminal/fastpath.c, compiled with warnings as errors against the
width table that mux/terminal/widthtable.py generates into the build temp directory. When anything in that fails
(no compiler, CC=false, a compile error, no wcwidth to generate the table from), one line says so and the install
goes on without the extension: mux then runs its pure-Python path, and `mux --version` says which path is active.
MUX_REQUIRE_COMPILED=1 makes such a failure an error instead (scripts/build_sanitized.sh sets it).

Extra compiler and linker flags come from the usual CFLAGS / LDFLAGS (the sanitizer build adds its own there).
"""

from __future__ import annotations

import os
import re
import sys
import sysconfig
import tempfile
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
EXTENSION = "mux.terminal._fastpath"
COMPILE_ARGS = ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror"]


def _summary(problem: BaseException) -> str:
    """One short line: the first line of the error, a failed command shown by its program name only."""
    lines = str(problem).strip().splitlines()
    text = lines[0] if lines else type(problem).__name__
    text = re.sub(r"Command '\['([^']*)'.*?\]' returned", r"\1 returned", text).rstrip(".")
    return text if len(text) <= 160 else text[:157] + "..."


def _notice(problem: BaseException) -> None:
    print(f"mux: building the compiled hot path failed ({_summary(problem)}); installing the pure-Python path",
          file=sys.stderr, flush=True)


def _widthtable():
    """mux.terminal.widthtable from this source tree (it imports only mux.terminal.graphemes and wcwidth)."""
    sys.path.insert(0, str(ROOT))
    try:
        from mux.terminal import widthtable
    finally:
        sys.path.remove(str(ROOT))
    return widthtable


class OptionalBuildExt(build_ext):
    """build_ext that generates the width table first and, if the build fails for any reason, leaves the
    extension out (one line on stderr) so that the install succeeds on the pure-Python path."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # any failure at all: the pure-Python path is complete
            if os.environ.get("MUX_REQUIRE_COMPILED") == "1":
                raise
            _notice(exc)
            self._remove_stale_inplace_builds()
            self.extensions = []           # nothing to install, copy in place, or list as an output
            self.distribution.ext_modules = []

    def _remove_stale_inplace_builds(self) -> None:
        """An editable install that fails to build must not leave an older build beside the sources: it would be
        imported, and run code that no longer matches them."""
        suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
        for ext in self.extensions:
            stale = ROOT.joinpath(*ext.name.split(".")).with_name(ext.name.rsplit(".", 1)[-1] + suffix)
            if stale.exists():
                stale.unlink()
                print(f"mux: removed the stale build {stale.relative_to(ROOT)}", file=sys.stderr)

    def build_extension(self, ext: Extension) -> None:
        self._probe_compiler(ext)          # fail fast, before spending seconds on the table
        generated = Path(self.build_temp).resolve() / "mux-generated"
        table = _widthtable()
        header = generated / table.HEADER_NAME
        info = table.write_header(header)
        print(f"mux: width table from wcwidth {info['wcwidth']}: {info['blocks']} blocks, "
              f"{info['seconds']:.1f} s", file=sys.stderr)
        ext.include_dirs = [*ext.include_dirs, str(generated)]
        ext.depends = [*ext.depends, str(header)]
        super().build_extension(ext)

    def _probe_compiler(self, ext: Extension) -> None:
        """Compile an empty C11 file with the real flags: no compiler, or CC=false, fails here at once."""
        with tempfile.TemporaryDirectory(prefix="mux-probe-") as tmp:
            source = Path(tmp) / "probe.c"
            source.write_text("int mux_probe(void);\nint mux_probe(void) { return 0; }\n")
            self.compiler.compile([str(source)], output_dir=tmp, extra_postargs=ext.extra_compile_args)


setup(
    ext_modules=[
        Extension(
            EXTENSION,
            sources=["mux/terminal/fastpath.c"],
            extra_compile_args=COMPILE_ARGS,
            depends=["mux/terminal/widthtable.py", "mux/terminal/graphemes.py"],
        )
    ],
    cmdclass={"build_ext": OptionalBuildExt},
)
