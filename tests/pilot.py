"""Waiting for a condition in a Pilot-driven app: polls with a deadline, never asserts a time."""

import time


async def wait_for(pilot, condition, timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met in time")
        await pilot.pause(0.05)
