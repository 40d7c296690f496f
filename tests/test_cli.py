"""The command line's own text: `mux --help` says what the default keys do, with the keys as typed."""

from mux import cli
from mux.config import default_bindings, normalize_key

# What the top-level help names, as (the words it uses, the key, the default action that key must have).
HELP_KEYS = [
    ("% split side by side", "%", "split-right"),
    ('" split stacked', '"', "split-down"),
    ("z zoom", "z", "zoom"),
    ("x close", "x", "close-pane"),
    ("c new window", "c", "new-window"),
    ("[ scrollback", "[", "scrollback"),
    ("m memory bar", "m", "toggle-memory-bar"),
    ("? help", "?", "help"),
    ("d detach", "d", "detach"),
    ("s sessions", "s", "choose-session"),
]


def test_the_help_names_each_default_key_as_typed_and_as_bound():
    text = " ".join(cli.build_parser().format_help().split())     # argparse wraps lines
    assert "%%" not in text
    bindings = default_bindings()
    for words, key, action in HELP_KEYS:
        assert words in text, words
        assert bindings[normalize_key(key)] == action, key


def test_border_titles_flag_reaches_the_printed_config(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert cli.main(["--print-config"]) == 0
    assert "border_titles = true" in capsys.readouterr().out
    assert cli.main(["--no-border-titles", "--print-config"]) == 0
    assert "border_titles = false" in capsys.readouterr().out
