"""Differential tests: mux's emulator replayed against tmux and Ghostty on recorded corpora and edge cases."""
