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


def _whole_number(minimum: int):
    """An argparse type: a whole number >= minimum, or a one-line error."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be at least {minimum}")
        return value
    return parse


_positive = _whole_number(1)
_non_negative = _whole_number(0)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number above 0")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be from 0 to below 1")
    return value


class _Version(argparse.Action):
    """--version: `mux 0.1.0 (compiled hot path)` or `mux 0.1.0 (pure Python: REASON)`; the hot path module is
    imported only when asked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from mux.terminal import fastpath

        print(f"mux {__version__} ({fastpath.describe()})")
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    from mux.terminal.pagelist import DEFAULT_LIMIT_BYTES

    parser = _Parser(
        prog="mux",
        usage="mux [-L NAME] [OPTIONS] [new [-s NAME] [-d]] [-- COMMAND [ARGS...]]\n"
              "       mux [-L NAME] attach [-t NAME] [-d] | ls | kill-session -t NAME | kill-server\n"
              "       mux replay FILE [OPTIONS] | mux soak [OPTIONS]",
        description="A terminal multiplexer for long CLI sessions. Without a subcommand, starts a server if none "
                    "runs, creates a session with one pane running your shell (or COMMAND after --) and attaches "
                    "to it. Sessions keep running when you detach. Keys: the prefix (ctrl+b by default) then "
                    "% split side by side, \" split stacked, arrows move, z zoom, x close, c new window, "
                    "[ scrollback, m memory bar, ? help, d detach, s sessions.")
    parser.add_argument("--version", action=_Version, help="print the version and the active hot path, then exit")
    parser.add_argument("-L", dest="server_name", metavar="NAME", default="default",
                        help="the server's socket name (default: default), as tmux -L")
    parser.add_argument("--config", metavar="PATH",
                        help="config file (default: $XDG_CONFIG_HOME/mux/config.toml, i.e. ~/.config/mux/config.toml)")
    parser.add_argument("--print-config", action="store_true", help="print the effective configuration and exit")
    parser.add_argument("--theme", metavar="NAME|PATH", help="bundled theme name or a .toml theme file")
    parser.add_argument("--shell", metavar="PATH",
                        help="program for new panes (default: $SHELL if it is an executable file, else /bin/sh)")
    parser.add_argument("--prefix", metavar="KEY", help="the prefix key (default ctrl+b)")
    parser.add_argument("--status-bar", action=argparse.BooleanOptionalAction, default=None,
                        help="show the memory status bar at start")
    parser.add_argument("--mouse", action=argparse.BooleanOptionalAction, default=None,
                        help="mouse support (click to focus, drag borders, wheel scrollback)")
    parser.add_argument("--border-titles", action=argparse.BooleanOptionalAction, default=None,
                        help="a title line on each pane's border: its number and title (new sessions)")
    parser.add_argument("--scrollback-limit", type=_non_negative, metavar="BYTES", dest="app_scrollback_bytes",
                        help=f"scrollback limit per pane in bytes (default {DEFAULT_LIMIT_BYTES})")
    parser.add_argument("--scrollback-lines", type=_non_negative, metavar="LINES", dest="app_scrollback_lines",
                        help="also limit scrollback to this many lines per pane (0 = no line limit)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    new = sub.add_parser("new", aliases=["new-session"], help="create a session and attach to it",
                         description="Create a session (starting the server if none runs) and attach to it. "
                                     "Put the command for its first pane after --.")
    new.add_argument("-s", dest="session_name", metavar="NAME", help="the session's name (default: a number)")
    new.add_argument("-d", dest="detached", action="store_true", help="do not attach: leave it running")
    attach = sub.add_parser("attach", aliases=["a", "attach-session"], help="attach to a running session",
                            description="Attach this terminal to a session of the running server.")
    attach.add_argument("-t", dest="target", metavar="NAME", help="the session (default: the most recent one)")
    attach.add_argument("-d", dest="detach_others", action="store_true", help="detach every other client")
    sub.add_parser("ls", aliases=["list-sessions"], help="list the sessions",
                   description="One line per session: name, windows, panes, attached clients, when it was "
                               "created, the page memory its panes hold, and the server's RSS.")
    kill_session = sub.add_parser("kill-session", help="end a session and every pane in it")
    kill_session.add_argument("-t", dest="target", metavar="NAME", required=True, help="the session")
    sub.add_parser("kill-server", help="end every session and the server")

    replay = sub.add_parser(
        "replay", help="feed a recorded byte stream through the emulator, headless",
        description="Feed FILE (or - for stdin) through exactly the stream -> screen -> PageList path panes use, "
                    "and print the resulting rows and/or memory stats.")
    replay.add_argument("file", metavar="FILE", help="recorded terminal output, or - for standard input")
    replay.add_argument("--cols", type=_positive, default=80, help="screen width (default 80)")
    replay.add_argument("--rows", type=_positive, default=24, help="screen height (default 24)")
    replay.add_argument("--scrollback-limit", type=_non_negative, default=DEFAULT_LIMIT_BYTES, metavar="BYTES",
                        help=f"scrollback limit in bytes, counting the screen (default {DEFAULT_LIMIT_BYTES})")
    replay.add_argument("--scrollback-lines", type=_non_negative, default=None, metavar="LINES",
                        help="also limit scrollback to this many lines (default: no line limit)")
    replay.add_argument("--dump", choices=("screen", "all", "none"), default="screen",
                        help="print the active screen (default), scrollback then screen, or nothing")
    replay.add_argument("--stats-json", metavar="PATH", help="write the page memory stats as JSON to PATH")
    replay.add_argument("--no-cold", action="store_true",
                        help="keep every page hot (no compressed cold pages): history is pruned at the limit")

    soak = sub.add_parser(
        "soak", prog="mux soak", help="leak soak: coding-agent output through real PTYs, memory watched, no line lost",
        description="Run N panes of mux's agent-like load generator (restarted as each stream ends) through "
                    "real PTYs and the app's Pane, headless, for M minutes with a small scrollback limit; sample "
                    "page bytes, OS-tagged bytes and RSS every second into a CSV and an SVG plot; then check that "
                    "no committed line within the limit was lost, that accounting matched the OS, that 0 OS-tagged "
                    "bytes remain after close and that RSS stayed flat after the warm-up. Exit status 0 if every "
                    "check passed, 1 otherwise, 2 on bad options.")
    soak.add_argument("--minutes", type=_positive_float, default=2.0, help="run time in minutes (default 2)")
    soak.add_argument("--panes", type=_positive, default=4, help="panes, each with its own stream (default 4)")
    soak.add_argument("--scrollback-limit", type=_positive, default=2_000_000, metavar="BYTES",
                      help="scrollback limit per pane in bytes (default 2000000, small so pruning never stops)")
    soak.add_argument("--rate", type=_positive_float, default=32.0, metavar="KB/s",
                      help="committed output per pane in KiB per second (default 32)")
    soak.add_argument("--stream-seconds", type=_positive_float, default=60.0, metavar="S",
                      help="length of each agent stream before it is restarted (default 60)")
    soak.add_argument("--cols", type=_positive, default=100, help="pane width (default 100)")
    soak.add_argument("--rows", type=_positive, default=30, help="pane height (default 30)")
    soak.add_argument("--seed", type=_non_negative, default=1, help="base random seed (default 1)")
    soak.add_argument("--out", metavar="DIR", help="output folder (default: a new mux-soak-* folder in the temp dir)")
    soak.add_argument("--csv", metavar="PATH", help="samples CSV (default DIR/soak.csv)")
    soak.add_argument("--svg", metavar="PATH", help="plot (default DIR/soak.svg)")
    soak.add_argument("--script", metavar="PATH",
                      help="another load generator to run (default: mux/soak/agent_stress.py, in the package)")
    soak.add_argument("--warmup", type=_fraction, default=0.25,
                      help="fraction of the run left out of the RSS slope (default 0.25)")
    soak.add_argument("--warmup-min", type=_positive_float, default=60.0, metavar="S",
                      help="but leave out at least this many seconds, at most half the run (default 60)")
    soak.add_argument("--max-slope-mb", type=_positive_float, default=1.0, metavar="MB",
                      help="RSS slope limit in MB per minute (default 1)")
    soak.add_argument("--max-slope-pct", type=_positive_float, default=2.0, metavar="PCT",
                      help="RSS slope limit in percent of the mean RSS per minute (default 2)")
    soak.add_argument("--report-every", type=_positive_float, default=10.0, metavar="S",
                      help="seconds between progress lines (default 10)")
    return parser


