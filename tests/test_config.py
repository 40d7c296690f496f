"""mux.config: defaults, file location, validation messages, key names, bindings, overrides, round trip, themes."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import math
import os
import pickle
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from mux import config as cfg
from mux.config import ACTIONS, ConfigError, Theme, load_config, load_theme, normalize_key
from mux.session import keynames

ROOT = Path(__file__).resolve().parent.parent
THEMES_DIR = ROOT / "themes"


@pytest.fixture(autouse=True)
def env(tmp_path, monkeypatch):
    """A clean environment: HOME in tmp, no XDG_CONFIG_HOME, SHELL=/bin/sh, cwd = tmp."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("SHELL", "/bin/sh")
    monkeypatch.chdir(tmp_path)
    return home


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(call, *args, **kwargs) -> str:
    with pytest.raises(ConfigError) as info:
        call(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message, message
    return message


# ------------------------------------------------------------------------------------------------ defaults


def test_defaults_without_a_file():
    config = load_config()
    assert config == cfg.default_config()
    assert config.source is None
    assert config.shell == "/bin/sh"
    assert config.prefix == "ctrl+b"
    assert config.theme.name == "default" and config.theme.bundled
    assert config.mouse is True and config.status_bar is False
    assert config.scrollback == cfg.ScrollbackConfig(10_000_000, 0)
    assert config.scrollback_bytes == 10_000_000 and config.scrollback_lines is None
    assert config.osc52_write is False
    assert config.clipboard.osc52_write is False
    assert config.monitor == cfg.MonitorConfig(bell=True, activity=True, silence=0, forward_notifications=True)
    assert {k: config.pane_options()[k] for k in ("bell", "activity", "silence")} == \
        {"bell": True, "activity": True, "silence": 0}


def test_default_bindings_are_tmux_like():
    expected = {
        "percent_sign": "split-right", "quotation_mark": "split-down",
        "left": "focus-left", "down": "focus-down", "up": "focus-up", "right": "focus-right",
        "h": "focus-left", "j": "focus-down", "k": "focus-up", "l": "focus-right",
        "ctrl+left": "resize-left", "ctrl+down": "resize-down", "ctrl+up": "resize-up",
        "ctrl+right": "resize-right",
        "z": "zoom", "x": "close-pane", "c": "new-window", "n": "next-window", "p": "prev-window",
        **{str(n): f"select-window-{n}" for n in range(10)},
        "comma": "rename-window", "left_square_bracket": "scrollback", "m": "toggle-memory-bar",
        "question_mark": "help", "d": "detach", "s": "choose-session", "dollar_sign": "rename-session",
        "ampersand": "kill-window", "ctrl+b": "send-prefix",
        "space": "next-layout", "left_curly_bracket": "swap-pane-prev", "right_curly_bracket": "swap-pane-next",
        "exclamation_mark": "break-pane", "o": "next-pane", "semicolon": "last-pane", "q": "display-panes",
    }
    assert dict(cfg.default_config().keys) == expected


def test_default_scrollback_limit_matches_the_page_memory_default():
    from mux.terminal.pagelist import DEFAULT_LIMIT_BYTES
    assert cfg.DEFAULT_LIMIT_BYTES == DEFAULT_LIMIT_BYTES


def test_default_shell_comes_from_SHELL_when_executable(monkeypatch):
    real = shutil.which("sh")
    assert real
    monkeypatch.setenv("SHELL", real)
    assert load_config().shell == real
    monkeypatch.setenv("SHELL", "/no/such/shell")
    assert load_config().shell == "/bin/sh"
    monkeypatch.delenv("SHELL")
    assert load_config().shell == "/bin/sh"


def test_config_is_frozen_and_hashable():
    config = cfg.default_config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.prefix = "ctrl+a"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.theme.background = 0  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.keys["z"] = "quit"  # type: ignore[index]
    with pytest.raises(AttributeError):
        config.keys._map = {}  # type: ignore[misc]
    assert hash(config) == hash(cfg.default_config())
    assert pickle.loads(pickle.dumps(config)) == config == copy.deepcopy(config)


def test_config_checks_its_invariants_whoever_builds_it():
    config = cfg.default_config()
    with pytest.raises(ValueError):
        dataclasses.replace(config, prefix="%")            # not canonical: percent_sign is
    with pytest.raises(ValueError):
        dataclasses.replace(config, keys={"z": "explode"})
    with pytest.raises(ValueError):
        cfg.ScrollbackConfig(limit_bytes=-1)
    with pytest.raises(ValueError):
        cfg.MonitorConfig(silence=-1)
    with pytest.raises(ValueError):
        cfg.MonitorConfig(activity="yes")


# ------------------------------------------------------------------------------------------------ location


def test_default_location_is_under_home_config(env):
    assert cfg.default_config_path() == env / ".config" / "mux" / "config.toml"


def test_xdg_config_home_is_used(tmp_path, monkeypatch):
    xdg = tmp_path / "xdg"
    file = write(xdg / "mux" / "config.toml", "mouse = false\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    assert cfg.default_config_path() == file
    config = load_config()
    assert config.mouse is False and config.source == file


def test_relative_xdg_config_home_is_ignored(env, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    assert cfg.default_config_path() == env / ".config" / "mux" / "config.toml"


def test_file_at_the_default_location_is_read(env):
    write(env / ".config" / "mux" / "config.toml", 'status_bar = true\n')
    assert load_config().status_bar is True


def test_missing_explicit_path_is_an_error(tmp_path):
    missing = tmp_path / "nope.toml"
    assert error_of(load_config, missing) == f"{missing}: no such config file"


def test_explicit_path_wins_over_the_default_location(env, tmp_path):
    write(env / ".config" / "mux" / "config.toml", "mouse = false\n")
    explicit = write(tmp_path / "other.toml", "status_bar = true\n")
    config = load_config(str(explicit))
    assert config.mouse is True and config.status_bar is True and config.source == explicit


def test_unreadable_and_non_utf8_files(tmp_path):
    assert error_of(load_config, tmp_path).startswith(f"{tmp_path}: cannot read: ")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'shell = "caf\xe9"\n')
    assert error_of(load_config, bad) == f"{bad}: not UTF-8 text (bad byte at offset 12)"


@pytest.mark.parametrize("text, where", [
    ("mouse = \n", "line 1, column 9"),
    ("shell = '/bin/sh'\nshell = '/bin/sh'\n", "line 2, column 18"),
    ("[keys]\n% = 'zoom'\n", "line 2, column 1"),
    ('shell = "/bin/sh', "end of file"),
])
def test_toml_syntax_errors_name_the_file_line_and_column(tmp_path, text, where):
    file = write(tmp_path / "c.toml", text)
    message = error_of(load_config, file)
    assert message.startswith(f"{file}: {where}: invalid TOML: "), message


# ------------------------------------------------------------------------------------------------ validation

BAD_VALUES = [
    ('colour = "red"', "colour", "unknown key (expected one of: clipboard, keys, monitor, mouse, panes, prefix, "
                                 "scrollback, shell, status_bar, theme)"),
    ("mous = true", "mous", 'unknown key (did you mean "mouse"?)'),
    ("shell = 5", "shell", "must be a program path or name, got 5"),
    ('shell = ""', "shell", 'must be a program path or name, got ""'),
    ('shell = "/no/such/zsh"', "shell", "not an executable file: /no/such/zsh"),
    ('shell = "bin/zsh"', "shell", 'must be an absolute path or a program on PATH, got "bin/zsh"'),
    ('shell = "no-such-shell-xyz"', "shell", 'no program "no-such-shell-xyz" on PATH'),
    ("prefix = 2", "prefix", "must be a key name (a string), got 2"),
    ('prefix = "ctrl+foo"', "prefix", 'invalid key name: unknown key "foo"'),
    ('prefix = "hyper+x"', "prefix", 'invalid key name: unknown modifier "hyper" (modifiers are ctrl, alt, shift)'),
    ("theme = true", "theme", "must be a bundled theme name or a path to a .toml theme file, got true"),
    ('theme = "nrod"', "theme", 'unknown theme "nrod" (did you mean "nord"?); a theme file needs a path '
                                "(with a / or ending in .toml)"),
    ('mouse = "yes"', "mouse", 'must be true or false, got "yes"'),
    ("status_bar = 1", "status_bar", "must be true or false, got 1"),
    ("scrollback = 5", "scrollback", "must be a table, got 5"),
    ("[scrollback]\nlimit_bytes = -5", "scrollback.limit_bytes", "must be a whole number >= 0, got -5"),
    ("[scrollback]\nlimit_bytes = 1e6", "scrollback.limit_bytes", "must be a whole number >= 0, got 1000000.0"),
    ('[scrollback]\nlimit_bytes = "10M"', "scrollback.limit_bytes", 'must be a whole number >= 0, got "10M"'),
    ("[scrollback]\nlimit_lines = true", "scrollback.limit_lines", "must be a whole number >= 0, got true"),
    ("[scrollback]\nlimit_lines = -1", "scrollback.limit_lines", "must be a whole number >= 0, got -1"),
    ("[scrollback]\nlimit = 5", "scrollback.limit",
     'unknown key (did you mean "limit_lines"?)'),
    ("clipboard = []", "clipboard", "must be a table, got an array"),
    ('[clipboard]\nosc52_write = "on"', "clipboard.osc52_write", 'must be true or false, got "on"'),
    ("[clipboard]\nosc52 = true", "clipboard.osc52", 'unknown key (did you mean "osc52_write"?)'),
    ("monitor = true", "monitor", "must be a table, got true"),
    ('[monitor]\nbell = "yes"', "monitor.bell", 'must be true or false, got "yes"'),
    ("[monitor]\nactivity = 1", "monitor.activity", "must be true or false, got 1"),
    ("[monitor]\nsilence = -3", "monitor.silence", "must be a whole number >= 0, got -3"),
    ("[monitor]\nsilence = 2.5", "monitor.silence", "must be a whole number >= 0, got 2.5"),
    ("[monitor]\nsilence = true", "monitor.silence", "must be a whole number >= 0, got true"),
    ('[monitor]\nforward_notifications = "on"', "monitor.forward_notifications", 'must be true or false, got "on"'),
    ("[monitor]\nsilent = 5", "monitor.silent", 'unknown key (did you mean "silence"?)'),
    ('[panes]\nborder_titles = "yes"', "panes.border_titles", 'must be true or false, got "yes"'),
    ("[panes]\nborder_titles = 1", "panes.border_titles", "must be true or false, got 1"),
    ("[panes]\nborder_title = false", "panes.border_title", 'unknown key (did you mean "border_titles"?)'),
    ("panes = true", "panes", "must be a table, got true"),
    ('keys = "none"', "keys", 'must be a table, got "none"'),
    ('[keys]\n"%" = 5', 'keys."%"', "must be an action name (a string), got 5"),
    ('[keys]\n"%" = "split-righ"', 'keys."%"', 'unknown action "split-righ" (did you mean "split-right"?), '
                                              'or "none" to unbind'),
    ('[keys]\n"ctrl+foo" = "zoom"', 'keys."ctrl+foo"', 'invalid key name: unknown key "foo"'),
    ('[keys]\n"shift+5" = "zoom"', 'keys."shift+5"', "invalid key name: shift with "),
    ('[keys]\n"%" = "zoom"\npercent_sign = "quit"', "keys.percent_sign", 'same key as keys."%"'),
    ('[keys]\n"\\"" = "zoom"\n"\\t" = "quit"', 'keys."\\t"', 'invalid key name: "\\t" is not a printable character'),
]


@pytest.mark.parametrize("text, key, reason", BAD_VALUES, ids=[b[1] + ":" + b[2][:24] for b in BAD_VALUES])
def test_every_bad_value_is_one_line_naming_file_key_and_reason(tmp_path, text, key, reason):
    file = write(tmp_path / "config.toml", text + "\n")
    message = error_of(load_config, file)
    assert message.startswith(f"{file}: {key}: {reason}"), message


def test_the_documented_example_message_exactly(tmp_path):
    file = write(tmp_path / "config.toml", "[scrollback]\nlimit_bytes = -5\n")
    assert error_of(load_config, file) == f"{file}: scrollback.limit_bytes: must be a whole number >= 0, got -5"


def test_unknown_action_without_a_close_match_lists_the_actions(tmp_path):
    file = write(tmp_path / "config.toml", '[keys]\nq = "xyzzy"\n')
    message = error_of(load_config, file)
    assert message.startswith(f'{file}: keys.q: unknown action "xyzzy" (actions: ')
    assert all(action in message for action in ACTIONS)


def test_user_strings_cannot_break_the_one_line_message(tmp_path):
    file = write(tmp_path / "config.toml", 'theme = "a\\nb"\n')
    assert error_of(load_config, file).startswith(f'{file}: theme: unknown theme "a\\nb"')


def test_valid_values_are_taken(tmp_path):
    sh = shutil.which("sh")
    file = write(tmp_path / "config.toml", f"""
        shell = "{sh}"
        prefix = "ctrl+a"
        theme = "nord"
        mouse = false
        status_bar = true
        [scrollback]
        limit_bytes = 0
        limit_lines = 5_000
        [clipboard]
        osc52_write = true
        [monitor]
        bell = false
        activity = false
        silence = 30
        forward_notifications = false
        """.replace("\n        ", "\n"))
    config = load_config(file)
    assert config.shell == sh and config.prefix == "ctrl+a" and config.theme.name == "nord"
    assert config.mouse is False and config.status_bar is True
    assert config.scrollback == cfg.ScrollbackConfig(0, 5000)
    assert config.scrollback_bytes == 0 and config.scrollback_lines == 5000
    assert config.clipboard.osc52_write is True and config.osc52_write is True
    assert config.monitor == cfg.MonitorConfig(bell=False, activity=False, silence=30, forward_notifications=False)
    options = config.pane_options()
    assert (options["bell"], options["activity"], options["silence"]) == (False, False, 30)


def test_shell_given_by_name_is_looked_up_on_path(tmp_path):
    file = write(tmp_path / "config.toml", 'shell = "sh"\n')
    assert load_config(file).shell == "sh"


# ------------------------------------------------------------------------------------------------ key names


@pytest.mark.parametrize("text, canonical", [
    ("ctrl+b", "ctrl+b"), ("CTRL+b", "ctrl+b"), ("control+b", "ctrl+b"),
    ("%", "percent_sign"), ("percent_sign", "percent_sign"), ("Percent_Sign", "percent_sign"),
    ('"', "quotation_mark"), ("?", "question_mark"), (",", "comma"), ("[", "left_square_bracket"),
    ("-", "minus"), ("hyphen_minus", "minus"), ("+", "plus"), ("ctrl++", "ctrl+plus"), ("@", "at"),
    (" ", "space"), ("space", "space"), ("shift+space", "shift+space"),
    ("a", "a"), ("A", "A"), ("shift+a", "A"), ("shift+A", "A"), ("7", "7"),
    ("shift+ctrl+a", "ctrl+shift+a"), ("ctrl+alt+x", "alt+ctrl+x"), ("ctrl+shift+5", "ctrl+shift+5"),
    ("ctrl+@", "ctrl+space"), ("ctrl+at", "ctrl+space"), ("ctrl+space", "ctrl+space"),
    ("left", "left"), ("Left", "left"), ("ctrl+left", "ctrl+left"), ("shift+tab", "shift+tab"),
    ("F5", "f5"), ("f24", "f24"), ("esc", "escape"), ("return", "enter"), ("pageup", "pageup"),
    ("€", "euro_sign"), ("euro_sign", "euro_sign"), ("é", "é"),
])
def test_key_names_normalise_to_textual_names(text, canonical):
    assert normalize_key(text) == canonical
    assert normalize_key(canonical) == canonical                  # canonical names are fixed points
    assert normalize_key(cfg.display_key(canonical)) == canonical  # and so is the display form


@pytest.mark.parametrize("text, reason", [
    ("ctrl+foo", 'unknown key "foo"'),
    ("hyper+x", 'unknown modifier "hyper"'),
    ("super+x", 'unknown modifier "super"'),
    ("meta+x", 'unknown modifier "meta"'),
    ("lefft", 'unknown key "lefft" (did you mean "left"?)'),
    ("f25", 'unknown key "f25"'),
    ("", "empty key name"),
    ("ctrl+", '"ctrl+" has an empty part'),
    ("+b", '"+b" has an empty part'),
    ("ctrl+ctrl+b", 'modifier "ctrl" given twice'),
    ("ctrl+b ", 'unknown key "b "'),
    ("\x1b", "is not a printable character"),
    ("shift+5", "shift with"),
    ("shift+%", "shift with"),
    ("shift+comma", "shift with"),
    ("ctrl+B", "is ambiguous"),
    ("alt+X", "is ambiguous"),
])
def test_invalid_key_names_are_rejected(text, reason):
    with pytest.raises(ValueError) as info:
        normalize_key(text)
    assert reason in str(info.value)


def _textual_keys(data: str) -> list[str]:
    from textual import events
    from textual._xterm_parser import XTermParser

    parser = XTermParser()
    messages = [*parser.feed(data), *parser.feed("")]
    return [m.key for m in messages if isinstance(m, events.Key)]


@pytest.mark.parametrize("sequence, name", [
    ("%", "%"), ('"', '"'), ("?", "?"), (",", ","), ("[", "["), ("\x02", "ctrl+b"), ("\x01", "ctrl+a"),
    ("\x00", "ctrl+@"), ("\x1b[32;5u", "ctrl+space"), ("\x1b[98;5u", "ctrl+b"), ("\x1b[37u", "%"),
    ("A", "shift+a"), ("\x1b[97;6u", "ctrl+shift+a"), ("\x1b[1;5D", "ctrl+left"), ("\x1b[D", "left"),
    ("\x1bx", "alt+x"), ("\x1bX", "alt+shift+x"), ("\x1b[Z", "shift+tab"), ("\x1b[15~", "f5"),
    ("\r", "return"), (" ", "space"), ("\x1b[53;6u", "ctrl+shift+5"),
])
def test_normalised_names_equal_what_textual_reports(sequence, name):
    """The real Textual input parser, legacy and kitty-protocol sequences: events.Key.key matches."""
    (reported,) = _textual_keys(sequence)
    assert cfg.event_key(reported) == normalize_key(name)


def test_every_printable_ascii_character_matches_textual():
    for code in range(0x20, 0x7F):
        ch = chr(code)
        (reported,) = _textual_keys(ch)
        assert normalize_key(ch) == reported, ch


def test_key_tables_agree_with_textual():
    from textual._keyboard_protocol import FUNCTIONAL_KEYS
    from textual.keys import KEY_NAME_REPLACEMENTS, Keys

    assert keynames.CHAR_NAME_REPLACEMENTS == KEY_NAME_REPLACEMENTS
    textual_names = {k.value.rpartition("+")[2] for k in Keys} | set(FUNCTIONAL_KEYS.values())
    assert cfg.NAMED_KEYS <= textual_names
    for key in Keys:
        base = key.value.rpartition("+")[2]
        if base.isalpha() and len(base) > 1 and not key.value.startswith("<") and base != "return":
            normalize_key(base)                 # every named Textual key is accepted


# --------------------------------------------------------------------------------------- actions, bindings


def test_actions_are_one_set_and_defaults_use_only_them():
    assert ACTIONS == frozenset(cfg.ACTION_HELP)
    assert set(cfg.default_bindings().values()) <= ACTIONS
    assert {f"select-window-{n}" for n in range(10)} <= ACTIONS
    assert all(isinstance(text, str) and text and "\n" not in text for text in cfg.ACTION_HELP.values())


def test_bindings_are_a_read_only_hashable_mapping():
    bindings = cfg.Bindings({"z": "zoom", "a": "quit"})
    assert list(bindings) == ["a", "z"] and bindings == {"a": "quit", "z": "zoom"} and len(bindings) == 2
    assert bindings == cfg.Bindings([("a", "quit"), ("z", "zoom")])
    assert hash(bindings) == hash(cfg.Bindings([("a", "quit"), ("z", "zoom")]))
    assert bindings != cfg.Bindings({"z": "zoom"}) and bindings.get("q") is None
    assert pickle.loads(pickle.dumps(bindings)) == bindings


def test_user_bindings_merge_over_the_defaults(tmp_path):
    file = write(tmp_path / "config.toml", '[keys]\n"%" = "zoom"\n"ctrl+r" = "rename-window"\nv = "split-right"\n')
    config = load_config(file)
    assert config.action_for("percent_sign") == "zoom"
    assert config.action_for("ctrl+r") == "rename-window"
    assert config.action_for("v") == "split-right"
    assert config.action_for("quotation_mark") == "split-down"          # untouched defaults stay
    assert config.keys_for("split-right") == ("v",)
    assert config.action_for("y") is None


def test_none_removes_a_binding(tmp_path):
    file = write(tmp_path / "config.toml", '[keys]\nx = "none"\nd = "none"\nw = "none"\n')
    config = load_config(file)
    assert "x" not in config.keys and config.action_for("d") is None
    assert config.action_for("z") == "zoom"
    assert len(config.keys) == len(cfg.default_bindings()) - 2       # w had no binding: nothing to remove


def test_send_prefix_follows_the_prefix(tmp_path):
    file = write(tmp_path / "config.toml", 'prefix = "ctrl+a"\n')
    config = load_config(file)
    assert config.is_prefix("ctrl+a") and not config.is_prefix("ctrl+b")
    assert config.action_for("ctrl+a") == "send-prefix" and config.action_for("ctrl+b") is None


def test_nul_prefix_matches_both_spellings_textual_uses(tmp_path):
    config = load_config(write(tmp_path / "config.toml", 'prefix = "ctrl+space"\n'))
    assert config.is_prefix("ctrl+@") and config.is_prefix("ctrl+space")
    assert config.action_for("ctrl+@") == "send-prefix"


# ------------------------------------------------------------------------------------------------ overrides


def test_overrides_beat_the_file(tmp_path):
    file = write(tmp_path / "config.toml", 'theme = "nord"\nstatus_bar = false\nprefix = "ctrl+a"\n'
                                           "[scrollback]\nlimit_lines = 10\nlimit_bytes = 7\n")
    config = load_config(file, overrides={"theme": "dracula", "status_bar": True, "shell": "/bin/sh",
                                          "scrollback.limit_lines": 500, "prefix": None})
    assert config.theme.name == "dracula" and config.status_bar is True and config.shell == "/bin/sh"
    assert config.scrollback == cfg.ScrollbackConfig(7, 500)                   # the file's limit_bytes stays
    assert config.prefix == "ctrl+a"                                            # None: not given


def test_overrides_as_nested_tables_and_keys():
    config = load_config(overrides={"scrollback": {"limit_bytes": 1}, "keys": {"%": "none", ".": "zoom"}})
    assert config.scrollback.limit_bytes == 1
    assert "percent_sign" not in config.keys and config.action_for("full_stop") == "zoom"
    assert load_config(overrides={"keys.%": "quit"}).action_for("percent_sign") == "quit"


def test_bad_overrides_are_reported_against_the_command_line():
    assert error_of(load_config, overrides={"theme": "nrod"}).startswith(
        'command line: theme: unknown theme "nrod" (did you mean "nord"?)')
    assert error_of(load_config, overrides={"status_bar": "yes"}) == (
        'command line: status_bar: must be true or false, got "yes"')
    assert error_of(load_config, overrides={"scrollback.limit_bytes": -1}) == (
        "command line: scrollback.limit_bytes: must be a whole number >= 0, got -1")
    assert error_of(load_config, overrides={"colour": "x"}).startswith("command line: colour: unknown key")


def test_only_the_winning_theme_is_loaded(tmp_path):
    file = write(tmp_path / "config.toml", 'theme = "./missing.toml"\n')
    assert error_of(load_config, file) == f"{file}: theme: no such theme file: {tmp_path / 'missing.toml'}"
    assert load_config(file, overrides={"theme": "nord"}).theme.name == "nord"


# ----------------------------------------------------------------------------------------------- round trip


def round_trip(config: cfg.Config, tmp_path: Path) -> cfg.Config:
    text = config.to_toml()
    tomllib.loads(text)                                     # valid TOML
    return load_config(write(tmp_path / "printed.toml", text))


def test_print_config_round_trips_the_defaults(tmp_path):
    config = load_config()
    assert round_trip(config, tmp_path) == config


def test_print_config_round_trips_a_customised_config(tmp_path):
    theme_file = write(tmp_path / "themes" / "mine.toml", (THEMES_DIR / "nord.toml").read_text())
    file = write(tmp_path / "conf" / "config.toml", f"""
        shell = "{shutil.which('sh')}"
        prefix = "ctrl+a"
        theme = "../themes/mine.toml"
        mouse = false
        [scrollback]
        limit_bytes = 123_456
        limit_lines = 77
        [clipboard]
        osc52_write = true
        [monitor]
        activity = false
        silence = 45
        forward_notifications = false
        [keys]
        "%" = "none"
        "ctrl+b" = "zoom"
        "\\\\" = "split-right"
        "\\"" = "none"
        "'" = "split-down"
        "shift+tab" = "prev-window"
        "€" = "help"
        """.replace("\n        ", "\n"))
    config = load_config(file, overrides={"status_bar": True})
    assert config.theme.source == str(theme_file) and not config.theme.bundled
    assert config.action_for("backslash") == "split-right" and config.action_for("apostrophe") == "split-down"
    again = round_trip(config, tmp_path)
    assert again == config
    assert again.theme.source == config.theme.source
    text = config.to_toml()
    assert '"%" = "none"' in text and 'theme = "' + str(theme_file) + '"' in text
    assert again.monitor == cfg.MonitorConfig(bell=True, activity=False, silence=45, forward_notifications=False)


def test_pane_border_titles_default_on_and_can_be_turned_off(tmp_path):
    assert load_config().panes == cfg.PanesConfig(border_titles=True)
    assert load_config().pane_options()["border_titles"] is True
    config = load_config(write(tmp_path / "config.toml", "[panes]\nborder_titles = false\n"))
    assert config.panes.border_titles is False and config.pane_options()["border_titles"] is False
    assert round_trip(config, tmp_path) == config
    assert "[panes]\nborder_titles = false" in config.to_toml()
    assert load_config(overrides={"panes.border_titles": True}).panes.border_titles is True
    with pytest.raises(ValueError):
        cfg.PanesConfig(border_titles="no")


def test_print_config_output_is_commented_toml():
    text = cfg.default_config().to_toml()
    assert text.startswith("# mux: the effective configuration")
    assert '"%" = "split-right"' in text and "# split the pane side by side" in text
    assert "limit_bytes = 10_000_000" in text


# ------------------------------------------------------------------------------------------------ themes

EXPECTED_THEMES = {"default", "solarized-dark", "solarized-light", "gruvbox-dark", "nord", "dracula",
                   "tokyo-night", "catppuccin-mocha"}


def test_bundled_themes_are_the_files_in_themes_dir():
    names = cfg.bundled_themes()
    assert set(names) == {p.stem for p in THEMES_DIR.glob("*.toml")}
    assert EXPECTED_THEMES <= set(names) and len(names) >= 6
    assert names == sorted(names)


def _distance(a: int, b: int) -> float:
    return math.dist([(a >> 16) & 255, (a >> 8) & 255, a & 255], [(b >> 16) & 255, (b >> 8) & 255, b & 255])


def _luminance(v: int) -> float:
    channels = [((v >> s) & 255) / 255 for s in (16, 8, 0)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: int, b: int) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("name", sorted(EXPECTED_THEMES))
def test_every_bundled_theme_loads_with_distinct_enough_colours(name):
    """Distinct enough: the 8 normal colours are pairwise clearly apart; the 12 chromatic colours (normal and
    bright red..cyan) stand out from the background; the foreground is readable. Bright colours may repeat
    normal ones, as Nord's published palette does; black/white may equal the background, as Solarized's do."""
    theme = load_theme(name)
    assert theme.name == name and theme.bundled
    assert len(theme.ansi) == 16 and all(0 <= c <= 0xFFFFFF for c in theme.ansi)
    for a, b in itertools.combinations(theme.ansi[:8], 2):
        assert _distance(a, b) >= 30, (name, Theme.hex(a), Theme.hex(b))
    for i in (1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 14):
        assert _distance(theme.ansi[i], theme.background) >= 100, (name, cfg.ANSI_NAMES[i])
    assert len(set(theme.ansi)) >= 11
    assert _contrast(theme.foreground, theme.background) >= 3.0
    assert _contrast(theme.status_foreground, theme.status_background) >= 3.0
    assert _contrast(theme.selection_foreground, theme.selection_background) >= 3.0
    assert _distance(theme.border, theme.border_focused) >= 30


def test_theme_values_are_read_exactly():
    dracula = load_theme("dracula")
    assert dracula.background == 0x282A36 and dracula.foreground == 0xF8F8F2
    assert dracula.ansi[1] == 0xFF5555 and dracula.ansi[15] == 0xFFFFFF
    assert Theme.hex(dracula.ansi[4]) == "#bd93f9"


def test_palette_is_the_theme_then_xterm_cube_and_greys():
    theme = load_theme("default")
    palette = theme.palette()
    assert len(palette) == 256 and palette[:16] == theme.ansi
    assert palette[16] == 0x000000 and palette[21] == 0x0000FF and palette[196] == 0xFF0000
    assert palette[231] == 0xFFFFFF and palette[67] == 0x5F87AF
    assert palette[232] == 0x080808 and palette[244] == 0x808080 and palette[255] == 0xEEEEEE


def test_hex():
    assert Theme.hex(0) == "#000000" and Theme.hex(0xABCDEF) == "#abcdef"
    for bad in (-1, 0x1000000, True, "1"):
        with pytest.raises(ValueError):
            Theme.hex(bad)  # type: ignore[arg-type]


def test_theme_to_toml_round_trips(tmp_path):
    theme = load_theme("gruvbox-dark")
    file = write(tmp_path / "copy.toml", theme.to_toml())
    copy = load_theme(str(file))
    assert copy.name == "copy" and copy.ansi == theme.ansi and copy.palette() == theme.palette()
    assert dataclasses.replace(copy, name=theme.name) == theme


def user_theme(tmp_path: Path, edit=None, name="mine.toml") -> Path:
    text = (THEMES_DIR / "nord.toml").read_text()
    if edit:
        text = edit(text)
    return write(tmp_path / name, text)


def test_user_theme_by_path(tmp_path):
    file = user_theme(tmp_path, lambda t: t.replace('red = "#bf616a"', 'red = "#FF0000"', 1))
    theme = load_theme(str(file))
    assert theme.name == "mine" and not theme.bundled and theme.source == str(file) and theme.ref == str(file)
    assert theme.ansi[1] == 0xFF0000 and theme.ansi[9] == 0xBF616A
    assert load_theme("mine.toml", base_dir=tmp_path) == theme             # relative to base_dir
    assert load_theme("./mine.toml") == theme                               # default: the current directory


def test_user_theme_path_in_config_is_relative_to_the_config_file(tmp_path, env):
    user_theme(env / ".config" / "mux", name="mine.toml")
    write(env / ".config" / "mux" / "config.toml", 'theme = "mine.toml"\n')
    assert load_config().theme.source == str(env / ".config" / "mux" / "mine.toml")
    write(env / ".config" / "mux" / "config.toml", 'theme = "~/.config/mux/mine.toml"\n')
    assert load_config().theme.name == "mine"


def test_bad_theme_colour(tmp_path):
    file = user_theme(tmp_path, lambda t: t.replace('red = "#bf616a"', 'red = "red"', 1))
    assert error_of(load_theme, str(file)) == f'{file}: ansi.red: must be a colour "#rrggbb", got "red"'
    file = user_theme(tmp_path, lambda t: t.replace('border = "#4c566a"', 'border = "#4c566"'))
    assert error_of(load_theme, str(file)) == f'{file}: ui.border: must be a colour "#rrggbb", got "#4c566"'
    file = user_theme(tmp_path, lambda t: t.replace('cursor = "#d8dee9"', "cursor = 0xd8dee9"))
    assert error_of(load_theme, str(file)) == f'{file}: terminal.cursor: must be a colour "#rrggbb", got 14212841'


def test_missing_theme_key_and_table(tmp_path):
    file = user_theme(tmp_path, lambda t: t.replace('border = "#4c566a"', ""))
    assert error_of(load_theme, str(file)) == f"{file}: ui.border: missing"
    file = user_theme(tmp_path, lambda t: t[:t.index("[ui]")])
    assert error_of(load_theme, str(file)) == f"{file}: ui: missing table"


def test_unknown_theme_keys_are_rejected(tmp_path):
    file = user_theme(tmp_path, lambda t: t.replace("[ui]", '[ui]\nborderr = "#000000"'))
    assert error_of(load_theme, str(file)) == f'{file}: ui.borderr: unknown key (did you mean "border"?)'
    file = user_theme(tmp_path, lambda t: 'name = "x"\n' + t)
    assert error_of(load_theme, str(file)) == f"{file}: name: unknown key (expected one of: ansi, terminal, ui)"
    file = user_theme(tmp_path, lambda t: t + "\n[extra]\n")
    assert error_of(load_theme, str(file)).startswith(f"{file}: extra: unknown key")


def test_theme_errors_from_a_config_name_the_theme_file(tmp_path):
    theme = user_theme(tmp_path, lambda t: t.replace('green = "#a3be8c"', 'green = "#a3be8"', 1))
    file = write(tmp_path / "config.toml", f'theme = "{theme}"\n')
    assert error_of(load_config, file) == f'{theme}: ansi.green: must be a colour "#rrggbb", got "#a3be8"'
    broken = write(tmp_path / "broken.toml", "[ansi\n")
    file = write(tmp_path / "config.toml", 'theme = "broken.toml"\n')
    assert error_of(load_config, file).startswith(f"{broken}: line 1, column 6: invalid TOML: ")


def test_unknown_bundled_theme_lists_them_when_nothing_is_close():
    message = error_of(load_theme, "zzzzzz")
    assert message.startswith('command line: theme: unknown theme "zzzzzz" (bundled themes: catppuccin-mocha, ')


# ------------------------------------------------------------------------------------------------ packaging


def _installed_layout(site: Path, with_themes: bool) -> None:
    """What a non-editable install puts in site-packages: the package mux/ (config.py, theme.py beside it),
    themes as mux/themes/."""
    shutil.copytree(ROOT / "mux", site / "mux", ignore=shutil.ignore_patterns("__pycache__"))
    if with_themes:
        shutil.copytree(THEMES_DIR, site / "mux" / "themes")


PROBE = """
import sys
sys.path.insert(0, sys.argv[1])
from mux import config
assert config.__file__.startswith(sys.argv[1]), config.__file__
try:
    theme = config.load_theme("tokyo-night")
except config.ConfigError as e:
    print("error:", e)
else:
    print(",".join(config.bundled_themes()), theme.source)
"""


def test_bundled_themes_are_found_in_an_installed_package(tmp_path):
    site = tmp_path / "site"
    _installed_layout(site, with_themes=True)
    done = subprocess.run([sys.executable, "-c", PROBE, str(site)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": ""})
    assert done.returncode == 0, done.stderr
    names, source = done.stdout.split()
    assert set(names.split(",")) == {p.stem for p in THEMES_DIR.glob("*.toml")}
    assert source == str(site / "mux" / "themes" / "tokyo-night.toml")


def test_an_install_without_themes_fails_with_one_line(tmp_path):
    site = tmp_path / "site"
    _installed_layout(site, with_themes=False)
    done = subprocess.run([sys.executable, "-c", PROBE, str(site)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": ""})
    assert done.returncode == 0, done.stderr
    assert done.stdout == "error: command line: theme: no bundled themes found: mux is not installed correctly\n"


def test_pyproject_ships_the_themes_as_package_mux_themes():
    """Once pyproject.toml maps package mux.themes to themes/, the explicit package list must name every
    package under mux/ (setuptools' find cannot discover a remapped package, so the list replaces it)."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    if setuptools.get("package-dir", {}).get("mux.themes") != "themes":
        pytest.skip("pyproject.toml does not ship themes/ as mux.themes yet")
    packages = set(setuptools["packages"])
    assert "mux.themes" in packages and "*.toml" in setuptools["package-data"]["mux.themes"]
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "mux").rglob("*.py")}
    assert found - packages == set(), "add these packages to [tool.setuptools] packages"
