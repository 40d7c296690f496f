"""Fixtures shared by the tests: a config that reads no user file and runs /bin/sh with a known prompt, an isolated
mux server (killed even when the test fails), and Textual clients attached to it."""

import pytest

from mux.config import load_config
from tests.server.harness import running_server


@pytest.fixture
def config(tmp_path, monkeypatch):
    """The defaults with /bin/sh, and without pane border titles, so that a pane's screen is its whole layout rect
    (the tests of border titles turn them on: `border_titles_config`)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("PS1", "$ ")
    return load_config(overrides={"shell": "/bin/sh", "panes.border_titles": False})


@pytest.fixture
def border_titles_config(config):
    """The `config` fixture's settings with pane border titles on (the user's default)."""
    return load_config(overrides={"shell": "/bin/sh", "panes.border_titles": True})


@pytest.fixture
def mux_server(tmp_path):
    with running_server(tmp_path / "server") as server:
        yield server


@pytest.fixture
def make_app(config, mux_server):
    """make_app(command=None, size=(100, 30), config=None) -> a MuxApp attached to a new session of mux_server;
    run it with `app.run_test(size=size)`."""
    from mux.ui.app import MuxApp
    from mux.ui.connection import Connection

    def make(command: list[str] | None = None, size: tuple[int, int] = (100, 30), app_config=None, name=None):
        cfg = app_config or config
        connection = Connection(mux_server.path, (size[0], size[1] - 1))
        connection.request({"t": "new", "name": name, "command": command, "cwd": None, "detached": False,
                            "options": cfg.pane_options()}, "attached")
        return MuxApp(cfg, connection)

    return make
