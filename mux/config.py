"""Configuration: one TOML file plus a theme, merged with command-line overrides into one frozen `Config`.

Owns: where the config file lives, its schema and defaults, the key-name syntax (user text -> the string
Textual puts in `events.Key.key`; the names themselves are mux.session.keynames'), the action names and the
default bindings, and rendering the effective configuration back as TOML (`mux --print-config`). Themes are
mux.theme's (Theme, load_theme, bundled_themes and ANSI_NAMES are re-exported here, as the config's theme);
reading the file and the one-line ConfigError are mux.tomlfile's.

File: `$XDG_CONFIG_HOME/mux/config.toml` (`~/.config/mux/config.toml` when XDG_CONFIG_HOME is unset or not
absolute), or an explicit path. A missing default file means all defaults; a missing explicit path is an error.

    shell = "/bin/zsh"          # default: $SHELL if it is an executable file, else /bin/sh
    prefix = "ctrl+b"
    theme = "default"           # a bundled theme name, or a path to a theme file (relative: to this file)
    mouse = true
    status_bar = false          # the memory status bar is shown at start
    [scrollback]
    limit_bytes = 10_000_000    # per pane, counting the screen; >= 0
    limit_lines = 0             # >= 0; 0 = no line limit
    [clipboard]
    osc52_write = false         # programs in panes may set the system clipboard (OSC 52)
    [monitor]                   # window flags in the status line, as tmux's monitor-* options
    bell = true                 # `!` on a window whose pane rang the bell or sent a notification
    activity = true             # `#` on a window with output
    silence = 0                 # `~` on a window whose pane printed, then was quiet this many seconds; 0 = off
    forward_notifications = true    # pass notifications (OSC 9, OSC 777) on to this terminal as OSC 9
    [panes]
    border_titles = true        # each pane's border shows "<number>: <title or command>" (tmux pane-border-status)
    [keys]                      # key pressed after the prefix -> action, merged over the defaults
    "%" = "split-right"         # "none" removes a default binding

Key names (`prefix` and the keys of `[keys]`): `[modifier+]...key`, modifiers `ctrl`, `alt`, `shift` (any
order, any case); the key is a single character (`"%"`, `"a"`, `"A"`, `"+"`) or a Textual key name (`enter`,
`escape`, `tab`, `space`, `backspace`, `left`, `pageup`, `f1`-`f24`, `percent_sign`, `comma`, ...; aliases
`esc`, `return`). Names are normalised to exactly what Textual reports in `events.Key.key`: characters become
Textual's names (`%` -> `percent_sign`, `"` -> `quotation_mark`), modifiers are sorted (`alt`, `ctrl`,
`shift`), `shift+a` becomes `A`, and `ctrl+@` becomes `ctrl+space`. Rejected: `shift` with another
character alone (`shift+5`: terminals report the shifted character, `%`), an upper-case letter with ctrl or alt
(`ctrl+B`: write `ctrl+b` or `ctrl+shift+b`), and other modifiers (`super`, `hyper`, `meta`).

Errors: every user mistake raises `ConfigError`, whose text is one line `<file>: <key path>: <reason>` (file
errors such as a missing explicit file omit the key path; TOML syntax errors give `line L, column C` as the
path). `<file>` is `command line` for overrides. Nothing else escapes for bad input.

Invariants:
- `Config` and `Bindings` are immutable (and hashable); a `Config` is valid whoever builds it
  (`__post_init__` checks): prefix and binding keys are canonical key names, every action is in `ACTIONS`,
  limits and `monitor.silence` are ints >= 0.
- `load_config(file containing config.to_toml()) == config` (the path a theme was loaded from is kept).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from mux.session.keynames import (
    EVENT_ALIASES,
    MODIFIER_ALIASES,
    MODIFIERS,
    NAME_ALIASES,
    NAME_TO_CHAR,
    NAMED_KEYS,
    char_name,
    display_key,
    event_key,
    name_to_char,
)
from mux.session.pane import default_shell
from mux.terminal.pagelist import DEFAULT_LIMIT_BYTES
from mux.theme import ANSI_NAMES, Theme, bundled_themes, load_theme
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

__all__ = [
    "ACTIONS", "ACTION_HELP", "ANSI_NAMES", "DEFAULT_PREFIX", "Bindings", "ClipboardConfig", "Config", "ConfigError",
    "ScrollbackConfig", "Theme", "bundled_themes", "default_bindings", "default_config", "default_config_path",
    "display_key", "event_key", "load_config", "load_theme", "normalize_key",
    "MonitorConfig",
    "PanesConfig",
]

DEFAULT_PREFIX = "ctrl+b"
DEFAULT_THEME = "default"
NONE = "none"                             # a binding to this removes the key's default binding

# ---------------------------------------------------------------------------------------------- key names

class _KeyNameError(ValueError):
    pass


def _char_name(ch: str) -> str:
    """Textual's name for a typed character (keynames.char_name), or a _KeyNameError saying it has none."""
    try:
        return char_name(ch)
    except ValueError:
        raise _KeyNameError(f"{toml_str(ch)} is not a named character") from None


