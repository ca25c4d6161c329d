"""Pupil use cases."""
from __future__ import annotations

from portal import audit
from portal.attendance import aggregates
from portal.concurrency import check_version, flush_or_conflict
from portal.extensions import db
from portal.pupils.models import FLAG_NAMES, Contact, Enrolment, Pupil

# what the dashboards' cells count a pupil by (portal/attendance/aggregates.py)
COUNTED_BY = frozenset({"school_id", "nc_year", *FLAG_NAMES})
PUPIL_FIELDS = ("upn", "legal_forename", "legal_surname", "preferred_forename", "preferred_surname",
                "date_of_birth", "nc_year", "school_id", "on_roll_from", "address", "postcode", *FLAG_NAMES)


def upsert_from_import(pupil: Pupil | None, record: dict, actor=None, ip: str | None = None) -> str:
    """Add or update a pupil from an import row (no commit: the import commits once).
    A different school is a move: the old enrolment is closed and a new one opened. A change is
    audited in the name of the import's uploader, with where the file came from."""
    contact = record.get("contact")
    values = {k: record[k] for k in PUPIL_FIELDS}
    if pupil is None:
        pupil = Pupil(**values)
        pupil.refresh_search_text()
        db.session.add(pupil)
        pupil.enrolments.append(Enrolment(school_id=pupil.school_id, start_date=pupil.on_roll_from))
        if contact:
            pupil.contacts.append(Contact(**contact))
        return "added"
    before = audit.snapshot(pupil, PUPIL_FIELDS)
    moved = values["school_id"] != pupil.school_id
    for k, v in values.items():
        if k == "on_roll_from" and not moved:
            continue  # the date joined this school does not change with a routine re-import
        setattr(pupil, k, v)
    pupil.refresh_search_text()
    if moved:
        move_school(pupil, values["school_id"], values["on_roll_from"])
    if contact and not any(c.name.lower() == contact["name"].lower() for c in pupil.contacts):
        pupil.contacts.append(Contact(**contact))
        contact_added = True
    else:
        contact_added = False
    changes = audit.diff(before, audit.snapshot(pupil, PUPIL_FIELDS))
    if changes.keys() & COUNTED_BY:
        aggregates.schools_changed(db.session, {before["school_id"], pupil.school_id})
    if changes:
        audit.record(actor, "pupil_updated", pupil, changes=changes, ip=ip,
                     summary="moved school (import)" if moved else "import")
    return "changed" if changes or contact_added else "unchanged"


def move_school(pupil: Pupil, school_id: int, start) -> None:
    for enrolment in pupil.enrolments:
        if enrolment.end_date is None:
            enrolment.end_date = start
    pupil.enrolments.append(Enrolment(school_id=school_id, start_date=start))
    pupil.school_id = school_id
    pupil.on_roll_from = start


EDITABLE = ("legal_forename", "legal_surname", "preferred_forename", "preferred_surname", "date_of_birth",
            "nc_year", "address", "postcode", *FLAG_NAMES)


def update_pupil(actor, pupil: Pupil, data: dict, expected_version: int | None) -> bool:
    """Change a pupil's details and cohort flags; refuses a stale edit. Returns True if changed."""
    check_version(pupil, expected_version)
    before = audit.snapshot(pupil, EDITABLE)
    for field in EDITABLE:
        setattr(pupil, field, data[field])
    pupil.refresh_search_text()
    changes = audit.diff(before, audit.snapshot(pupil, EDITABLE))
    if not changes:
        db.session.rollback()
        return False
    if changes.keys() & COUNTED_BY:
        aggregates.schools_changed(db.session, {pupil.school_id})
    audit.record(actor, "pupil_updated", pupil, changes=changes, summary=pupil.upn)
    flush_or_conflict(pupil)
    return True


def add_contact(actor, pupil: Pupil, data: dict) -> Contact:
    contact = Contact(pupil=pupil, **data)
    db.session.add(contact)
    db.session.flush()
    audit.record(actor, "contact_added", pupil, summary=f"{contact.name} ({contact.relationship_to_pupil})",
                 changes={"contact": {"from": None, "to": contact.name}})
    db.session.flush()
    return contact


def remove_contact(actor, pupil: Pupil, contact: Contact) -> None:
    audit.record(actor, "contact_removed", pupil, summary=f"{contact.name} ({contact.relationship_to_pupil})",
                 changes={"contact": {"from": {"name": contact.name, "phone": contact.phone,
                                               "email": contact.email,
                                               "relationship": contact.relationship_to_pupil}, "to": None}})
    db.session.delete(contact)
    db.session.flush()
