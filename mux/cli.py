"""Command-line entry point: parses arguments and dispatches to the subcommands.

User errors (bad options, files) are one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from mux import __version__


class UserError(Exception):
    """A problem the user can fix (bad file, option, config): reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, status 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} cannot be negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mux", description="A terminal multiplexer for long CLI sessions.")
    parser.add_argument("--version", action="version", version=f"mux {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    replay = sub.add_parser(
        "replay", help="feed a recorded byte stream through the emulator, headless",
        description="Feed FILE (or - for stdin) through exactly the stream -> screen -> PageList path panes use, "
                    "and print the resulting rows and/or memory stats.")
    replay.add_argument("file", metavar="FILE", help="recorded terminal output, or - for standard input")
    replay.add_argument("--cols", type=_positive, default=80, help="screen width (default 80)")
    replay.add_argument("--rows", type=_positive, default=24, help="screen height (default 24)")
    replay.add_argument("--scrollback-limit", type=_non_negative, default=10_000_000, metavar="BYTES",
                        help="scrollback limit in bytes, counting the screen (default 10000000)")
    replay.add_argument("--scrollback-lines", type=_non_negative, default=None, metavar="LINES",
                        help="also limit scrollback to this many lines (default: no line limit)")
    replay.add_argument("--dump", choices=("screen", "all", "none"), default="screen",
                        help="print the active screen (default), scrollback then screen, or nothing")
    replay.add_argument("--stats-json", metavar="PATH", help="write the page memory stats as JSON to PATH")
    return parser


def run_replay(args: argparse.Namespace) -> int:
    from mux.terminal import memory
    from mux.terminal.replay import dump_rows, feed, stats_report, write_stats
    from mux.terminal.screen import Screen

    try:
        source = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
    except OSError as e:
        raise UserError(f"cannot open {args.file}: {e.strerror}") from None
    screen = Screen(args.cols, args.rows, scrollback_limit=args.scrollback_limit,
                    scrollback_lines=args.scrollback_lines)
    try:
        try:
            feed(source, screen)
        except OSError as e:
            raise UserError(f"cannot read {args.file}: {e.strerror}") from None
        finally:
            if source is not sys.stdin.buffer:
                source.close()
        if args.dump != "none":
            out = sys.stdout
            for row in dump_rows(screen, args.dump):
                out.write(row)
                out.write("\n")
            out.flush()
        report = stats_report(screen) if args.stats_json else None
    finally:
        screen.close()
    if report is not None:
        report["os_tagged_bytes_after_close"] = memory.os_tagged_bytes()
        try:
            write_stats(args.stats_json, report)
        except OSError as e:
            raise UserError(f"cannot write {args.stats_json}: {e.strerror}") from None
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        if args.command == "replay":
            return run_replay(args)
    except UserError as e:
        print(f"mux {args.command}: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        sys.stderr.close()      # the reader went away (e.g. `| head`): not an error worth a traceback
        return 0
    return 0