def _single_case(ch: str) -> bool:
    """A letter with exactly one upper and one lower form of one character each."""
    upper, lower = ch.upper(), ch.lower()
    return upper != lower and len(upper) == 1 and len(lower) == 1


def normalize_key(text: str) -> str:
    """A user's key name -> what Textual's `events.Key.key` holds for that key. ValueError if invalid."""
    if not isinstance(text, str) or not text:
        raise _KeyNameError("empty key name")
    if len(text) == 1:
        parts, base = [], text
    elif text.endswith("++"):
        parts, base = text[:-2].split("+"), "+"
    else:
        *parts, base = text.split("+")
    if not base or "" in parts:
        raise _KeyNameError(f"{toml_str(text)} has an empty part")
    mods: set[str] = set()
    for part in parts:
        mod = MODIFIER_ALIASES.get(part.lower(), part.lower())
        if mod not in MODIFIERS:
            raise _KeyNameError(f"unknown modifier {toml_str(part)} (modifiers are ctrl, alt, shift)")
        if mod in mods:
            raise _KeyNameError(f"modifier {toml_str(part)} given twice")
        mods.add(mod)

    if len(base) == 1:
        if not base.isprintable():
            raise _KeyNameError(f"{toml_str(base)} is not a printable character")
        if _single_case(base):
            if base.isupper():
                if mods - {"shift"}:            # ctrl+B: ctrl+b or ctrl+shift+b? Say which.
                    raise _KeyNameError(f"{toml_str(text)} is ambiguous: write the letter in lower case, "
                                        "with shift+ if shift is meant")
                mods.discard("shift")           # shift+A is A
            elif mods == {"shift"}:             # shift+a is A
                mods.clear()
                base = base.upper()
            name = base
        else:
            name = _char_name(base)
    else:
        lowered = base.lower()
        name = NAME_ALIASES.get(lowered, lowered)
        if name not in NAMED_KEYS and name not in NAME_TO_CHAR and not _is_character_name(name):
            known = NAMED_KEYS | NAME_TO_CHAR.keys()
            raise _KeyNameError(f"unknown key {toml_str(base)}" + suggest(name, known, None))
    if mods == {"shift"} and name not in NAMED_KEYS and name != "space":
        raise _KeyNameError(f"shift with {toml_str(base)} never reaches mux: terminals send the shifted "
                            f"character, so name that character instead")
    key = "+".join([m for m in MODIFIERS if m in mods] + [name])
    return EVENT_ALIASES.get(key, key)


def _is_character_name(name: str) -> bool:
    """A Textual name for a non-ASCII printable character, such as `euro_sign`."""
    ch = name_to_char(name)
    return ch is not None and len(ch) == 1 and not ch.isalnum() and char_name(ch) == name


