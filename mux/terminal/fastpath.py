"""The choice between the compiled hot path and the pure-Python one, made once at import.

Owns: importing the C extension mux.terminal._fastpath (built from fastpath.c by setup.py; no other module imports
it) and deciding whether it is used:
- `compiled`: the extension module, or None when the pure-Python path is active;
- `ACTIVE_PATH`: "compiled" or "pure Python";
- `reason`: why the pure-Python path is active ("" when compiled): MUX_PURE_PYTHON=1 in the environment, the
  extension was not built (the build falls back when it cannot compile), its import failed, or its width table was
  generated from another wcwidth version than the one installed (its widths could then differ from graphemes.py's);
- `describe()`: the one-line summary `mux --version` prints.

Invariants: `compiled is None` exactly when ACTIVE_PATH is "pure Python", and then `reason` is not empty; both
paths give identical results (tests/terminal/test_widths.py compares every codepoint).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from types import ModuleType

from mux.terminal.widthtable import wcwidth_version

COMPILED = "compiled"
PURE_PYTHON = "pure Python"
EXTENSION = "mux.terminal._fastpath"
#: Set to 1 to force the pure-Python path.
FORCE_PURE_ENV = "MUX_PURE_PYTHON"


def _import_extension() -> ModuleType:
    return importlib.import_module(EXTENSION)


def select(environ: Mapping[str, str], load: Callable[[], ModuleType] = _import_extension,
           installed_wcwidth: str | None = None) -> tuple[ModuleType | None, str]:
    """(module, "") when the compiled path may be used, else (None, reason)."""
    if environ.get(FORCE_PURE_ENV, "") not in ("", "0"):
        return None, f"{FORCE_PURE_ENV}={environ[FORCE_PURE_ENV]}"
    try:
        module = load()
    except ModuleNotFoundError as exc:
        if exc.name == EXTENSION:
            return None, "not built"
        return None, f"import error: {exc}"
    except Exception as exc:  # a broken or foreign build: undefined symbol, wrong ABI, corrupt table
        text = str(exc).strip().splitlines()
        return None, f"import error: {text[0] if text else type(exc).__name__}"
    built = getattr(module, "WIDTH_TABLE_WCWIDTH_VERSION", None)
    installed = installed_wcwidth if installed_wcwidth is not None else wcwidth_version()
    if built != installed:
        return None, f"width table built from wcwidth {built}, installed wcwidth is {installed}"
    return module, ""


compiled, reason = select(os.environ)
#: The pure-Python path was asked for (MUX_PURE_PYTHON=1), rather than left by a missing or broken build.
forced_pure = compiled is None and reason.startswith(FORCE_PURE_ENV)
ACTIVE_PATH = PURE_PYTHON if compiled is None else COMPILED


def describe() -> str:
    """"compiled hot path" or "pure Python: <reason>"."""
    return "compiled hot path" if compiled is not None else f"{PURE_PYTHON}: {reason}"


_configured = False


def kernel_for(listener: object) -> Callable[..., int] | None:
    """The compiled `dispatch` for a Stream feeding `listener`, or None for the pure-Python path (no compiled
    module, or a listener that is not mux's Terminal). Configures the kernel on first use with the one
    definition of every constant it needs (page flags, the stream's limits, the SGR machinery)."""
    global _configured
    if compiled is None:
        return None
    from mux.terminal import page, screen, stream, styles, terminal

    if type(listener) is not terminal.Terminal:
        return None
    if not _configured:
        names = ("CELL_WIDE", "CELL_SPACER_TAIL", "CELL_SPACER_HEAD", "CELL_GRAPHEME", "CELL_HYPERLINK",
                 "ROW_WRAP", "ROW_WRAP_CONTINUATION", "ROW_DIRTY", "ROW_EXTRAS", "ROW_CARRIED", "ROW_HYPERLINK",
                 "STYLE_WORDS", "MAP_HASH")
        constants = {name: getattr(page, name) for name in names}
        constants.update(CSI_MAX=stream.CSI_MAX, PARAM_MAX=stream.PARAM_MAX, MAX_PARAMS=stream.MAX_PARAMS,
                         OSC_MAX=stream.OSC_MAX,
                         SGR_SETS=styles.SGR_SETS, SGR_RESETS=styles.SGR_RESETS,
                         UNDERLINE_SHIFT=styles.UNDERLINE_SHIFT, UNDERLINE_MASK=styles.UNDERLINE_MASK,
                         COLOR_PALETTE=styles.COLOR_PALETTE, COLOR_RGB=styles.COLOR_RGB,
                         SGR_KEEPS=styles.SGR_KEEPS, PROTECT_ISO=terminal.PROTECT_ISO)
        compiled.configure(constants, styles.DEFAULT_STYLE, terminal.PLAIN_PRIVATE, page.PageOverflow,
                           screen.ZONE_CELLS, screen.zone_cells)
        _configured = True
    return compiled.dispatch
