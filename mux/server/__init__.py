"""The mux server: owns sessions and panes; no Textual import."""