# ------------------------------------------------------------------------------------- actions, bindings

ACTION_HELP: Mapping[str, str] = MappingProxyType({
    "split-right": "split the pane side by side; the new pane is on the right",
    "split-down": "split the pane stacked; the new pane is below",
    "focus-left": "focus the pane to the left",
    "focus-down": "focus the pane below",
    "focus-up": "focus the pane above",
    "focus-right": "focus the pane to the right",
    "resize-left": "move the pane's border left",
    "resize-down": "move the pane's border down",
    "resize-up": "move the pane's border up",
    "resize-right": "move the pane's border right",
    "zoom": "zoom the pane to the whole window, or back",
    "next-layout": "arrange the panes in the next layout (even, main pane, tiled)",
    "swap-pane-prev": "swap the pane with the previous one",
    "swap-pane-next": "swap the pane with the next one",
    "break-pane": "move the pane into a new window of its own",
    "next-pane": "focus the next pane",
    "last-pane": "focus the pane that was active before",
    "display-panes": "show the pane numbers; a digit focuses that pane",
    "close-pane": "close the pane",
    "new-window": "open a new window",
    "next-window": "go to the next window",
    "prev-window": "go to the previous window",
    **{f"select-window-{n}": f"go to window {n}" for n in range(10)},
    "rename-window": "rename the window",
    "scrollback": "scrollback mode: move through the pane's history, select, copy, search",
    "toggle-memory-bar": "show or hide the memory status bar",
    "help": "list the key bindings",
    "detach": "detach: leave the session running and return to the shell",
    "choose-session": "choose a session to switch to",
    "rename-session": "rename the session",
    "kill-window": "close the window and its panes (asks first)",
    "quit": "kill this session and every pane in it (asks first; unbound by default, use mux kill-session)",
    "send-prefix": "send the prefix key to the pane",
})
"""Every action a key can be bound to, with a one-line description, in the order help lists them."""

ACTIONS: frozenset[str] = frozenset(ACTION_HELP)
"""The valid action names (the keys of ACTION_HELP)."""

_DEFAULT_KEYS: tuple[tuple[str, str], ...] = (
    ("%", "split-right"), ('"', "split-down"),
    ("left", "focus-left"), ("down", "focus-down"), ("up", "focus-up"), ("right", "focus-right"),
    ("h", "focus-left"), ("j", "focus-down"), ("k", "focus-up"), ("l", "focus-right"),
    ("ctrl+left", "resize-left"), ("ctrl+down", "resize-down"), ("ctrl+up", "resize-up"),
    ("ctrl+right", "resize-right"),
    ("z", "zoom"), ("x", "close-pane"), ("c", "new-window"), ("n", "next-window"), ("p", "prev-window"),
    *((str(n), f"select-window-{n}") for n in range(10)),
    (",", "rename-window"), ("[", "scrollback"), ("m", "toggle-memory-bar"), ("?", "help"),
    ("d", "detach"), ("s", "choose-session"), ("$", "rename-session"), ("&", "kill-window"),
    ("space", "next-layout"), ("{", "swap-pane-prev"), ("}", "swap-pane-next"), ("!", "break-pane"),
    ("o", "next-pane"), (";", "last-pane"), ("q", "display-panes"),
)


def default_bindings(prefix: str = DEFAULT_PREFIX) -> dict[str, str]:
    """The default bindings (canonical key -> action) for a prefix: tmux-like, plus prefix -> send-prefix."""
    bindings = {normalize_key(key): action for key, action in _DEFAULT_KEYS}
    bindings[normalize_key(prefix)] = "send-prefix"
    return bindings


