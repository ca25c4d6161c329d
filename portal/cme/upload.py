"""A school's batch of notifications from a CSV file (issue 18): one row per deletion or joiner,
checked by the same rules as the single form (`service.notification_problems`) and saved by the
same `service.notify` (a deletion to an unknown destination opens a CME enquiry).

All or nothing: the file's size, encoding and header are checked, then every row (a pupil of
the uploader's school by UPN, the kind, the ground, the date, the lengths, the same pupil twice);
any problem refuses the whole file with the problems listed by row and column, and nothing is
saved. Otherwise every row is saved in the request's one transaction, audited one entry per
notification plus one for the upload with its count. Nothing here commits."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from portal import access, audit
from portal.cme import service
from portal.cme.models import DeletionGround, NotificationKind, NotificationStatus
from portal.errors import Refused
from portal.extensions import db
from portal.orgs.models import User
from portal.pupils.models import Pupil

HEADER = ["upn", "kind", "ground", "event_date", "destination", "previous_school", "note"]
MAX_BYTES = 1024 * 1024
MAX_ROWS = 2000
MAX_PROBLEMS_SHOWN = 200

# the kind and the ground: their stored value, or the label the form shows (any case)
KINDS = {**{k.value: k for k in NotificationKind}, **{k.label.lower(): k for k in NotificationKind},
         "joiner": NotificationKind.joining}
GROUNDS = {**{g.value: g for g in DeletionGround}, **{g.label.lower(): g for g in DeletionGround}}


class UploadRefused(Refused):
    """The file was refused: `rows` lists the problems as (row number, column, message)."""

    def __init__(self, rows: list[tuple[int, str, str]]):
        self.rows = rows[:MAX_PROBLEMS_SHOWN]
        self.total = len(rows)
        noun = "problem" if self.total == 1 else "problems"
        message = f"The file has {self.total} {noun}: nothing was notified"
        super().__init__(message, {"file": message})


@dataclass
class Uploaded:
    notified: int
    enquiries: int

    @property
    def summary(self) -> str:
        notified = "1 notification" if self.notified == 1 else f"{self.notified} notifications"
        enquiries = "1 CME enquiry" if self.enquiries == 1 else f"{self.enquiries} CME enquiries"
        return f"{notified} made, {enquiries} opened (destination not known)"


def parse_date(raw: str) -> date | None:
    """YYYY-MM-DD or DD/MM/YYYY; None when it is neither or not a real date."""
    text = raw.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def read(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The file's rows as (row number, values by column), or UploadRefused for a file that is too
    big, not UTF-8 CSV text, without the header, or empty."""
    if len(data) > MAX_BYTES:
        raise UploadRefused([(1, "file", "The file must be smaller than 1 MB")])
    if b"\x00" in data:
        raise UploadRefused([(1, "file", "The file must be a CSV file (text in UTF-8), not a spreadsheet")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadRefused([(1, "file", "The file must be a CSV file (text in UTF-8), not a spreadsheet")]) from None
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[int, list[str]]] = []
    try:
        header = next(reader, [])
        if [h.strip().lower() for h in header] != HEADER:
            raise UploadRefused([(1, "header", "The first line must be the column names " + ",".join(HEADER))])
        for number, row in enumerate(reader, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(rows) >= MAX_ROWS:
                raise UploadRefused([(number, "file", f"The file has more than {MAX_ROWS} rows: split it")])
            rows.append((number, row))
    except csv.Error as exc:
        raise UploadRefused([(reader.line_num, "file", f"The file is not readable CSV text ({exc})")]) from None
    if not rows:
        raise UploadRefused([(2, "file", "The file has no notifications in it")])
    problems = [(n, "row", f"Expected {len(HEADER)} values ({', '.join(HEADER)}), found {len(row)}")
                for n, row in rows if len(row) != len(HEADER)]
    if problems:
        raise UploadRefused(problems)
    return [(n, dict(zip(HEADER, (cell.strip() for cell in row), strict=True))) for n, row in rows]


def _row_data(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """A row as the service's data, and the problems only the file can have (words, dates)."""
    problems: dict[str, str] = {}
    kind = KINDS.get(values["kind"].lower())
    if kind is None:
        problems["kind"] = (f"The kind must be deletion or joiner, not {values['kind'][:30]!r}" if values["kind"]
                            else "Enter the kind: deletion or joiner")
    ground: DeletionGround | None = None
    if values["ground"]:
        ground = GROUNDS.get(values["ground"].lower())
        if ground is None and kind != NotificationKind.joining:
            problems["ground"] = (f"Unknown ground {values['ground'][:40]!r}: use one of "
                                  + ", ".join(g.value for g in DeletionGround))
    day = parse_date(values["event_date"]) if values["event_date"] else None
    if values["event_date"] and day is None:
        problems["event_date"] = (f"The date must be a real date written YYYY-MM-DD or DD/MM/YYYY, "
                                  f"not {values['event_date'][:20]!r}")
    data = {"kind": kind.value if kind else None, "ground": ground.value if ground else None, "event_date": day,
            "destination": values["destination"], "previous_school": values["previous_school"],
            "note": values["note"]}
    return data, problems


def upload(actor: User, data: bytes, filename: str = "") -> Uploaded:
    """Check every row of the file, then notify all of it or nothing (UploadRefused)."""
    rows = read(data)
    upns = {values["upn"].upper() for _, values in rows if values["upn"]}
    pupils = {p.upn.upper(): p for p in db.session.scalars(
        access.notifiable_pupils_for(actor).where(Pupil.upn.in_(upns)))} if upns else {}
    problems: list[tuple[int, str, str]] = []
    seen: dict[tuple[int, str], int] = {}
    checked: list[tuple[Pupil, dict[str, Any]]] = []
    for number, values in rows:
        row_problems: dict[str, str] = {}
        pupil = pupils.get(values["upn"].upper())
        if not values["upn"]:
            row_problems["upn"] = "Enter the pupil's UPN"
        elif pupil is None:
            row_problems["upn"] = f"No pupil of your school has the UPN {values['upn'][:20]!r}"
        row, file_problems = _row_data(values)
        if pupil is not None:
            row_problems.update(service.notification_problems(pupil, row))
        row_problems.update(file_problems)  # the file's own words say more than "Select ..."
        for column in HEADER:
            if column in row_problems:
                problems.append((number, column, row_problems[column]))
        if row_problems or pupil is None:
            continue
        key = (pupil.id, row["kind"])
        if key in seen:
            problems.append((number, "upn", f"The same pupil and kind as row {seen[key]}"))
            continue
        seen[key] = number
        checked.append((pupil, row))
    if problems:
        raise UploadRefused(problems)
    made = [service.notify(actor, pupil, row) for pupil, row in checked]
    result = Uploaded(notified=len(made), enquiries=sum(n.status == NotificationStatus.enquiry for n in made))
    audit.record(actor, "cme_notifications_uploaded", object_type="CmeNotification",
                 summary=f"{filename or 'CSV file'}: {result.summary}"[:500],
                 changes={"notified": {"from": None, "to": result.notified},
                          "enquiries": {"from": None, "to": result.enquiries}})
    return result
