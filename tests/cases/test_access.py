"""Who sees which referrals, cases and actions: the scoped queries and checks of
portal.access, run against the real database (no HTTP)."""
from __future__ import annotations

from datetime import date

import pytest
from werkzeug.exceptions import Forbidden, NotFound

from portal import access
from portal.cases import referrals, service
from portal.extensions import db
from tests import clock
from tests.attendance.helpers import TODAY
from tests.factories import make_pupil, make_user

GOOD = {
    "barriers": {"family": "Parental illness"},
    "stage_reached": 3,
    "school_actions": "Daily calls home; meeting with the year leader",
    "consent": "given",
    "lawful_basis": "",
    "urgency": "routine",
    "safeguarding_concern": False,
}

AGENCIES = ("social_care", "early_help", "police")


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


class Scene:
    """Two schools, each with a draft and a submitted referral and an open case."""


@pytest.fixture
def scene(world):
    s = Scene()
    s.world = world
    staff_a, staff_b = world.user("school_staff"), world.user("school_staff_b")
    pupils = {k: make_pupil(world.school_a if k.endswith("a") else world.school_b, k) for k in
              ("draft_a", "submitted_a", "case_a", "draft_b", "submitted_b", "case_b")}
    db.session.commit()

    def refer(staff, pupil, submit=True):
        referral = referrals.save_draft(staff, pupil, dict(GOOD))
        return referrals.submit(staff, referral, referral.version) if submit else referral

    s.draft_a = refer(staff_a, pupils["draft_a"], submit=False)
    s.submitted_a = refer(staff_a, pupils["submitted_a"])
    s.draft_b = refer(staff_b, pupils["draft_b"], submit=False)
    s.submitted_b = refer(staff_b, pupils["submitted_b"])
    accepted_a = refer(staff_a, pupils["case_a"])
    accepted_b = refer(staff_b, pupils["case_b"])
    s.case_a = referrals.accept(world.user("ewo"), accepted_a, world.user("ewo"), accepted_a.version)
    s.case_b = referrals.accept(world.user("ewo_b"), accepted_b, world.user("ewo_b"), accepted_b.version)
    s.accepted_a, s.accepted_b = accepted_a, accepted_b
    return s


def referral_ids(user) -> set[int]:
    return {r.id for r in db.session.scalars(access.referrals_for(user))}


def case_ids(user) -> set[int]:
    return {c.id for c in db.session.scalars(access.cases_for(user))}


def action_ids(user) -> set[int]:
    return {a.id for a in db.session.scalars(access.actions_for(user))}


# ----- referrals -----------------------------------------------------------------------------

def test_school_staff_see_their_own_schools_referrals_including_drafts(scene):
    s, w = scene, scene.world
    assert referral_ids(w.user("school_staff")) == {s.draft_a.id, s.submitted_a.id, s.accepted_a.id}
    assert referral_ids(w.user("school_staff_b")) == {s.draft_b.id, s.submitted_b.id, s.accepted_b.id}


def test_the_named_ewo_sees_submitted_referrals_of_their_schools_only(scene):
    s, w = scene, scene.world
    assert referral_ids(w.user("ewo")) == {s.submitted_a.id, s.accepted_a.id}
    assert referral_ids(w.user("ewo_b")) == {s.submitted_b.id, s.accepted_b.id}
    other_ewo = make_user("ewo", w.service)  # serves no school
    db.session.commit()
    assert referral_ids(other_ewo) == set()


def test_the_la_sees_every_submitted_referral_but_no_drafts(scene):
    s = scene
    assert referral_ids(s.world.user("la_admin")) == {s.submitted_a.id, s.accepted_a.id,
                                                      s.submitted_b.id, s.accepted_b.id}


@pytest.mark.parametrize("role", AGENCIES + ("panel_chair",))
def test_agencies_see_no_referrals(scene, role):
    assert referral_ids(scene.world.user(role)) == set()


