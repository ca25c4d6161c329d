"""Importing pupils from CSV: all or nothing, upsert by UPN, a move of school kept as history."""
from __future__ import annotations

import contextlib
import csv
import os
from datetime import date

from sqlalchemy import select

from portal import access, audit, timeutil
from portal.attendance.imports import ErrorSink, errors_path
from portal.attendance.models import ImportJob, ImportStatus
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, User
from portal.pupils import service
from portal.pupils.models import FLAG_NAMES, Pupil
from portal.pupils.upn import check as check_upn
from portal.timeutil import utcnow

PUPIL_HEADER = [
    "upn", "legal_forename", "legal_surname", "preferred_forename", "preferred_surname",
    "date_of_birth", "nc_year", "school_urn", "on_roll_from", "address", "postcode",
    *FLAG_NAMES,
    "contact_name", "contact_relationship", "contact_phone", "contact_email",
    "contact_parental_responsibility",
]
YES = {"y", "yes", "true", "1"}
NO = {"n", "no", "false", "0", ""}
MAX_PUPIL_ROWS = 100_000
MAX_WARNINGS_KEPT = 100


def import_pupils(job: ImportJob) -> ImportJob:
    """Pupil files are small (a school's roll): checked and saved in the caller's transaction
    (the job step commits it); the job row is updated in that same transaction."""
    job_id, origin = job.id, job.uploaded_from
    actor = db.session.get(User, job.uploaded_by_id) if job.uploaded_by_id else None
    schools = {o.urn: o for o in db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.school))}
    existing = {p.upn: p for p in db.session.scalars(select(Pupil))}
    # Only someone who may import for any school (the LA) is told a UPN is on another school's roll.
    precise = job.school_id is None or actor is None or access.can(actor, "import_for_any_school")
    sink = ErrorSink(errors_path(job))
    parsed: list[dict] = []
    seen: dict[str, int] = {}
    warnings: list[list] = []  # [row, field, message]: reported, not refused
    with open(job.path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except (StopIteration, UnicodeDecodeError, csv.Error):
            header = []
        if header != PUPIL_HEADER:
            sink.add(1, "header", "The first line must be the column names " + ",".join(PUPIL_HEADER))
        else:
            try:
                for row_no, row in enumerate(reader, start=2):
                    if not any(c.strip() for c in row):
                        continue
                    if len(parsed) >= MAX_PUPIL_ROWS:
                        sink.add(row_no, "file", f"A pupils file may have at most {MAX_PUPIL_ROWS} rows")
                        break
                    record = _check_row(row_no, row, job, schools, existing, seen, sink, precise, warnings)
                    if record:
                        parsed.append(record)
            except (UnicodeDecodeError, csv.Error) as exc:
                sink.add(0, "file", f"The file is not readable CSV text ({type(exc).__name__})")
    if not parsed and not sink.count:
        sink.add(2, "file", "The file has no pupils in it")
    shown = sink.close()
    if sink.count:
        job = db.session.get_one(ImportJob, job_id)
        job.status, job.phase, job.progress, job.finished_at = ImportStatus.failed, "Finished", 100, utcnow()
        job.rows, job.error_count, job.errors = len(parsed), sink.count, shown
        job.message = f"{sink.count} problem{'s' if sink.count != 1 else ''} found. Nothing was imported."
        audit.record(actor, "pupils_import_failed", job, ip=origin,
                     summary=f"{job.filename}: {sink.count} problem{'s' if sink.count != 1 else ''}: nothing imported")
        db.session.flush()
        return job

    added = changed = unchanged = 0
    for record in parsed:
        pupil = existing.get(record["upn"])
        outcome = service.upsert_from_import(pupil, record, actor=actor, ip=origin)
        added += outcome == "added"
        changed += outcome == "changed"
        unchanged += outcome == "unchanged"
    job = db.session.get_one(ImportJob, job_id)
    job.status, job.phase, job.progress, job.finished_at = ImportStatus.done, "Finished", 100, utcnow()
    job.rows, job.added, job.changed, job.unchanged, job.error_count = len(parsed), added, changed, unchanged, 0
    job.warnings = warnings[:MAX_WARNINGS_KEPT] or None
    if warnings:
        job.message = (f"Imported with {len(warnings)} warning{'s' if len(warnings) != 1 else ''}: "
                       "check the rows listed.")
    audit.record(actor, "pupils_imported", job, ip=origin,
                 summary=f"{job.filename}: {len(parsed)} pupils "
                         f"({added} added, {changed} changed, {unchanged} unchanged)")
    db.session.flush()
    with contextlib.suppress(FileNotFoundError):
        os.remove(errors_path(job))
    return job


def _flag(value: str) -> bool | None:
    v = value.strip().lower()
    if v in YES:
        return True
    if v in NO:
        return False
    return None


def _date(value: str) -> date | None:
    try:
        v = value.strip()
        return date.fromisoformat(v) if len(v) == 10 else None
    except ValueError:
        return None


def _check_row(row_no, row, job, schools, existing, seen, sink, precise: bool, warnings: list) -> dict | None:
    if len(row) != len(PUPIL_HEADER):
        sink.add(row_no, "row", f"Expected {len(PUPIL_HEADER)} values, found {len(row)}")
        return None
    raw = dict(zip(PUPIL_HEADER, (c.strip() for c in row), strict=False))
    before = sink.count
    upn = check_upn(raw["upn"])
    if not upn.valid:
        sink.add(row_no, "upn", upn.error)
    elif upn.upn in seen:
        sink.add(row_no, "upn", f"Duplicate of row {seen[upn.upn]}: the same UPN")
    else:
        seen[upn.upn] = row_no
        if upn.warning:
            warnings.append([row_no, "upn", upn.warning])
    for name in ("legal_forename", "legal_surname"):
        if not raw[name]:
            sink.add(row_no, name, f"Enter the pupil's {name.replace('_', ' ')}")
        elif len(raw[name]) > 100:
            sink.add(row_no, name, "Names must be 100 characters or fewer")
    dob = _date(raw["date_of_birth"])
    if dob is None:
        sink.add(row_no, "date_of_birth", "Date of birth must be a real date written YYYY-MM-DD")
    elif dob >= timeutil.today() or dob.year < 1990:
        sink.add(row_no, "date_of_birth", "Date of birth must be in the past and after 1990")
    try:
        nc_year = int(raw["nc_year"])
        if not -2 <= nc_year <= 14:
            raise ValueError
    except ValueError:
        nc_year = None
        sink.add(row_no, "nc_year", "National curriculum year must be a number from -2 (nursery) to 14")
    school = None
    if job.school_id is not None and not raw["school_urn"]:
        school = next((s for s in schools.values() if s.id == job.school_id), None)
    else:
        school = schools.get(raw["school_urn"])
        if school is None:
            sink.add(row_no, "school_urn", f"No school has URN {raw['school_urn'][:10]!r}")
        elif job.school_id is not None and school.id != job.school_id:
            sink.add(row_no, "school_urn", "You can only import pupils for your own school")
    current = existing.get(upn.upn) if upn.valid else None
    if current is not None and job.school_id is not None and current.school_id != job.school_id:
        if precise:
            sink.add(row_no, "upn", "This UPN belongs to a pupil on another school's roll – to record a move, "
                                    "import the file for any school")
        else:
            sink.add(row_no, "upn", f"{upn.upn} is not a pupil of your school – if they have joined it, ask the "
                                    "LA to record the move")
    on_roll = _date(raw["on_roll_from"]) if raw["on_roll_from"] else (timeutil.today())
    if on_roll is None:
        sink.add(row_no, "on_roll_from", "On roll from must be a real date written YYYY-MM-DD")
    flags = {}
    for name in FLAG_NAMES + ("contact_parental_responsibility",):
        value = _flag(raw[name])
        if value is None:
            sink.add(row_no, name, f"{name.replace('_', ' ').capitalize()} must be Y or N")
        flags[name] = bool(value)
    if raw["contact_email"] and "@" not in raw["contact_email"]:
        sink.add(row_no, "contact_email", "Contact e-mail must be an e-mail address")
    if len(raw["postcode"]) > 10 or len(raw["address"]) > 300:
        sink.add(row_no, "address", "Address must be 300 characters or fewer and postcode 10")
    if sink.count != before:
        return None
    assert school is not None  # an unknown URN is refused above; the job's own school is a school
    return {
        "upn": upn.upn, "legal_forename": raw["legal_forename"], "legal_surname": raw["legal_surname"],
        "preferred_forename": raw["preferred_forename"] or None, "preferred_surname": raw["preferred_surname"] or None,
        "date_of_birth": dob, "nc_year": nc_year, "school_id": school.id, "on_roll_from": on_roll,
        "address": raw["address"], "postcode": raw["postcode"].upper(),
        **{f: flags[f] for f in FLAG_NAMES},
        "contact": ({"name": raw["contact_name"][:120], "relationship_to_pupil": raw["contact_relationship"][:60],
                     "phone": raw["contact_phone"][:40], "email": raw["contact_email"][:254],
                     "parental_responsibility": flags["contact_parental_responsibility"]}
                    if raw["contact_name"] else None),
    }