class Bindings(Mapping[str, str]):
    """Canonical key -> action, read-only and hashable, iterated in key order. Look keys up with
    `Config.action_for(event.key)`, which also maps Textual's two spellings of ctrl+space."""

    __slots__ = ("_items", "_map")

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = dict(items.items() if isinstance(items, Mapping) else items)
        object.__setattr__(self, "_items", tuple(sorted(pairs.items())))
        object.__setattr__(self, "_map", pairs)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Bindings are read-only")

    def __getitem__(self, key: str) -> str:
        return self._map[key]

    def __iter__(self):
        return (key for key, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Bindings):
            return self._items == other._items
        return isinstance(other, Mapping) and dict(self._items) == dict(other.items())

    def __repr__(self) -> str:
        return f"Bindings({dict(self._items)!r})"

    def __reduce__(self):
        return (Bindings, (self._items,))


# ------------------------------------------------------------------------------------------------ config


@dataclass(frozen=True, slots=True)
class ScrollbackConfig:
    limit_bytes: int = DEFAULT_LIMIT_BYTES      # per pane, counting the screen
    limit_lines: int = 0                        # 0: no line limit

    def __post_init__(self) -> None:
        for name in ("limit_bytes", "limit_lines"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"scrollback.{name} must be an int >= 0, not {value!r}")


@dataclass(frozen=True, slots=True)
class ClipboardConfig:
    osc52_write: bool = False                   # programs in panes may set the system clipboard


@dataclass(frozen=True, slots=True)
class MonitorConfig:
    """Window alert flags (the session options `bell`, `activity`, `silence`) and this client's notifications."""

    bell: bool = True                           # `!`: a pane rang the bell or sent a desktop notification
    activity: bool = True                       # `#`: output in a window that is not the current one
    silence: int = 0                            # `~`: seconds of quiet after output; 0 = off
    forward_notifications: bool = True          # write notifications to the outer terminal as OSC 9

    def __post_init__(self) -> None:
        for name in ("bell", "activity", "forward_notifications"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"monitor.{name} must be a bool")
        if isinstance(self.silence, bool) or not isinstance(self.silence, int) or self.silence < 0:
            raise ValueError(f"monitor.silence must be an int >= 0, not {self.silence!r}")


@dataclass(frozen=True, slots=True)
class PanesConfig:
    border_titles: bool = True                  # a title line on each pane's border (costs the top panes a row)

    def __post_init__(self) -> None:
        if not isinstance(self.border_titles, bool):
            raise ValueError(f"panes.border_titles must be a bool, not {self.border_titles!r}")


