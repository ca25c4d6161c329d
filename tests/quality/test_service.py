"""Dip-sampling's rules: the seeded, stratified draw (reproducible, allocated by the largest
remainder), the populations (open, closed in a period), the audit form's versions, grading and
completion, the acknowledgement, and the themes with their CSV rows."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from portal import access
from portal.audit import AuditEvent
from portal.cases.models import Case, Stage
from portal.errors import Conflict, Refused
from portal.extensions import db
from portal.notifications.models import Notification
from portal.quality import service
from portal.quality.models import AuditStatus, CaseAudit, Grade, Population
from tests.factories import build_world, make_pupil, make_user
from tests.quality import forget_form_versions


@pytest.fixture(autouse=True)
def _form_back_to_version_1():
    forget_form_versions()  # another module's draft (the access matrix's) may be left
    yield
    forget_form_versions()


def _cases(world, specs, school=None, status="open", closed_at=None):
    """Cases from (lead, stage position or None) pairs."""
    stages = {s.position: s.id for s in db.session.scalars(select(Stage))}
    made = []
    for lead, stage in specs:
        pupil = make_pupil(school or world.school_a)
        case = Case(pupil_id=pupil.id, status=status, lead_id=lead.id, stage_id=stages[stage] if stage else None,
                    closed_at=closed_at)
        db.session.add(case)
        made.append(case)
    db.session.flush()
    return made


def test_allocation_is_proportional_by_largest_remainder_with_ties_to_the_first_stratum():
    # 10 of 20: 5, 3, 2 exactly
    assert service.allocate({(1, 1): 10, (1, 2): 6, (2, 0): 4}, 10) == {(1, 1): 5, (1, 2): 3, (2, 0): 2}
    # 5 of 9 split 3/3/3: 5/3 each = 1 r2 each: the two places left go to the first two strata
    assert service.allocate({(2, 0): 3, (1, 1): 3, (1, 2): 3}, 5) == {(1, 1): 2, (1, 2): 2, (2, 0): 1}
    # 4 of 10 (7, 2, 1): 2.8, 0.8, 0.4 -> 2 + 1 + 1 (remainders 8, 8, 4)
    assert service.allocate({(1, 1): 7, (2, 1): 2, (3, 1): 1}, 4) == {(1, 1): 3, (2, 1): 1, (3, 1): 0}
    assert sum(service.allocate({(1, 1): 7, (2, 1): 2, (3, 1): 1}, 10).values()) == 10


def test_the_draw_is_stratified_by_lead_and_stage_and_reproducible_with_its_seed():
    world = build_world()
    ewo, ewo_b, admin = world.user("ewo"), world.user("ewo_b"), world.user("la_admin")
    _cases(world, [(ewo, 1)] * 6 + [(ewo, 2)] * 3 + [(ewo_b, None)] * 3)
    sample = service.draw(admin, 4, 42, Population.open)
    strata = {(s["lead_id"], s["stage_id"]): (s["cases"], s["drawn"]) for s in sample.strata}
    stage1, stage2 = (db.session.scalar(select(Stage.id).where(Stage.position == p)) for p in (1, 2))
    # 4 of 12: 2 (6 cases), 1 (3 cases), 1 (3 cases)
    assert strata == {(ewo.id, stage1): (6, 2), (ewo.id, stage2): (3, 1), (ewo_b.id, None): (3, 1)}
    drawn = [a.case_id for a in sample.audits]
    by_stratum = {}
    for a in sample.audits:
        by_stratum[(a.lead_id, a.stage_id)] = by_stratum.get((a.lead_id, a.stage_id), 0) + 1
    assert by_stratum == {(ewo.id, stage1): 2, (ewo.id, stage2): 1, (ewo_b.id, None): 1}
    again = service.draw(admin, 4, 42, Population.open)
    assert [a.case_id for a in again.audits] == drawn
    assert sample.seed == 42 and sample.seed_given and sample.population_size == 12
    others = {tuple(a.case_id for a in service.draw(admin, 4, seed, Population.open).audits) for seed in range(8)}
    assert len(others) > 1  # the seed matters
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "dip_sample_drawn",
                                                      AuditEvent.object_id == sample.id))
    assert entry.changes["parameters"]["to"]["seed"] == 42
    assert entry.changes["cases"]["to"] == sorted(drawn)


def test_without_a_seed_one_is_chosen_and_recorded():
    world = build_world()
    _cases(world, [(world.user("ewo"), 1)] * 3)
    sample = service.draw(world.user("la_admin"), 2, None, Population.open)
    assert not sample.seed_given and 0 <= sample.seed <= service.MAX_SEED
    cases, _ = service.choose(service.population(world.user("la_admin"), Population.open), 2, sample.seed)
    assert [c.id for c in cases] == [a.case_id for a in sample.audits]


def test_closed_in_a_period_draws_only_cases_closed_between_the_days():
    world = build_world()
    ewo = world.user("ewo")
    inside = _cases(world, [(ewo, 1)] * 2, status="closed", closed_at=datetime(2026, 10, 1, 12, tzinfo=timezone.utc))
    # 23:30 UTC on 31 October is 31 October in London (GMT): inside; 1 November 00:30 London is out
    edge = _cases(world, [(ewo, 1)], status="closed", closed_at=datetime(2026, 10, 31, 23, 30, tzinfo=timezone.utc))
    _cases(world, [(ewo, 1)], status="closed", closed_at=datetime(2026, 11, 1, 0, 30, tzinfo=timezone.utc))
    _cases(world, [(ewo, 1)] * 2)  # open
    population = service.population(world.user("la_admin"), Population.closed, date(2026, 9, 1), date(2026, 10, 31))
    assert [c.id for c in population] == [c.id for c in inside + edge]
    sample = service.draw(world.user("la_admin"), 3, 7, Population.closed, date(2026, 9, 1), date(2026, 10, 31))
    assert sorted(a.case_id for a in sample.audits) == [c.id for c in inside + edge]
    assert (sample.closed_from, sample.closed_to) == (date(2026, 9, 1), date(2026, 10, 31))


@pytest.mark.parametrize(("size", "message"), [(0, "1 or more"), (None, "1 or more"), (4, "only 3 cases")])
def test_a_sample_of_none_or_more_than_the_population_is_refused(size, message):
    world = build_world()
    _cases(world, [(world.user("ewo"), 1)] * 3)
    with pytest.raises(Refused) as refused:
        service.draw(world.user("la_admin"), size, 1, Population.open)
    assert message in refused.value.problems["size"]


def test_a_closed_period_needs_both_days_in_order():
    world = build_world()
    with pytest.raises(Refused) as refused:
        service.draw(world.user("la_admin"), 1, 1, Population.closed, date(2026, 10, 1), date(2026, 9, 1))
    assert "closed_to" in refused.value.problems


def test_a_team_manager_draws_from_the_cases_they_may_see_only():
    world = build_world()
    manager = make_user(access.EWO, world.service, team_manager=True)
    world.school_b.named_ewo = manager
    mine = _cases(world, [(world.user("ewo_b"), 1)] * 2, school=world.school_b)
    _cases(world, [(world.user("ewo"), 1)] * 3)  # school A: not served by the manager
    assert [c.id for c in service.population(manager, Population.open)] == [c.id for c in mine]


def _sample_with(world, n=1):
    _cases(world, [(world.user("ewo"), 1)] * n)
    return service.draw(world.user("la_admin"), n, 1, Population.open)


def test_a_draft_keeps_what_is_given_and_completion_needs_every_grade_comment_overall_and_learning():
    world = build_world()
    admin = world.user("la_admin")
    sample = _sample_with(world)
    case_audit = sample.audits[0]
    form = service.current_form()
    first = form.criteria[0]
    service.save_audit(admin, case_audit, {first.id: ("good", "Heard")}, None, "", case_audit.version)
    assert case_audit.status == AuditStatus.draft and case_audit.form_id == form.id
    with pytest.raises(Refused) as refused:
        service.save_audit(admin, case_audit, {first.id: ("good", "")}, None, "", case_audit.version, complete=True)
    problems = refused.value.problems
    assert f"comment_{first.id}" in problems and "overall_grade" in problems and "learning_points" in problems
    assert all(f"grade_{c.id}" in problems for c in form.criteria[1:])
    assert case_audit.status == AuditStatus.draft  # refused before anything changed
    grades = {c.id: ("inadequate" if c is first else "good", "Seen") for c in form.criteria}
    service.save_audit(admin, case_audit, grades, "requires_improvement", "Hear the child", case_audit.version,
                       complete=True)
    assert case_audit.complete and case_audit.overall_grade == Grade.requires_improvement
    assert {g.criterion_id: g.grade for g in case_audit.grades}[first.id] == Grade.inadequate
    with pytest.raises(Refused):
        service.save_audit(admin, case_audit, grades, "good", "Changed", case_audit.version)


def test_a_stale_audit_edit_is_a_conflict():
    world = build_world()
    sample = _sample_with(world)
    case_audit = sample.audits[0]
    seen = case_audit.version
    service.save_audit(world.user("la_admin"), case_audit, {}, "good", "First", seen)
    with pytest.raises(Conflict):
        service.save_audit(world.user("la_admin"), case_audit, {}, "good", "Second", seen)


def test_grading_a_criterion_alone_moves_the_audits_version():
    world = build_world()
    sample = _sample_with(world)
    case_audit = sample.audits[0]
    criterion = service.current_form().criteria[0]
    service.save_audit(world.user("la_admin"), case_audit, {}, None, "", case_audit.version)
    before = case_audit.version
    service.save_audit(world.user("la_admin"), case_audit, {criterion.id: ("good", "")}, None, "", before)
    assert case_audit.version == before + 1


def test_an_audit_keeps_the_form_version_it_started_with():
    world = build_world()
    admin = world.user("la_admin")
    sample = _sample_with(world, 2)
    started, later = sample.audits
    service.save_audit(admin, started, {}, None, "", started.version)
    v1 = started.form
    draft = service.start_form_draft(admin)
    assert [c.title for c in draft.criteria] == [c.title for c in v1.criteria]
    service.add_criterion(admin, draft, "The family's views are recorded", "", 8)
    service.update_criterion(admin, draft.criteria[0], "The child's voice is recorded, in their words", "", 1,
                             draft.criteria[0].version)
    service.publish_form(admin, draft, draft.version)
    db.session.expire_all()
    assert service.current_form().number == 2 and len(service.current_form().criteria) == 8
    assert service.form_of(started).number == 1
    assert service.form_of(later).number == 2
    with pytest.raises(Refused):
        service.add_criterion(admin, v1, "Too late", "", 9)


def test_publishing_needs_a_criterion_and_a_second_draft_is_refused():
    world = build_world()
    admin = world.user("la_admin")
    draft = service.start_form_draft(admin)
    with pytest.raises(Refused):
        service.start_form_draft(admin)
    for c in list(draft.criteria):
        service.remove_criterion(admin, c)
    db.session.expire(draft)
    with pytest.raises(Refused):
        service.publish_form(admin, draft, draft.version)


def test_the_lead_acknowledges_a_completed_audit_once():
    world = build_world()
    admin, ewo = world.user("la_admin"), world.user("ewo")
    sample = _sample_with(world)
    case_audit = sample.audits[0]
    with pytest.raises(Refused):
        service.acknowledge(ewo, case_audit, "", case_audit.version)  # not complete yet
    grades = {c.id: ("good", "Seen") for c in service.current_form().criteria}
    service.save_audit(admin, case_audit, grades, "good", "Well done", case_audit.version, complete=True)
    told = db.session.scalars(select(Notification).where(Notification.user_id == ewo.id)).all()
    assert [n.link for n in told] == [f"/dip-samples/audits/{case_audit.id}"]
    assert told[0].text == f"A quality audit of Case {case_audit.case_id} is ready to read"
    service.acknowledge(ewo, case_audit, "Thanks", case_audit.version)
    assert case_audit.acknowledged_by_id == ewo.id and case_audit.response == "Thanks"
    with pytest.raises(Refused):
        service.acknowledge(ewo, case_audit, "", case_audit.version)
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.verb == "case_audit_acknowledged"))


def test_themes_count_grades_per_criterion_and_per_lead_and_list_the_learning_points():
    world = build_world()
    admin, ewo, ewo_b = world.user("la_admin"), world.user("ewo"), world.user("ewo_b")
    _cases(world, [(ewo, 1), (ewo, 1), (ewo_b, 1)])
    sample = service.draw(admin, 3, 5, Population.open)
    criteria = service.current_form().criteria
    overall = {}
    for a, grade in zip(sample.audits, ("good", "inadequate", "good"), strict=True):
        marks = {c.id: (grade if c is criteria[0] else "requires_improvement", "Seen") for c in criteria}
        service.save_audit(admin, a, marks, grade, f"Points for {a.reference}", a.version, complete=True)
        overall[a.id] = grade
    service.acknowledge(ewo, sample.audits[0], "", sample.audits[0].version)
    themes = service.themes(sample)
    assert (themes.sampled, themes.completed, themes.acknowledged) == (3, 3, 1)
    first = themes.criteria[0]
    assert first.title == criteria[0].title
    assert first.counts == {Grade.good: 2, Grade.requires_improvement: 0, Grade.inadequate: 1}
    assert themes.criteria[1].counts[Grade.requires_improvement] == 3
    leads = {t.name: (t.audited, t.counts) for t in themes.leads}
    by_lead: dict[str, list[str]] = {}
    for a in sample.audits:
        by_lead.setdefault(a.lead.name, []).append(overall[a.id])
    for name, grades in by_lead.items():
        assert leads[name][0] == len(grades)
        assert leads[name][1][Grade.inadequate] == grades.count("inadequate")
    assert themes.overall == {Grade.good: 2, Grade.requires_improvement: 0, Grade.inadequate: 1}
    assert {r for r, _, _ in themes.learning} == {a.reference for a in sample.audits}
    rows = service.themes_rows(themes)
    assert rows[0] == ["Criterion", f"{criteria[0].title} (form version 1)", 2, 0, 1, 3]
    assert ["Overall", "All completed audits", 2, 0, 1, 3] in rows


def test_a_draft_audit_does_not_count_in_the_themes():
    world = build_world()
    sample = _sample_with(world, 2)
    service.save_audit(world.user("la_admin"), sample.audits[0], {}, "good", "", sample.audits[0].version)
    themes = service.themes(sample)
    assert themes.completed == 0 and themes.overall[Grade.good] == 0
    assert db.session.scalar(select(CaseAudit.status).where(CaseAudit.id == sample.audits[0].id)) == AuditStatus.draft
