"""The server process the client starts runs this very mux, whatever directory the client is started from."""

from __future__ import annotations

import subprocess

from mux.server.daemon import server_command, server_environment


def test_the_server_imports_this_mux_not_a_mux_in_the_working_directory(tmp_path):
    fake = tmp_path / "mux" / "server"
    fake.mkdir(parents=True)
    (tmp_path / "mux" / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "__main__.py").write_text("print('the mux of the working directory')\n")
    command = [*server_command(tmp_path / "socket", "test"), "--help"]
    done = subprocess.run(command, cwd=tmp_path, env=server_environment(), capture_output=True, text=True,
                          timeout=60)
    assert "working directory" not in done.stdout
    assert done.stdout.startswith("usage: mux-server")
