"""The questionnaire, kept as data: version 1 (the areas of the DfE's expectations of schools)
written on first use; LA admins edit a draft (add, reword, reorder, retire areas) and publish it
as the next version. An assessment stays on the version it was started with. Nothing here
commits."""
from __future__ import annotations

import re
import secrets

from sqlalchemy import func, select

from portal import audit
from portal.concurrency import check_version, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db
from portal.orgs.models import User
from portal.selfassessment.models import Questionnaire, QuestionnaireStatus, SelfAssessmentArea
from portal.timeutil import utcnow

TITLE_MAX = 200
PROMPT_MAX = 2000

# (key, title, what good looks like): version 1, from "Working together to improve school attendance"
DEFAULT_AREAS = (
    ("culture", "Whole-school culture",
     "Attendance is everyone's business: leaders set high expectations, pupils and families know "
     "why attendance matters, and good attendance is recognised."),
    ("policy", "Attendance policy",
     "A clear policy, published and known to staff, pupils and families, naming the senior "
     "attendance champion and the day-to-day contact, and reviewed each year."),
    ("registers", "Accurate registers and first-day follow-up",
     "Registers taken accurately and on time, with the right codes; every unexplained absence "
     "followed up on the first day."),
    ("data", "Regular analysis of data for pupils and cohorts",
     "Attendance data analysed at least weekly for pupils and cohorts, patterns spotted early and "
     "acted on, compared with local and national figures."),
    ("families", "Relationships with families and removing barriers",
     "Families are listened to, barriers to attendance identified and support put in place before "
     "any formal step."),
    ("partners", "Working with the LA and partners",
     "The school works with its named EWO and partners: termly Targeting Support Meetings, timely "
     "referrals and joint plans."),
    ("governance", "Governance and challenge",
     "Governors receive attendance data regularly, understand it and challenge and support leaders."),
    ("staffing", "Staffing and training",
     "Staff know their part in attendance, are trained for it, and the attendance lead has the time "
     "and authority to do it."),
)


def ensure_questionnaire() -> Questionnaire:
    """The published questionnaire in use: version 1 written now when there is none."""
    current = latest_published()
    if current is not None:
        return current
    if db.session.scalar(select(Questionnaire.id).where(Questionnaire.number == 1)) is not None:
        raise Refused("The questionnaire has not been published yet.")
    questionnaire = Questionnaire(number=1, status=QuestionnaireStatus.published, published_at=utcnow())
    questionnaire.areas = [SelfAssessmentArea(key=key, title=title, good_looks_like=prompt, position=i + 1)
                           for i, (key, title, prompt) in enumerate(DEFAULT_AREAS)]
    db.session.add(questionnaire)
    db.session.flush()
    audit.record(None, "self_assessment_questionnaire_published", questionnaire,
                 summary=f"version 1: {len(DEFAULT_AREAS)} areas", actor_label="portal")
    return questionnaire


def latest_published() -> Questionnaire | None:
    return db.session.scalar(select(Questionnaire).where(Questionnaire.status == QuestionnaireStatus.published)
                             .order_by(Questionnaire.number.desc()).limit(1))


def draft() -> Questionnaire | None:
    return db.session.scalar(select(Questionnaire).where(Questionnaire.status == QuestionnaireStatus.draft))


def versions() -> list[Questionnaire]:
    return list(db.session.scalars(select(Questionnaire).order_by(Questionnaire.number.desc())))


def start_draft(actor: User) -> Questionnaire:
    """A draft of the next version, a copy of the latest published one (one draft at a time)."""
    if draft() is not None:
        raise Refused("There is already a draft: change it, or publish it first.")
    current = ensure_questionnaire()
    number = (db.session.scalar(select(func.max(Questionnaire.number))) or 0) + 1
    new = Questionnaire(number=number, status=QuestionnaireStatus.draft)
    new.areas = [SelfAssessmentArea(key=a.key, title=a.title, good_looks_like=a.good_looks_like,
                                    position=a.position) for a in current.areas]
    db.session.add(new)
    db.session.flush()
    audit.record(actor, "self_assessment_questionnaire_drafted", new,
                 summary=f"version {number}, from {current.number}")
    return new