def run_replay(args: argparse.Namespace) -> int:
    from mux.terminal import memory
    from mux.terminal.replay import dump_rows, feed, stats_report, write_stats
    from mux.terminal.terminal import Terminal

    try:
        source = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
    except OSError as e:
        raise UserError(f"cannot open {args.file}: {e.strerror}") from None
    screen = Terminal(args.cols, args.rows, scrollback_limit=args.scrollback_limit,
                    scrollback_lines=args.scrollback_lines)
    screen.primary.pages.compress = not args.no_cold
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
            encoding = getattr(out, "encoding", None) or "utf-8"
            for row in dump_rows(screen, args.dump):
                # A locale that cannot show a character (LANG=C without UTF-8 mode) gets "?", not a traceback.
                out.write(row.encode(encoding, "replace").decode(encoding))
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


def run_soak(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mux import soak

    options = soak.SoakOptions(
        panes=args.panes, minutes=args.minutes, scrollback_limit=args.scrollback_limit, cols=args.cols,
        rows=args.rows, rate=args.rate, stream_seconds=args.stream_seconds, seed=args.seed,
        out=Path(args.out) if args.out else None, csv_path=Path(args.csv) if args.csv else None,
        svg_path=Path(args.svg) if args.svg else None, script=Path(args.script) if args.script else None,
        warmup=args.warmup, warmup_min_s=args.warmup_min, max_slope_mb=args.max_slope_mb,
        max_slope_pct=args.max_slope_pct, report_every=args.report_every)
    try:
        return soak.run(options, log=lambda line: print(line, flush=True))
    except soak.SoakSetupError as e:
        raise UserError(str(e)) from None


def _load_config(args: argparse.Namespace):
    from mux.config import ConfigError, load_config

    overrides = {"theme": args.theme, "shell": args.shell, "prefix": args.prefix, "status_bar": args.status_bar,
                 "mouse": args.mouse, "scrollback.limit_bytes": args.app_scrollback_bytes,
                 "scrollback.limit_lines": args.app_scrollback_lines, "panes.border_titles": args.border_titles}
    try:
        return load_config(args.config, overrides=overrides)
    except ConfigError as e:
        raise UserError(str(e)) from None


def _print_config(config) -> int:
    text = config.to_toml()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
    else:                   # TOML is UTF-8, whatever the locale (LANG=C without UTF-8 mode)
        sys.stdout.flush()
        buffer.write(text.encode("utf-8", "surrogateescape"))     # a path keeps its own bytes
        buffer.flush()
    return 0


class ServerRefused(Exception):
    """The server said no (no such session, duplicate name) or is not running: one line, exit status 1."""


def _server_path(args: argparse.Namespace, *, create: bool):
    from mux.server.paths import SocketError, check_socket_dir, ensure_socket_dir, socket_path

    try:
        path = socket_path(args.server_name)
        if create:
            ensure_socket_dir(path.parent)
        else:
            check_socket_dir(path.parent)
    except SocketError as e:
        raise UserError(str(e)) from None
    return path


def _connect(args: argparse.Namespace, *, start: bool, size: tuple[int, int] = (80, 24)):
    """A connection to the server at -L NAME, starting one if `start` and none runs."""
    from mux.server import daemon
    from mux.server.paths import SocketError, probe, remove_stale
    from mux.ui.connection import Connection, ConnectionLost, NoServer

    path = _server_path(args, create=start)
    try:
        state = probe(path)
        if state != "live":
            if not start:
                raise ServerRefused(f"no server running on {path}")
            if state == "stale":
                remove_stale(path)
            daemon.start(path, args.server_name)
        return Connection(path, size)
    except NoServer:
        raise ServerRefused(f"no server running on {path}") from None
    except (SocketError, ConnectionLost) as e:
        raise UserError(str(e)) from None


def _terminal_area() -> tuple[int, int]:
    import shutil

    cols, rows = shutil.get_terminal_size((80, 25))
    return max(1, cols), max(1, rows - 1)       # the status line takes one row


def run_client(args: argparse.Namespace, command: list[str] | None) -> int:
    """mux / mux new / mux attach: start or reach the server, create or pick a session, draw it here."""
    import os
    import shutil

    config = _load_config(args)
    if args.print_config:
        return _print_config(config)
    attaching = args.command in ("attach", "a", "attach-session")
    detached = getattr(args, "detached", False)
    if command is not None:
        if attaching:
            raise UserError("attach takes no command")
        if not command:
            raise UserError("nothing to run after --")
        if shutil.which(command[0]) is None:
            raise UserError(f"{command[0]}: command not found")
    if not detached and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserError("mux needs a terminal (standard input and output must be a tty)")
    if os.environ.get("MUX") and not detached:
        raise ServerRefused("sessions should be nested with care, unset $MUX to force")
    from mux.ui.connection import ConnectionLost

    connection = _connect(args, start=not attaching, size=_terminal_area())
    try:
        if attaching:
            request = {"t": "attach", "target": args.target, "detach_others": args.detach_others}
        else:
            request = {"t": "new", "name": getattr(args, "session_name", None), "command": command,
                       "cwd": os.getcwd(), "detached": detached, "options": config.pane_options()}
        try:
            connection.request(request, "attached", "ok")
        except ConnectionLost as e:
            raise ServerRefused(str(e)) from None
        if detached:
            return 0
        MuxApp = _import_app()

        app = MuxApp(config, connection)
        app.run(mouse=config.mouse)
    finally:
        connection.close()
    if app.exit_line:
        print(app.exit_line)
    return app.return_code or 0


CLIENT_FPS = "120"


def _import_app():
    """The client, with Textual drawing up to CLIENT_FPS times a second instead of its default 60: the server
    already sends at most one frame per display interval, so this only cuts the wait between a frame's arrival
    and its drawing (keystroke-to-echo latency). Only this process sees the setting, never the panes."""
    import os

    saved = os.environ.get("TEXTUAL_FPS")
    if saved is None:
        os.environ["TEXTUAL_FPS"] = CLIENT_FPS
    try:
        from mux.ui.app import MuxApp
    finally:
        if saved is None:
            del os.environ["TEXTUAL_FPS"]
    return MuxApp


def run_ls(args: argparse.Namespace) -> int:
    import time

    from mux.ui.connection import ConnectionLost
    from mux.ui.status import cold_summary, human_bytes

    connection = _connect(args, start=False)
    try:
        reply = connection.request({"t": "list"}, "sessions")
    except ConnectionLost as e:
        raise ServerRefused(str(e)) from None
    finally:
        connection.close()
    for s in reply["sessions"]:
        try:
            created = time.strftime("%a %b %e %H:%M:%S %Y", time.localtime(s["created"]))
            rss = s.get("server_rss")
            print(f"{s['name']}: {s['windows']} windows, {s['panes']} panes, {s['attached']} attached "
                  f"(created {created}) [{s['size'][0]}x{s['size'][1]}] {human_bytes(s['page_bytes'])} in pages, "
                  f"{human_bytes(s['mapped_bytes'])} mapped, {cold_summary(s)}, "
                  f"server RSS {human_bytes(rss) if rss else 'n/a'}")
        except (KeyError, TypeError, ValueError, IndexError, OverflowError):
            print(f"{s.get('name', '?') if isinstance(s, dict) else '?'}: (figures unreadable)")
    return 0


def run_kill(args: argparse.Namespace) -> int:
    import time

    from mux.server.paths import probe
    from mux.ui.connection import ConnectionLost

    connection = _connect(args, start=False)
    try:
        if args.command == "kill-server":
            connection.request({"t": "kill_server"}, "ok")
        else:
            connection.request({"t": "kill_session", "target": args.target}, "ok")
    except ConnectionLost as e:
        raise ServerRefused(str(e)) from None
    finally:
        connection.close()
    if args.command == "kill-server":      # return once the server has let go of its socket
        path = _server_path(args, create=False)
        deadline = time.monotonic() + 5
        while probe(path) == "live" and time.monotonic() < deadline:
            time.sleep(0.02)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command: list[str] | None = None
    if "--" in argv:            # `mux [OPTIONS] -- COMMAND ARGS`: everything after -- is the pane's command
        cut = argv.index("--")
        argv, command = argv[:cut], argv[cut + 1:]
    parser = build_parser()
    args = parser.parse_args(argv)
    name = args.command or ""
    try:
        if args.command == "replay":
            return run_replay(args)
        if args.command == "soak":
            return run_soak(args)
        if args.command in ("ls", "list-sessions"):
            return run_ls(args)
        if args.command in ("kill-session", "kill-server"):
            return run_kill(args)
        return run_client(args, command)
    except UserError as e:
        print(f"mux{' ' + name if name else ''}: error: {e}", file=sys.stderr)
        return 2
    except ServerRefused as e:
        print(f"mux: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        sys.stderr.close()      # the reader went away (e.g. `| head`): not an error worth a traceback
        return 0
