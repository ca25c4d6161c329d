"""Demo attendance self-assessments (issue 17), built through the service:
- Riverside Primary School: last year's submitted and reviewed, and this year's submitted (an
  amber and a red area with planned actions owned by Sam Patel, one overdue) and reviewed by its
  EWO with one rating challenged: the LA grid shows the change since last year and the challenge;
- Hillview High School and Meadow Lane Primary School: this year's submitted, not yet reviewed
  (entered for them by the LA from their paper returns: they have no demo login);
- St Mary's Church of England Primary School: a draft;
- Oakfield Academy and every other school: not started (Jo Mensah, school2@demo.test, can start
  Oakfield's).
Idempotent: nothing is added when any self-assessment exists."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.orgs.models import Organisation, User
from portal.selfassessment import service
from portal.selfassessment.models import SelfAssessment
from portal.selfassessment.questions import ensure_questionnaire

EVIDENCE = {
    "culture": "Attendance is on every staff briefing agenda; weekly celebration assemblies.",
    "policy": "Policy reviewed by governors in July; on the website and in the new-starter pack.",
    "registers": "Registers closed 9:10; first-day calls by 9:45, logged in the MIS.",
    "data": "Weekly report by year group; cohort analysis each half term.",
    "families": "Family support worker; early-morning club for pupils late because of childcare.",
    "partners": "Termly TSM held with the EWO; early help referrals where needed.",
    "governance": "Attendance link governor meets the attendance lead each term.",
    "staffing": "Attendance lead has a day a week; all staff trained in September.",
}


def _values(assessment: SelfAssessment, ratings: dict[str, str], owner: User | None, due: date,
            dues: dict[str, date] | None = None) -> dict:
    values = {}
    for answer in assessment.answers:
        key = answer.area.key
        rating = ratings.get(key, "green")
        needs = rating in ("red", "amber") and owner is not None
        values[answer.id] = {"rating": rating, "evidence": EVIDENCE.get(key, ""),
                             "action": f"Action plan for {answer.area.title.lower()}, reviewed half-termly"
                             if needs else "",
                             "action_owner_id": owner.id if needs and owner is not None else None,
                             "action_due": (dues or {}).get(key, due) if needs else None}
    return values


def _submitted(actor: User, school: Organisation, year: str, ratings: dict[str, str], owner: User | None,
               due: date, dues: dict[str, date] | None = None) -> SelfAssessment:
    assessment = service.start(actor, school, year)
    service.save(actor, assessment, _values(assessment, ratings, owner, due, dues), None, submit=True)
    return assessment


def _reviewed(ewo: User, assessment: SelfAssessment, challenge: dict[str, str]) -> None:
    values = {a.id: {"review": "challenge" if a.area.key in challenge else "agree",
                     "comment": challenge.get(a.area.key, "")} for a in assessment.answers}
    service.review(ewo, assessment, values, None, done=True)


def seed_self_assessments(today: date) -> int:
    """Returns the number of assessments created."""
    if db.session.scalar(select(SelfAssessment.id).limit(1)) is not None:
        return 0
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(
        ["admin@demo.test", "ewo@demo.test", "school@demo.test"])))}
    schools = {o.name: o for o in db.session.scalars(select(Organisation))}
    if len(users) < 3 or "Riverside Primary School" not in schools:
        return 0
    admin, ewo, sam = (users[e] for e in ("admin@demo.test", "ewo@demo.test", "school@demo.test"))
    ensure_questionnaire()
    year = service.academic_year(today)
    last = service.previous_year(year)
    riverside = schools["Riverside Primary School"]
    made = 0
    before = _submitted(sam, riverside, last, {"data": "red", "families": "amber", "governance": "amber"}, sam,
                        today - timedelta(days=120))
    _reviewed(ewo, before, {})
    service.complete_action(sam, next(a for a in before.answers if a.area.key == "data"), None)
    # one planned action already past its date (overdue in the LA's list and in Sam's My actions)
    now = _submitted(sam, riverside, year, {"families": "amber", "governance": "red"}, sam,
                     today + timedelta(days=60), {"governance": today - timedelta(days=7)})
    _reviewed(ewo, now, {"culture": "Pupil voice in the autumn survey says attendance is rarely mentioned: "
                                    "amber, until the new assemblies have run a term."})
    made += 2
    for name in ("Hillview High School", "Meadow Lane Primary School"):
        if name in schools:
            _submitted(admin, schools[name], year, {}, None, today)
            made += 1
    if "St Mary's Church of England Primary School" in schools:
        draft = service.start(admin, schools["St Mary's Church of England Primary School"], year)
        first = draft.answers[0]
        service.save(admin, draft, {first.id: {"rating": "amber", "evidence": "Started in the staff meeting"}},
                     None)
        made += 1
    db.session.commit()
    return made
