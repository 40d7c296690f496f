"""Test helpers for mux.terminal.stream: a recording listener and a null listener."""

from __future__ import annotations

from typing import Any

import pyte

from mux.terminal.stream import OPTIONAL_EVENTS

#: Every event pyte's Stream binds (the listener must have them all).
PYTE_EVENTS: tuple[str, ...] = tuple(sorted(pyte.Stream.events))

#: Events mux's Stream adds; optional on the listener.
NEW_EVENTS: tuple[str, ...] = tuple(e for e in OPTIONAL_EVENTS if e != "draw_lines")

Event = tuple[str, tuple[Any, ...], dict[str, Any]]


class Recorder:
    """Records every event as ``(name, args, kwargs)``.

    ``draw_lines=True`` adds a ``draw_lines`` method that records its documented expansion
    (``draw(line); carriage_return(); linefeed()`` per line), so logs compare equal with a
    recorder without it; ``bulk_calls`` counts how often it was used.  ``raise_on`` names events
    whose handler raises ``RuntimeError`` after recording.
    """

    def __init__(
        self,
        events: tuple[str, ...] = PYTE_EVENTS + NEW_EVENTS,
        draw_lines: bool = False,
        raise_on: frozenset[str] = frozenset(),
    ) -> None:
        self.log: list[Event] = []
        self.bulk_calls = 0
        self.raise_on = raise_on
        for name in events:
            setattr(self, name, self._recorder(name))
        if draw_lines:
            self.draw_lines = self._draw_lines

    def _recorder(self, name: str) -> Any:
        log = self.log

        def record(*args: Any, **kwargs: Any) -> None:
            log.append((name, args, kwargs))
            if name in self.raise_on:
                raise RuntimeError(f"boom in {name}")

        return record

    def _draw_lines(self, lines: list[str]) -> None:
        assert isinstance(lines, list)
        self.bulk_calls += 1
        for line in lines:
            self.log.append(("draw", (line,), {}))
            self.log.append(("carriage_return", (), {}))
            self.log.append(("linefeed", (), {}))


def merge_draws(log: list[Event]) -> list[Event]:
    """Concatenate consecutive ``draw`` events (a chunk boundary may cut a printable run), and consecutive
    SGR events (the stream merges adjacent SGRs it sees together; an SGR with no parameters means 0)."""
    out: list[Event] = []
    sgr = "select_graphic_rendition"
    for event in log:
        if event[0] == "draw" and out and out[-1][0] == "draw":
            out[-1] = ("draw", (out[-1][1][0] + event[1][0],), {})
        elif event[0] == sgr and not event[2] and out and out[-1][0] == sgr and not out[-1][2]:
            out[-1] = (sgr, (out[-1][1] or (0,)) + (event[1] or (0,)), {})
        else:
            out.append(event)
    return out


def _nothing(self: Any, *args: Any, **kwargs: Any) -> None:
    pass


#: A listener whose every event (pyte's, mux's and ``draw_lines``) does nothing.
NullListener = type(
    "NullListener", (), {name: _nothing for name in PYTE_EVENTS + NEW_EVENTS + ("draw_lines",)}
)
#: The same without ``draw_lines`` (and so also acceptable to ``pyte.ByteStream``).
NullListenerNoBulk = type("NullListenerNoBulk", (), {name: _nothing for name in PYTE_EVENTS + NEW_EVENTS})
