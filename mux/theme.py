"""Themes: the colours panes and mux's own chrome are drawn with, bundled or from a user's theme file.

Owns: `Theme` (immutable, hashable; 0xRRGGBB ints), the theme file schema (tables `terminal`, `ansi`, `ui`:
THEME_TABLES), finding and loading the bundled themes, loading and validating a user's theme file, and writing a
theme back as a theme file. mux.config names a theme by its `ref` and loads it through `load_theme`.

Invariants:
- A `Theme` is valid whoever builds it (`__post_init__`: 16 ANSI colours, every colour 0..0xFFFFFF).
- `palette()` is the theme's 16 colours then xterm's cube and grey ramp, from mux.terminal.styles.XTERM_PALETTE
  (the one xterm palette).
- Mistakes in a theme file raise ConfigError against that file; a bad reference (unknown name, missing file)
  against the `source` and `key` that named it.
- Bundled themes are found with importlib.resources in package `mux.themes` (an installed wheel, where the
  top-level `themes/` directory is shipped as that package: data files only, hence this module's other name),
  else in `themes/` of a source checkout.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from mux.terminal.styles import XTERM_PALETTE
from mux.tomlfile import (
    OVERRIDES_SOURCE,
    ConfigError,
    check_unknown_keys,
    key_path,
    parse_toml,
    read_capped,
    show_value,
    suggest,
    toml_str,
)

__all__ = ["ANSI_NAMES", "THEME_TABLES", "Theme", "bundled_themes", "load_theme"]

ANSI_NAMES = (
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
    "bright_black", "bright_red", "bright_green", "bright_yellow", "bright_blue", "bright_magenta",
    "bright_cyan", "bright_white",
)
THEME_TABLES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "terminal": ("foreground", "background", "cursor", "selection_background", "selection_foreground"),
    "ansi": ANSI_NAMES,
    "ui": ("border", "border_focused", "status_background", "status_foreground", "status_accent"),
})
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
_THEME_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


@dataclass(frozen=True, slots=True)
class Theme:
    """Colours as 0xRRGGBB ints: the 16 ANSI colours (ANSI_NAMES order), the terminal's and mux's own."""

    name: str
    ansi: tuple[int, ...]
    foreground: int
    background: int
    cursor: int
    selection_background: int
    selection_foreground: int
    border: int
    border_focused: int
    status_background: int
    status_foreground: int
    status_accent: int
    source: str = field(default="", compare=False)      # the file it was read from, for messages
    bundled: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.ansi) != 16:
            raise ValueError(f"a theme has 16 ANSI colours, not {len(self.ansi)}")
        for value in (*self.ansi, *(getattr(self, k) for k in THEME_TABLES["terminal"] + THEME_TABLES["ui"])):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFFFF:
                raise ValueError(f"not a 0xRRGGBB colour: {value!r}")

    @property
    def ref(self) -> str:
        """How a config names this theme: its bundled name, else the path of its file."""
        return self.name if self.bundled else self.source

    def palette(self) -> tuple[int, ...]:
        """All 256 indexed colours: the theme's 16, then xterm's 6x6x6 cube and 24-step grey ramp."""
        return self.ansi + XTERM_PALETTE[16:]

    @staticmethod
    def hex(value: int) -> str:
        """0xRRGGBB -> "#rrggbb"."""
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFFFF:
            raise ValueError(f"not a 0xRRGGBB colour: {value!r}")
        return f"#{value:06x}"

    def to_toml(self) -> str:
        """This theme as a theme file (a starting point for a user theme)."""
        lines = [f"# mux theme {' '.join(self.name.splitlines())}"]
        for table, names in THEME_TABLES.items():
            lines += ["", f"[{table}]"]
            values = self.ansi if table == "ansi" else tuple(getattr(self, n) for n in names)
            lines += [f'{n} = "{Theme.hex(v)}"' for n, v in zip(names, values, strict=True)]
        return "\n".join(lines) + "\n"


def _bundled_root() -> Traversable | None:
    """Where the bundled themes are: package `mux.themes` when installed, else `themes/` of the checkout."""
    try:
        root = importlib.resources.files("mux.themes")
    except ModuleNotFoundError:
        root = None
    if root is not None and root.is_dir():
        return root
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "themes").is_dir():
        return checkout / "themes"
    return None


def bundled_themes() -> list[str]:
    """The names of the bundled themes, sorted."""
    root = _bundled_root()
    if root is None:
        return []
    return sorted(entry.name[:-5] for entry in root.iterdir()
                  if entry.name.endswith(".toml") and _THEME_NAME.fullmatch(entry.name[:-5]))


def _looks_like_path(ref: str) -> bool:
    return "/" in ref or os.sep in ref or ref.endswith(".toml") or ref.startswith("~")


def load_theme(name_or_path: str, *, source: str = OVERRIDES_SOURCE, base_dir: str | Path | None = None,
               key: str = "theme") -> Theme:
    """A bundled theme by name, or a theme file by path (relative paths are relative to `base_dir`, default
    the current directory). `source` and `key` name where the reference came from, for messages about it;
    mistakes inside a theme file are reported against that file."""
    if not isinstance(name_or_path, str) or not name_or_path:
        raise ConfigError(source, key, "must be a bundled theme name or a path to a .toml theme file, got "
                          + show_value(name_or_path))
    if _looks_like_path(name_or_path):
        path = Path(name_or_path).expanduser()
        if not path.is_absolute():
            path = Path(base_dir if base_dir is not None else Path.cwd()) / path
        path = Path(os.path.normpath(path.absolute()))
        try:
            data = read_capped(path)
        except FileNotFoundError:
            raise ConfigError(source, key, f"no such theme file: {path}") from None
        except OSError as e:
            raise ConfigError(source, key, f"cannot read theme file {path}: {e.strerror or e}") from None
        return _parse_theme(parse_toml(data, str(path)), path.stem, str(path), bundled=False)
    names = bundled_themes()
    if not names:
        raise ConfigError(source, key, "no bundled themes found: mux is not installed correctly")
    if name_or_path not in names:
        hint = suggest(name_or_path, names, "bundled themes")
        raise ConfigError(source, key, f"unknown theme {toml_str(name_or_path)}{hint}; "
                                       "a theme file needs a path (with a / or ending in .toml)")
    return _load_bundled(name_or_path)


@functools.cache
def _load_bundled(name: str) -> Theme:
    root = _bundled_root()
    assert root is not None
    entry = root / f"{name}.toml"
    return _parse_theme(parse_toml(entry.read_bytes(), str(entry)), name, str(entry), bundled=True)


def _colour(value: Any, source: str, *key: str) -> int:
    if not isinstance(value, str) or not _COLOUR.fullmatch(value):
        raise ConfigError(source, key_path(*key), f'must be a colour "#rrggbb", got {show_value(value)}')
    return int(value[1:], 16)


def _parse_theme(data: Mapping[str, Any], name: str, source: str, *, bundled: bool) -> Theme:
    check_unknown_keys(data, THEME_TABLES, source)
    colours: dict[str, Any] = {}
    for table, names in THEME_TABLES.items():
        if table not in data:
            raise ConfigError(source, key_path(table), "missing table")
        values = data[table]
        if not isinstance(values, Mapping):
            raise ConfigError(source, key_path(table), f"must be a table, got {show_value(values)}")
        check_unknown_keys(values, names, source, table)
        for n in names:
            if n not in values:
                raise ConfigError(source, key_path(table, n), "missing")
            colours[n if table != "ansi" else f"ansi.{n}"] = _colour(values[n], source, table, n)
    ansi = tuple(colours.pop(f"ansi.{n}") for n in ANSI_NAMES)
    return Theme(name=name, ansi=ansi, source=source, bundled=bundled, **colours)
