"""A user's TOML file (the config, a theme) and command-line values: reading them, and reporting a mistake in
them as one line.

Owns: `ConfigError` (`<file>: <key path>: <reason>`, `<file>` being OVERRIDES_SOURCE for command-line values),
how keys, key paths and values are written in those messages (TOML's own spelling, so a user can search the
file for them), the suggestion for a misspelt name, and reading a file with a size cap and TOML's errors turned
into a position. mux.config and mux.theme both read user files through it.

Invariants: every function here raises ConfigError (or returns) for any input; no other exception escapes for
bad input, and a message is always one line.
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_FILE_BYTES", "OVERRIDES_SOURCE", "ConfigError", "check_unknown_keys", "key_path", "parse_toml",
    "read_capped", "show_value", "suggest", "toml_key", "toml_str",
]

OVERRIDES_SOURCE = "command line"         # the `<file>` of a message about a command-line value


class ConfigError(Exception):
    """A mistake in a config or theme file or an override, as one line: `<file>: <key path>: <reason>`."""

    def __init__(self, source: str | os.PathLike[str], key: str | None, reason: str) -> None:
        self.source = os.fspath(source)
        self.key = key
        self.reason = reason
        text = f"{self.source}: {key}: {reason}" if key else f"{self.source}: {reason}"
        super().__init__(" ".join(text.splitlines()))


def toml_str(text: str) -> str:
    """`text` as a TOML basic string (also how values are quoted in error messages)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\b\t\n\f\r":
            out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else toml_str(key)


def key_path(*parts: str) -> str:
    """A key path as TOML writes it: `scrollback.limit_bytes`, `keys."%"`."""
    return ".".join(toml_key(p) for p in parts)


def show_value(value: Any) -> str:
    """A value as the user wrote it, for `got ...` in messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_str(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    return f"a {type(value).__name__}"


def suggest(word: str, choices: Iterable[str], listing: str | None = "expected one of") -> str:
    """` (did you mean 'x'?)`, else ` (<listing>: a, b, c)`, else nothing."""
    choices = sorted(choices)
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {toml_str(close[0])}?)"
    return f" ({listing}: {', '.join(choices)})" if listing and choices else ""


def check_unknown_keys(table: Mapping[str, Any], known: Iterable[str], source: str, *prefix: str) -> None:
    known = tuple(known)
    for key in table:
        if key not in known:
            raise ConfigError(source, key_path(*prefix, key), "unknown key" + suggest(key, known))


MAX_FILE_BYTES = 1 << 20


def read_capped(path: Path) -> bytes:
    """A config or theme file's bytes. More than MAX_FILE_BYTES is an OSError, so that a path such as /dev/zero
    is reported instead of filling memory."""
    with open(path, "rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise OSError(errno.EFBIG, f"larger than {MAX_FILE_BYTES} bytes")
    return data


def parse_toml(data: bytes, source: str) -> dict[str, Any]:
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        raise ConfigError(source, None, f"not UTF-8 text (bad byte at offset {e.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        message = str(e)
        at = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if at:
            where, message = f"line {at[1]}, column {at[2]}", message[:at.start()]
        elif message.endswith("(at end of document)"):
            where, message = "end of file", message.removesuffix("(at end of document)").rstrip()
        else:
            where = None
        raise ConfigError(source, where, f"invalid TOML: {message}") from None
