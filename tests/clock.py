"""Moving the one clock (portal.timeutil) in tests, with time-machine: every module that asks
for now or today sees the same moment, so no module is patched."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, time

import time_machine

from portal.timeutil import LONDON


def noon(day: date) -> datetime:
    """Noon in London on `day` (for the `time_machine` fixture's move_to)."""
    return datetime.combine(day, time(12, 0), tzinfo=LONDON)


@contextmanager
def on(day: date, at: time = time(12, 0)):
    """Run with the clock at `at` (London) on `day`; it keeps ticking from there."""
    with time_machine.travel(datetime.combine(day, at, tzinfo=LONDON), tick=True):
        yield
