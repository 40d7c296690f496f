"""Fixtures shared by the app tests: a config that reads no user file and runs /bin/sh with a known prompt."""

import pytest

from mux.config import load_config


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("PS1", "$ ")
    return load_config(overrides={"shell": "/bin/sh"})
