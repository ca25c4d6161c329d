"""Migration 0008 gives the chronology entries written before `police_text` existed the wording
the police may read: a person's own words stay theirs; the portal's own entries lose what the
police must not see; anything else leaves the police view."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0008_police_text.py"


@pytest.fixture(scope="module")
def police_wording():
    spec = importlib.util.spec_from_file_location("migration_0007", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.police_wording


@pytest.mark.parametrize("kind, text, expected", [
    ("decision", "Case closed: Attendance improved and sustained. Attendance at open 91.2%, at close 91.2%.",
     "Case closed: Attendance improved and sustained."),
    ("decision", "Case closed: Other – Back to 97% since the GP changed her inhaler. Attendance at open 80.0%, "
                 "at close –%.", "Case closed: Other."),
    ("decision", "Case moved from open to monitoring.", "Case moved from open to monitoring."),
    ("decision", "Lead professional changed from A to B.", "Lead professional changed from A to B."),
    ("decision", "Attendance panel of 3 Dec 2026 decided: Continue support. Rationale: anxious", None),
    ("stage_change", "Stage changed from Stage 4 to Stage 5. Reason: attendance down to 82.1%",
     "Stage changed from Stage 4 to Stage 5."),
    ("action", "Action agreed at the attendance panel for Early Help, due 9 Dec 2026: Home visit",
     "Action agreed for Early Help, due 9 Dec 2026: Home visit"),
    ("action", "Action agreed for School A, due 9 Dec 2026: Call home",
     "Action agreed for School A, due 9 Dec 2026: Call home"),
    ("note", "Seen in town at 11am", "Seen in town at 11am"),
    ("sweep", "Found out of school in a truancy sweep (Town centre)",
     "Found out of school in a truancy sweep (Town centre)"),
    ("sharing", "Shared with Police. Reason: sightings", None),
])
def test_existing_entries_get_a_police_wording(police_wording, kind, text, expected):
    assert police_wording(kind, text) == expected
