"""Many rows at once, written straight into the tables (the services are too slow for
hundreds of cases): for the tests that a page asks the same number of queries whatever the
size of the partnership."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import func, insert, select

from portal.attendance.models import PupilWeek
from portal.cases.models import Action, Case, CaseShare, ChronologyEntry, Referral, Stage
from portal.extensions import db
from portal.notifications.models import Notification
from portal.orgs.models import User
from portal.pupils.models import Pupil
from portal.pupils.upn import make_upn
from portal.timeutil import utcnow
from tests.attendance.helpers import TODAY

_bulk_seq = iter(range(10**6))


def bulk_cases(world, n: int, also_shared_with=()) -> list:
    """n pupils at School A, each with an accepted referral and a case (leads, stages and
    statuses vary) with two open actions (one the EWO's, one the school's; some overdue);
    half of them have a second referral awaiting triage, a fifth a draft, a third are
    shared with early help (and a third with each of `also_shared_with`, other organisations).
    Written straight into the tables: the services are too slow. Returns the cases."""
    staff, ewo, ewo_b = world.user("school_staff"), world.user("ewo"), world.user("ewo_b")
    stages = db.session.scalars(select(Stage).where(Stage.position <= 6).order_by(Stage.position)).all()
    now = utcnow()
    pupils = []
    for i in range(n):
        k = next(_bulk_seq)
        pupils.append(Pupil(upn=make_upn(f"{8000 + k // 1000:04d}", 21, k % 1000), legal_forename="Bulk",
                            legal_surname=f"Pupil{k:05d}", date_of_birth=date(2014, 1, 1), nc_year=7,
                            school_id=world.school_a.id, on_roll_from=date(2025, 9, 1), fsm=i % 2 == 0,
                            search_text=f"bulk pupil{k:05d}"))
    db.session.add_all(pupils)
    db.session.flush()
    common = dict(school_id=world.school_a.id, created_by_id=staff.id, barriers={"illness": "Asthma"},
                  stage_reached=2, school_actions="Calls home", consent="given")
    db.session.add_all(PupilWeek(pupil_id=p.id, week_start=date(2026, 11, 16), possible=10, attended=8 + i % 3,
                                 authorised=0, unauthorised=2 - i % 3, open_sessions=10,
                                 last_date=date(2026, 11, 20)) for i, p in enumerate(pupils))
    accepted = [Referral(pupil_id=p.id, status="accepted", submitted_at=now - timedelta(days=20),
                         snapshot={"percent": "79.0"},
                         triaged_by_id=ewo.id, triaged_at=now - timedelta(days=18), **common) for p in pupils]
    waiting = [Referral(pupil_id=p.id, status="submitted", submitted_at=now - timedelta(days=i % 9),
                        urgency="urgent" if i % 4 == 0 else "routine", **common)
               for i, p in enumerate(pupils) if i % 2 == 0]
    drafts = [Referral(pupil_id=p.id, status="draft", **common) for i, p in enumerate(pupils) if i % 5 == 0]
    db.session.add_all(accepted + waiting + drafts)
    db.session.flush()
    cases = [Case(pupil_id=r.pupil_id, referral_id=r.id, status="monitoring" if i % 7 == 0 else "open",
                  stage_id=stages[i % len(stages)].id, lead_id=(ewo if i % 3 else ewo_b).id,
                  next_review=TODAY + timedelta(days=i % 30 - 5), attendance_at_open={"percent": 80.0})
             for i, r in enumerate(accepted)]
    db.session.add_all(cases)
    db.session.flush()
    rows = []
    for i, c in enumerate(cases):
        rows.append(Action(case_id=c.id, description=f"Home visit {i}", owner_user_id=ewo.id,
                           due_date=TODAY + timedelta(days=i % 10 - 3), created_by_id=ewo.id))
        rows.append(Action(case_id=c.id, description=f"School call {i}", owner_org_id=world.school_a.id,
                           due_date=TODAY + timedelta(days=i % 12 - 4), created_by_id=ewo.id))
        if i % 3 == 0:
            rows.append(CaseShare(case_id=c.id, organisation_id=world.early_help_org.id, reason="agreed",
                                  shared_by_id=ewo.id))
        for k, org in enumerate(also_shared_with):
            if i % 3 == (k + 1) % 3:
                rows.append(CaseShare(case_id=c.id, organisation_id=org.id, reason="agreed", shared_by_id=ewo.id))
    db.session.add_all(rows)
    db.session.commit()
    return cases


def _clone(model, rows, times: int, change) -> None:
    """Insert `times` copies of each row (a mapped object) with `change(row, k)` applied."""
    table = model.__table__
    copies = []
    for row in rows:
        values = {c.key: getattr(row, c.key) for c in model.__mapper__.column_attrs if c.key != "id"}
        values = {model.__mapper__.column_attrs[k].columns[0].name: v for k, v in values.items()}
        for k in range(times):
            copies.append({**values, **change(row, k)})
    if copies:
        db.session.execute(insert(table), copies)


def grow_demo(n_cases: int = 490) -> None:
    """Make the seeded demo partnership much bigger where its pages list things: `n_cases` more
    cases at the first demo school's (with referrals, actions, shares with early help and
    social care), 60 more chronology entries and 10 more actions on every demo case, 15 more
    cases on every panel agenda, 30 more children at every sweep, 15 more items at every
    Targeting Support Meeting and 40 more notifications for everyone."""
    from portal.panels.models import AgendaItem, PanelMeeting
    from portal.sweeps.models import Encounter, Sweep
    from portal.tsm.models import SupportMeeting, TsmItem

    def user(email):
        return db.session.scalar(select(User).where(User.email == email))

    staff, ewo, ewo2 = user("school@demo.test"), user("ewo@demo.test"), user("ewo2@demo.test")
    demo_cases = db.session.scalars(select(Case).order_by(Case.id)).all()
    users = {"school_staff": staff, "ewo": ewo, "ewo_b": ewo2}
    world = SimpleNamespace(user=users.__getitem__, school_a=staff.organisation,
                            early_help_org=user("earlyhelp@demo.test").organisation)
    new_cases = bulk_cases(world, n_cases, also_shared_with=(user("socialcare@demo.test").organisation,
                                                            user("health@demo.test").organisation))
    now = utcnow()
    entries, actions = [], []
    for case in demo_cases:
        for k in range(60):
            entries.append(dict(case_id=case.id, kind="note", occurred_at=now - timedelta(hours=k + 1),
                                recorded_at=now, author_id=ewo.id, organisation_id=ewo.organisation_id,
                                text=f"Note {k}", police_text=f"Police note {k}" if k % 2 else None,
                                time_given=True, health=False, strike_reason=""))
        for k in range(10):
            actions.append(dict(case_id=case.id, description=f"Extra action {k}",
                                owner_user_id=ewo.id if k % 2 else None,
                                owner_org_id=None if k % 2 else staff.organisation_id,
                                due_date=TODAY + timedelta(days=k - 5), created_by_id=ewo.id))
    db.session.execute(insert(ChronologyEntry.__table__), entries)
    for values in actions:
        db.session.add(Action(**values))
    for meeting in db.session.scalars(select(PanelMeeting)):
        last = db.session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
        for k, case in enumerate(new_cases[:15]):
            db.session.add(AgendaItem(meeting_id=meeting.id, case_id=case.id, position=(last or 0) + k + 1,
                                      reason_added="Review", added_by_id=meeting.chair_id))
    for sweep in db.session.scalars(select(Sweep)):
        first = db.session.scalars(select(Encounter).where(Encounter.sweep_id == sweep.id)
                                   .order_by(Encounter.id).limit(1)).all()
        _clone(Encounter, first, 30, lambda row, k: {"forename": f"Child{k}"})
    for meeting in db.session.scalars(select(SupportMeeting)):
        first = db.session.scalars(select(TsmItem).where(TsmItem.meeting_id == meeting.id)
                                   .order_by(TsmItem.id).limit(1)).all()
        _clone(TsmItem, first, 15, lambda row, k: {"note": f"Item {k}"})
    for person in db.session.scalars(select(User)):
        for k in range(40):
            db.session.add(Notification(user_id=person.id, text=f"Update {k}", link="/"))
    db.session.commit()
