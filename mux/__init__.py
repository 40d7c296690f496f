"""mux: a terminal multiplexer for long CLI sessions, with Ghostty-style page memory you can see."""

__version__ = "0.1.0"