@dataclass(frozen=True, slots=True)
class Config:
    """The effective configuration. `keys` maps canonical key names (pressed after the prefix) to actions;
    match Textual key events with `is_prefix(event.key)` and `action_for(event.key)`."""

    shell: str
    prefix: str
    theme: Theme
    mouse: bool
    status_bar: bool
    scrollback: ScrollbackConfig
    clipboard: ClipboardConfig
    keys: Bindings
    monitor: MonitorConfig = MonitorConfig()
    panes: PanesConfig = field(default_factory=PanesConfig)
    source: Path | None = field(default=None, compare=False)   # the file read, if any

    def __post_init__(self) -> None:
        if not isinstance(self.shell, str) or not self.shell:
            raise ValueError("shell must be a non-empty string")
        if normalize_key(self.prefix) != self.prefix:
            raise ValueError(f"prefix {self.prefix!r} is not a canonical key name")
        for name in ("mouse", "status_bar"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be a bool")
        for name, kind in (("theme", Theme), ("scrollback", ScrollbackConfig), ("clipboard", ClipboardConfig),
                           ("monitor", MonitorConfig), ("panes", PanesConfig)):
            if not isinstance(getattr(self, name), kind):
                raise ValueError(f"{name} must be a {kind.__name__}")
        if not isinstance(self.keys, Bindings):
            object.__setattr__(self, "keys", Bindings(self.keys))
        for key, action in self.keys.items():
            if normalize_key(key) != key:
                raise ValueError(f"binding key {key!r} is not a canonical key name")
            if action not in ACTIONS:
                raise ValueError(f"unknown action {action!r}")

    @property
    def scrollback_bytes(self) -> int:
        """Per-pane scrollback byte limit (Pane's scrollback_bytes)."""
        return self.scrollback.limit_bytes

    @property
    def scrollback_lines(self) -> int | None:
        """Per-pane scrollback line limit as Pane/Screen take it: None for no limit."""
        return self.scrollback.limit_lines or None

    @property
    def osc52_write(self) -> bool:
        return self.clipboard.osc52_write

    def pane_options(self) -> dict[str, Any]:
        """How the server makes a new session's panes (the `options` of a `new` request)."""
        return {"shell": self.shell, "scrollback_bytes": self.scrollback_bytes,
                "scrollback_lines": self.scrollback_lines, "palette": list(self.theme.palette()),
                "osc52_write": self.osc52_write, "bell": self.monitor.bell, "activity": self.monitor.activity,
                "silence": self.monitor.silence, "border_titles": self.panes.border_titles}

    def action_for(self, key: str) -> str | None:
        """The action bound to `key` (an `events.Key.key`) after the prefix, or None."""
        return self.keys.get(event_key(key))

    def is_prefix(self, key: str) -> bool:
        return event_key(key) == self.prefix

    def keys_for(self, action: str) -> tuple[str, ...]:
        """The keys bound to `action`, in display form (for key help)."""
        return tuple(display_key(k) for k, a in self.keys.items() if a == action)

    def to_toml(self) -> str:
        """The effective configuration as a complete config file; loading it gives an equal Config."""
        merged = (f"defaults, {self.source} and command-line options" if self.source is not None
                  else "defaults and command-line options; no config file")
        out = [
            f"# mux: the effective configuration ({' '.join(merged.splitlines())})",
            f"shell = {toml_str(self.shell)}",
            f"prefix = {toml_str(display_key(self.prefix))}",
            f"theme = {toml_str(self.theme.ref)}",
            f"mouse = {show_value(self.mouse)}",
            f"status_bar = {show_value(self.status_bar)}",
            "",
            "[scrollback]",
            f"{f'limit_bytes = {self.scrollback.limit_bytes:_}':<28}# per pane, counting the screen",
            f"{f'limit_lines = {self.scrollback.limit_lines:_}':<28}# 0 = no line limit",
            "",
            "[clipboard]",
            f"{f'osc52_write = {show_value(self.clipboard.osc52_write)}':<28}# programs may set the clipboard (OSC 52)",
            "",
            "[monitor]",
            f"{f'bell = {show_value(self.monitor.bell)}':<28}# ! on a window that rang the bell or sent a notification",
            f"{f'activity = {show_value(self.monitor.activity)}':<28}# # on a window with output",
            f"{f'silence = {self.monitor.silence}':<28}# ~ after output then this many quiet seconds; 0 = off",
            f"forward_notifications = {show_value(self.monitor.forward_notifications)}  "
            "# notifications go on to this terminal (OSC 9)",
            "",
            "[panes]",
            f"{f'border_titles = {show_value(self.panes.border_titles)}':<28}# a title line on each pane's border",
            "",
            '[keys]      # pressed after the prefix; "none" removes a default binding',
        ]
        order = {action: i for i, action in enumerate(ACTION_HELP)}
        rows = sorted(self.keys.items(), key=lambda kv: (order[kv[1]], kv[0]))
        width = max((len(toml_str(display_key(k))) + len(toml_str(a)) for k, a in rows), default=0)
        for key, action in rows:
            entry = f"{toml_str(display_key(key))} = {toml_str(action)}"
            out.append(f"{entry:<{width + 3}}  # {ACTION_HELP[action]}")
        removed = sorted(set(default_bindings(self.prefix)) - set(self.keys))
        out += [f"{toml_str(display_key(key))} = {toml_str(NONE)}" for key in removed]
        return "\n".join(out) + "\n"


def default_config_path() -> Path:
    """`$XDG_CONFIG_HOME/mux/config.toml`, or `~/.config/mux/config.toml` (XDG_CONFIG_HOME unset/relative)."""
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".config"
    return base / "mux" / "config.toml"


def default_config() -> Config:
    """All defaults, reading no config file."""
    return _build([], None)


# ------------------------------------------------------------------------------------------------ loading

_TOP_KEYS = ("shell", "prefix", "theme", "mouse", "status_bar", "scrollback", "clipboard", "monitor", "panes",
             "keys")
_TABLES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "scrollback": ("limit_bytes", "limit_lines"),
    "clipboard": ("osc52_write",),
    "monitor": ("bell", "activity", "silence", "forward_notifications"),
    "panes": ("border_titles",),
})
_BOOL_KEYS = frozenset({"clipboard.osc52_write", "monitor.bell", "monitor.activity", "monitor.forward_notifications",
                        "panes.border_titles"})   # the other table keys are counts


