"""`python -m mux.soak --runner ...`: the stream runner a soak pane runs (internal; people run `mux soak`)."""

import sys

from mux.soak.runner import runner_main

if sys.argv[1:2] == ["--runner"]:
    raise SystemExit(runner_main(sys.argv[2:]))
raise SystemExit("usage: python -m mux.soak --runner ... (internal; use `mux soak`)")
