"""The world of the letters' tests: a case of school A's pupil led by school A's EWO, the pupil
with two parents with parental responsibility and a third contact without it."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.cases.models import Case
from portal.extensions import db
from portal.letters import service
from portal.letters.models import LetterTemplate
from portal.pupils.models import Contact
from portal.timeutil import today
from tests.factories import make_pupil


def template(key: str) -> LetterTemplate:
    service.ensure_default_templates()
    found = db.session.scalar(select(LetterTemplate).where(LetterTemplate.key == key))
    assert found is not None
    return found


def pupil_with_parents(school, forename="Ava", surname="Lettered"):
    pupil = make_pupil(school, forename, surname)
    for name, pr in (("Maria Lettered", True), ("Tom Lettered", True), ("Gran Lettered", False)):
        pupil.contacts.append(Contact(name=name, relationship_to_pupil="Parent", parental_responsibility=pr))
    db.session.flush()
    return pupil


def case_for(world, school=None, lead=None):
    school = school or world.school_a
    pupil = pupil_with_parents(school)
    case = Case(pupil_id=pupil.id, status="open", lead_id=(lead or school.named_ewo).id)
    db.session.add(case)
    db.session.commit()
    return case


def draft(author, case, key="early_concern", contact_ids=None, pupil=None, extra=None, audiences=None):
    pupil = pupil or case.pupil
    chosen = template(key)
    ids = contact_ids if contact_ids is not None else [c.id for c in service.liable_parents(pupil)]
    return service.draft_letters(author, pupil=pupil, case=case, template=chosen, contact_ids=ids,
                                 start=today() - timedelta(days=30), end=today(), extra=extra,
                                 audiences=audiences or (chosen.audience,))


def period_form(days: int = 30) -> dict:
    start, end = today() - timedelta(days=days), today()
    return {"start": [str(start.day), str(start.month), str(start.year)],
            "end": [str(end.day), str(end.month), str(end.year)]}
