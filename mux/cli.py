"""Command-line entry point: parses arguments and dispatches to the subcommands.

User errors (bad options, files) are one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from mux import __version__


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, status 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mux", description="A terminal multiplexer for long CLI sessions.")
    parser.add_argument("--version", action="version", version=f"mux {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    return 0
