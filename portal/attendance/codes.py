"""Register codes from August 2024 and their statistical categories.

This table is the seed of the `register_codes` table (written by a migration): the database
row is what the calculations use, so a change of regulations is a data change."""
from __future__ import annotations

PRESENT = "present"
APPROVED = "approved"          # approved educational activity off site: counts as present
AUTHORISED = "authorised"
UNAUTHORISED = "unauthorised"
NOT_POSSIBLE = "not_possible"  # not a possible session: outside the denominator

CATEGORY_LABELS = {
    PRESENT: "Present",
    APPROVED: "Approved educational activity",
    AUTHORISED: "Authorised absence",
    UNAUTHORISED: "Unauthorised absence",
    NOT_POSSIBLE: "Not a possible session",
}

# A session has one mark: two marks for one session in a file are a clash and the file is
# refused; a later file amends a mark, with a reason (imports.py). No mark 'wins'.

CODES: list[tuple[str, str, str]] = [
    ("/", "Present (AM)", PRESENT),
    ("\\", "Present (PM)", PRESENT),
    ("L", "Late, arrived before the register closed", PRESENT),
    ("K", "Attending education provision arranged by the local authority", APPROVED),
    ("V", "Educational visit or trip", APPROVED),
    ("P", "Approved sporting activity", APPROVED),
    ("W", "Work experience", APPROVED),
    ("B", "Any other approved educational activity", APPROVED),
    ("D", "Dual registered, attending the other school", NOT_POSSIBLE),
    ("C1", "Leave: regulated performance or employment abroad", AUTHORISED),
    ("M", "Leave: medical or dental appointment", AUTHORISED),
    ("J1", "Leave: interview", AUTHORISED),
    ("S", "Leave: study leave", AUTHORISED),
    ("X", "Not required to attend (non-compulsory school age)", NOT_POSSIBLE),
    ("C2", "Leave: part-time timetable (compulsory school age)", AUTHORISED),
    ("C", "Leave: exceptional circumstances", AUTHORISED),
    ("T", "Parent travelling for occupational purposes", AUTHORISED),
    ("R", "Religious observance", AUTHORISED),
    ("I", "Illness", AUTHORISED),
    ("E", "Suspended or excluded, no alternative provision", AUTHORISED),
    ("Q", "Unable to attend: lack of access arrangements", NOT_POSSIBLE),
    ("Y1", "Unable to attend: transport not available", NOT_POSSIBLE),
    ("Y2", "Unable to attend: widespread travel disruption", NOT_POSSIBLE),
    ("Y3", "Unable to attend: part of school premises closed", NOT_POSSIBLE),
    ("Y4", "Unable to attend: whole school site unexpectedly closed", NOT_POSSIBLE),
    ("Y5", "Unable to attend: criminal justice detention", NOT_POSSIBLE),
    ("Y6", "Unable to attend: public health guidance or law", NOT_POSSIBLE),
    ("Y7", "Unable to attend: any other unavoidable cause", NOT_POSSIBLE),
    ("G", "Holiday not granted by the school", UNAUTHORISED),
    ("N", "Reason not yet provided", UNAUTHORISED),
    ("O", "Absent in other or unknown circumstances", UNAUTHORISED),
    ("U", "Arrived after the register closed", UNAUTHORISED),
    ("Z", "Prospective pupil, not yet on roll", NOT_POSSIBLE),
    ("#", "Planned whole or partial school closure", NOT_POSSIBLE),
]

CLOSURE_CODES = frozenset({"#", "Y4"})  # sessions the school was not open (planned or unexpected closure)
LATE_CODES = frozenset({"L", "U"})
# The codes a register may hold for a session on a day the school's calendar closes it (a
# weekend, bank holiday, holiday or the school's own closure day): explicitly not counted.
NOT_COUNTED_WHEN_CLOSED = frozenset({"#", "X", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7"})