def test_a_referral_returned_for_more_information_stays_visible_to_the_ewo(scene):
    s, w = scene, scene.world
    referrals.ask_for_information(w.user("ewo"), s.submitted_a, "Dates of the letters?", s.submitted_a.version)
    assert s.submitted_a.id in referral_ids(w.user("ewo"))
    assert s.submitted_a.id in referral_ids(w.user("school_staff"))


def test_get_referral_or_404(scene):
    s, w = scene, scene.world
    assert access.get_referral_or_404(w.user("ewo"), s.submitted_a.id) is s.submitted_a
    for user, referral_id in ((w.user("ewo"), s.draft_a.id), (w.user("ewo"), s.submitted_b.id),
                              (w.user("school_staff"), s.submitted_b.id), (w.user("police"), s.submitted_a.id)):
        with pytest.raises(NotFound):
            access.get_referral_or_404(user, referral_id)
    assert access.get_referral_or_404(w.user("school_staff"), s.draft_a.id, need="edit") is s.draft_a
    with pytest.raises(Forbidden):
        access.get_referral_or_404(w.user("school_staff"), s.submitted_a.id, need="edit")
    with pytest.raises(Forbidden):
        access.get_referral_or_404(w.user("ewo_b"), s.submitted_b.id, need="add")


def test_can_triage(scene):
    s, w = scene, scene.world
    assert access.can_triage(w.user("ewo"), s.submitted_a)
    assert access.can_triage(w.user("la_admin"), s.submitted_a)
    assert not access.can_triage(w.user("ewo_b"), s.submitted_a)
    assert not access.can_triage(w.user("school_staff"), s.submitted_a)
    assert not access.can_triage(w.user("ewo"), s.draft_a)
    assert not access.can_triage(w.user("ewo"), s.accepted_a)


# ----- cases ---------------------------------------------------------------------------------

def test_schools_and_their_ewo_see_their_cases_only(scene):
    s, w = scene, scene.world
    assert case_ids(w.user("school_staff")) == {s.case_a.id}
    assert case_ids(w.user("ewo")) == {s.case_a.id}
    assert case_ids(w.user("school_staff_b")) == {s.case_b.id}
    assert case_ids(w.user("ewo_b")) == {s.case_b.id}
    assert case_ids(w.user("la_admin")) == {s.case_a.id, s.case_b.id}
    assert case_ids(w.user("panel_chair")) == set()


@pytest.mark.parametrize("role", AGENCIES)
def test_agencies_see_no_case_unless_shared(scene, role):
    assert case_ids(scene.world.user(role)) == set()


@pytest.mark.parametrize("role, org", [("early_help", "early_help_org"), ("police", "police_org"),
                                       ("social_care", "social_care_org")])
def test_an_agency_sees_a_case_only_while_it_is_shared_with_it(scene, role, org):
    s, w = scene, scene.world
    user, ewo = w.user(role), w.user("ewo")
    colleague = make_user(role, getattr(w, org))
    db.session.commit()

    item = service.share(ewo, s.case_a, getattr(w, org), "Agreed at the panel")
    assert case_ids(user) == {s.case_a.id} and case_ids(colleague) == {s.case_a.id}
    assert access.get_case_or_404(user, s.case_a.id) is s.case_a
    with pytest.raises(NotFound):
        access.get_case_or_404(user, s.case_b.id)
    others = [a for a in AGENCIES if a != role]
    assert all(case_ids(w.user(a)) == set() for a in others)

    service.withdraw_share(ewo, item, "No longer needed", item.version)
    assert case_ids(user) == set() and case_ids(colleague) == set()  # at once, no re-login
    with pytest.raises(NotFound):
        access.get_case_or_404(user, s.case_a.id)


def test_a_withdrawn_share_does_not_hide_an_active_one_elsewhere(scene):
    s, w = scene, scene.world
    ewo = w.user("ewo")
    service.share(ewo, s.case_a, w.early_help_org, "Early help assessment")
    police = service.share(ewo, s.case_a, w.police_org, "Sweep follow-up")
    service.withdraw_share(ewo, police, "Done", police.version)
    assert case_ids(w.user("early_help")) == {s.case_a.id}
    assert case_ids(w.user("police")) == set()
    service.share(ewo, s.case_a, w.police_org, "Second sweep")
    assert case_ids(w.user("police")) == {s.case_a.id}