def _check(title: str, prompt: str) -> None:
    problems = {}
    if not title:
        problems["title"] = "Enter the area's title"
    elif len(title) > TITLE_MAX:
        problems["title"] = f"The title must be {TITLE_MAX} characters or fewer"
    if len(prompt) > PROMPT_MAX:
        problems["good_looks_like"] = f"What good looks like must be {PROMPT_MAX} characters or fewer"
    if problems:
        raise Refused(problems=problems)


def _key_for(title: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:30] or "area"
    return base if base not in taken else f"{base}-{secrets.token_hex(3)}"


def _positions(questionnaire: Questionnaire) -> None:
    for i, area in enumerate(sorted(questionnaire.areas, key=lambda a: (a.position, a.id or 0)), start=1):
        area.position = i


def add_area(actor: User, questionnaire: Questionnaire, title: str, prompt: str) -> SelfAssessmentArea:
    if not questionnaire.is_draft:
        raise Refused("Only a draft can be changed.")
    title, prompt = " ".join(title.split()), prompt.strip()
    _check(title, prompt)
    area = SelfAssessmentArea(key=_key_for(title, {a.key for a in questionnaire.areas}), title=title,
                              good_looks_like=prompt, position=len(questionnaire.areas) + 1)
    questionnaire.areas.append(area)
    db.session.flush()
    audit.record(actor, "self_assessment_area_added", area, summary=f"version {questionnaire.number}: {title}")
    return area


def change_area(actor: User, area: SelfAssessmentArea, title: str, prompt: str, position: int | None,
                expected_version: int | None) -> SelfAssessmentArea:
    """Reword an area of the draft, or move it (`position`: 1 is first)."""
    check_version(area, expected_version)
    questionnaire = area.questionnaire
    if not questionnaire.is_draft:
        raise Refused("Only a draft can be changed.")
    title, prompt = " ".join(title.split()), prompt.strip()
    _check(title, prompt)
    before = audit.snapshot(area, ("title", "good_looks_like", "position"))
    area.title, area.good_looks_like = title, prompt
    if position is not None and position != area.position:
        others = [a for a in sorted(questionnaire.areas, key=lambda a: a.position) if a is not area]
        others.insert(max(0, min(position - 1, len(others))), area)
        for i, a in enumerate(others, start=1):
            a.position = i
    flush_or_conflict(area)
    audit.record(actor, "self_assessment_area_changed", area,
                 changes=audit.diff(before, audit.snapshot(area, ("title", "good_looks_like", "position"))))
    return area


def retire_area(actor: User, area: SelfAssessmentArea) -> None:
    """Take an area out of the draft (the published versions keep it)."""
    questionnaire = area.questionnaire
    if not questionnaire.is_draft:
        raise Refused("Only a draft can be changed.")
    if len(questionnaire.areas) <= 1:
        raise Refused("The questionnaire needs at least one area.")
    questionnaire.areas.remove(area)
    db.session.delete(area)
    _positions(questionnaire)
    db.session.flush()
    audit.record(actor, "self_assessment_area_retired", questionnaire,
                 summary=f"version {questionnaire.number}: {area.title}")


def publish(actor: User, questionnaire: Questionnaire) -> Questionnaire:
    """The draft becomes the version schools start from; assessments already started stay on theirs."""
    if not questionnaire.is_draft:
        raise Refused("This version is already published.")
    if not questionnaire.areas:
        raise Refused("The questionnaire needs at least one area.")
    questionnaire.status = QuestionnaireStatus.published
    questionnaire.published_at, questionnaire.published_by_id = utcnow(), actor.id
    flush_or_conflict(questionnaire)
    audit.record(actor, "self_assessment_questionnaire_published", questionnaire,
                 summary=f"version {questionnaire.number}: {len(questionnaire.areas)} areas")
    return questionnaire
