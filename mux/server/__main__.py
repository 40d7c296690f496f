"""`python -m mux.server --socket PATH`: the server process itself (started by `mux.server.daemon.start`).

It holds an exclusive lock on PATH.lock for its whole life, so two clients starting a server at once end with one
server: the second sees the lock and exits quietly. Its stdio is the log file the starter opened.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import sys

from mux.server.server import Server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mux-server")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--name", default="default")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(process)d %(levelname)s %(message)s")
    log = logging.getLogger("mux.server")
    lock = open(args.socket + ".lock", "a")     # noqa: SIM115 - held until the process exits
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        log.info("another server holds %s.lock; exiting", args.socket)
        return 0
    os.chdir("/")       # a long-lived daemon must not keep a directory (an unmounted disk) busy
    server = Server(args.socket, args.name)
    try:
        server.listen()
    except OSError as e:
        log.error("cannot listen on %s: %s", args.socket, e)
        return 1
    log.info("server %s listening on %s (pid %d)", args.name, args.socket, os.getpid())
    try:
        return server.run()
    finally:
        try:
            os.unlink(args.socket + ".lock")
        except OSError:
            pass


if __name__ == "__main__":
    sys.exit(main())