@dataclass(slots=True)
class _Layer:
    """What one source (the file, or the overrides) says: only the keys it sets, already validated."""

    source: str
    base_dir: Path
    values: dict[str, Any] = field(default_factory=dict)        # "shell", "scrollback.limit_bytes", ...
    theme: str | None = None
    keys: list[tuple[str, str | None]] = field(default_factory=list)   # None: remove


def _bool(value: Any, source: str, *key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(source, key_path(*key), f"must be true or false, got {show_value(value)}")
    return value


def _count(value: Any, source: str, *key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(source, key_path(*key), f"must be a whole number >= 0, got {show_value(value)}")
    return value


def _key_name(text: Any, source: str, *key: str) -> str:
    if not isinstance(text, str):
        raise ConfigError(source, key_path(*key), f"must be a key name (a string), got {show_value(text)}")
    try:
        return normalize_key(text)
    except ValueError as e:
        raise ConfigError(source, key_path(*key), f"invalid key name: {e}") from None


def _shell(value: Any, source: str) -> str:
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise ConfigError(source, "shell", f"must be a program path or name, got {show_value(value)}")
    if "/" in value or os.sep in value or value.startswith("~"):
        path = os.path.expanduser(value)
        if not os.path.isabs(path):
            raise ConfigError(source, "shell",
                              f"must be an absolute path or a program on PATH, got {show_value(value)}")
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise ConfigError(source, "shell", f"not an executable file: {path}")
        return path
    if shutil.which(value) is None:
        raise ConfigError(source, "shell", f"no program {toml_str(value)} on PATH")
    return value


def _parse_layer(data: Mapping[str, Any], source: str, base_dir: Path) -> _Layer:
    layer = _Layer(source, base_dir)
    check_unknown_keys(data, _TOP_KEYS, source)
    for key, value in data.items():
        if key == "shell":
            layer.values["shell"] = _shell(value, source)
        elif key == "prefix":
            layer.values["prefix"] = _key_name(value, source, "prefix")
        elif key == "theme":
            if not isinstance(value, str) or not value:
                raise ConfigError(source, "theme", "must be a bundled theme name or a path to a .toml theme "
                                  f"file, got {show_value(value)}")
            layer.theme = value
        elif key in ("mouse", "status_bar"):
            layer.values[key] = _bool(value, source, key)
        elif key in _TABLES:
            if not isinstance(value, Mapping):
                raise ConfigError(source, key, f"must be a table, got {show_value(value)}")
            check_unknown_keys(value, _TABLES[key], source, key)
            for sub, item in value.items():
                check = _bool if f"{key}.{sub}" in _BOOL_KEYS else _count
                layer.values[f"{key}.{sub}"] = check(item, source, key, sub)
        else:  # keys
            if not isinstance(value, Mapping):
                raise ConfigError(source, "keys", f"must be a table, got {show_value(value)}")
            seen: dict[str, str] = {}
            for text, action in value.items():
                canonical = _key_name(text, source, "keys", text)
                if canonical in seen:
                    raise ConfigError(source, key_path("keys", text),
                                      f"same key as {key_path('keys', seen[canonical])}")
                seen[canonical] = text
                if not isinstance(action, str):
                    raise ConfigError(source, key_path("keys", text),
                                      f"must be an action name (a string), got {show_value(action)}")
                if action != NONE and action not in ACTIONS:
                    hint = suggest(action, ACTIONS, "actions")
                    raise ConfigError(source, key_path("keys", text),
                                      f'unknown action {toml_str(action)}{hint}, or "none" to unbind')
                layer.keys.append((canonical, None if action == NONE else action))
    return layer


def _nest(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """{"scrollback.limit_bytes": 5, "theme": None} -> {"scrollback": {"limit_bytes": 5}}; None means unset."""
    nested: dict[str, Any] = {}
    for dotted, value in overrides.items():
        if value is None:
            continue
        *tables, last = str(dotted).split(".", 1)      # keys."." is a key named "."
        target = nested
        for i, table in enumerate(tables):
            target = target.setdefault(table, {})
            if not isinstance(target, dict):
                raise ConfigError(OVERRIDES_SOURCE, key_path(*tables[:i + 1]), "is not a table")
        if isinstance(value, Mapping) and isinstance(target.get(last), dict):
            target[last].update(value)
        else:
            target[last] = dict(value) if isinstance(value, Mapping) else value
    return nested


def _build(layers: list[_Layer], source: Path | None) -> Config:
    values: dict[str, Any] = {}
    theme: tuple[str, str, Path] = (DEFAULT_THEME, OVERRIDES_SOURCE, Path.cwd())
    for layer in layers:
        values.update(layer.values)
        if layer.theme is not None:
            theme = (layer.theme, layer.source, layer.base_dir)
    prefix = values.get("prefix", DEFAULT_PREFIX)
    bindings = default_bindings(prefix)
    for layer in layers:
        for key, action in layer.keys:
            if action is None:
                bindings.pop(key, None)
            else:
                bindings[key] = action
    ref, ref_source, base_dir = theme
    return Config(
        shell=values.get("shell") or default_shell(),
        prefix=prefix,
        theme=load_theme(ref, source=ref_source, base_dir=base_dir),
        mouse=values.get("mouse", True),
        status_bar=values.get("status_bar", False),
        scrollback=ScrollbackConfig(values.get("scrollback.limit_bytes", DEFAULT_LIMIT_BYTES),
                                    values.get("scrollback.limit_lines", 0)),
        clipboard=ClipboardConfig(values.get("clipboard.osc52_write", False)),
        keys=Bindings(bindings),
        monitor=MonitorConfig(values.get("monitor.bell", True), values.get("monitor.activity", True),
                              values.get("monitor.silence", 0), values.get("monitor.forward_notifications", True)),
        panes=PanesConfig(values.get("panes.border_titles", True)),
        source=source,
    )


def load_config(path: str | os.PathLike[str] | None = None, *,
                overrides: Mapping[str, Any] | None = None) -> Config:
    """Read the config file (`path`, else the default location, which may be missing) and apply `overrides`
    (command-line values, which win; keys are top-level names or dotted paths such as
    "scrollback.limit_bytes"; None values are ignored). Raises ConfigError for any mistake."""
    required = path is not None
    file = Path(path).expanduser() if path is not None else default_config_path()
    file = Path(os.path.normpath(file.absolute()))
    layers: list[_Layer] = []
    try:
        data: bytes | None = read_capped(file)
    except (FileNotFoundError, NotADirectoryError):
        if required:
            raise ConfigError(file, None, "no such config file") from None
        data = None
    except OSError as e:
        raise ConfigError(file, None, f"cannot read: {e.strerror or e}") from None
    if data is not None:
        layers.append(_parse_layer(parse_toml(data, str(file)), str(file), file.parent))
    if overrides:
        layers.append(_parse_layer(_nest(overrides), OVERRIDES_SOURCE, Path.cwd()))
    return _build(layers, file if data is not None else None)
