"""The server's defaults for new panes are the lower layers' ones (one definition per fact): the shell policy of
mux.session.pane.default_shell and the scrollback limit of mux.terminal.pagelist."""

from __future__ import annotations

import shutil

import pytest

from mux.server.server import Server
from mux.session.pane import default_shell
from mux.terminal.pagelist import DEFAULT_LIMIT_BYTES


@pytest.fixture
def server():
    server = Server("", "defaults")         # in-process, never listening
    server.exit_when_empty = False
    yield server
    for session in list(server.sessions.values()):
        session.close()
    server.loop.close()


@pytest.mark.parametrize("shell", ["real", "/no/such/shell", "relative/sh", None])
def test_a_session_without_command_or_shell_runs_default_shell(server, monkeypatch, shell):
    if shell is None:
        monkeypatch.delenv("SHELL", raising=False)
    else:
        monkeypatch.setenv("SHELL", shutil.which("sh") if shell == "real" else shell)
    session = server.create_session("s", None, {}, (40, 10))
    pane = next(session.panes())
    assert pane.argv == [default_shell()]
    assert pane.argv == [shutil.which("sh") if shell == "real" else "/bin/sh"]


def test_a_session_without_a_limit_gets_the_page_memory_default(server):
    session = server.create_session("s", ["sh", "-c", "sleep 5"], {}, (40, 10))
    pane = next(session.panes())
    assert pane.terminal.primary.pages.max_bytes() == DEFAULT_LIMIT_BYTES
