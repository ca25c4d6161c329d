"""The CME tests: the clock on a Wednesday of the autumn term 2026/27."""
from __future__ import annotations

from datetime import date

import pytest

from tests import clock

TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _in_term():
    with clock.on(TODAY):
        yield


def deletion(ground="moving_away", destination="", day="2026-11-20", **over) -> dict:
    from tests.pages import date_boxes

    data = {"kind": "deletion", "ground": ground, "destination": destination, "event_date": date_boxes(day),
            "previous_school": "", "note": ""}
    data.update(over)
    return data