def test_the_police_get_the_restricted_view(world):
    assert access.case_view(world.user("police")) == "police"
    for role in ("school_staff", "ewo", "social_care", "early_help", "la_admin"):
        assert access.case_view(world.user(role)) == "full"


def test_can_lead(scene):
    s, w = scene, scene.world
    case = s.case_a
    service.set_lead(w.user("la_admin"), case, w.user("ewo_b"), case.version)  # lead ewo_b, named EWO ewo
    unrelated_ewo = make_user("ewo", w.service)
    db.session.commit()
    assert access.can_lead(w.user("ewo_b"), case)  # the lead
    assert access.can_lead(w.user("ewo"), case)  # the school's named EWO
    assert access.can_lead(w.user("la_admin"), case)
    assert not access.can_lead(unrelated_ewo, case)
    for role in ("school_staff", "school_staff_b", "panel_chair") + AGENCIES:
        assert not access.can_lead(w.user(role), case), role


def test_get_case_or_404_for_the_lead(scene):
    s, w = scene, scene.world
    assert access.get_case_or_404(w.user("ewo"), s.case_a.id, need="lead") is s.case_a
    with pytest.raises(Forbidden):
        access.get_case_or_404(w.user("school_staff"), s.case_a.id, need="lead")
    with pytest.raises(NotFound):
        access.get_case_or_404(w.user("ewo"), s.case_b.id, need="lead")


# ----- actions -------------------------------------------------------------------------------

def test_can_update_action(scene):
    s, w = scene, scene.world
    ewo = w.user("ewo")
    colleague = make_user("early_help", w.early_help_org)
    db.session.commit()
    service.share(ewo, s.case_a, w.early_help_org, "Assessment agreed")
    for_person = service.add_action(ewo, s.case_a, "Assessment", date(2026, 12, 4), owner_user=w.user("early_help"))
    for_agency = service.add_action(ewo, s.case_a, "Family plan", date(2026, 12, 4), owner_org=w.early_help_org)
    for_school = service.add_action(ewo, s.case_a, "Daily check-in", date(2026, 12, 4),
                                    owner_user=w.user("school_staff"))

    assert access.can_update_action(w.user("early_help"), for_person)  # the owner
    assert access.can_update_action(w.user("early_help"), for_agency)  # a member of the owner org
    assert access.can_update_action(colleague, for_agency)
    assert not access.can_update_action(colleague, for_person)  # a person's action is theirs
    assert access.can_update_action(w.user("school_staff"), for_school)
    for action in (for_person, for_agency, for_school):
        assert access.can_update_action(ewo, action)  # the lead
        assert access.can_update_action(w.user("la_admin"), action)
        assert not access.can_update_action(w.user("social_care"), action)  # an unrelated agency
        assert not access.can_update_action(w.user("police"), action)
        assert not access.can_update_action(w.user("ewo_b"), action)


def test_actions_follow_the_cases_a_user_sees(scene):
    s, w = scene, scene.world
    ewo = w.user("ewo")
    item = service.share(ewo, s.case_a, w.early_help_org, "Assessment agreed")
    on_a = service.add_action(ewo, s.case_a, "Assessment", date(2026, 12, 4), owner_org=w.early_help_org)
    on_b = service.add_action(w.user("ewo_b"), s.case_b, "Visit", date(2026, 12, 4), owner_user=w.user("ewo_b"))
    assert action_ids(ewo) == {on_a.id}
    assert action_ids(w.user("school_staff_b")) == {on_b.id}
    assert action_ids(w.user("la_admin")) == {on_a.id, on_b.id}
    assert action_ids(w.user("early_help")) == {on_a.id}
    service.withdraw_share(ewo, item, "Closed by early help", item.version)
    assert action_ids(w.user("early_help")) == set()
