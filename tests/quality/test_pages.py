"""Dip-sampling's pages ask the same few queries whatever the size of the sample, and the demo
has a sample with audits complete and one acknowledged, and a team manager."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.cases.models import Case
from portal.extensions import db
from portal.orgs.models import User
from portal.quality import service
from portal.quality.models import AuditStatus, CaseAudit, DipSample
from tests.crawl import queries
from tests.demo import seed_demo
from tests.factories import build_world, make_pupil
from tests.quality import forget_form_versions


@pytest.fixture(autouse=True)
def _form_back_to_version_1():
    forget_form_versions()
    yield
    forget_form_versions()


def _sample(world, n):
    """A sample of n open cases of the world's EWO, every audit complete."""
    admin = world.user("la_admin")
    for _ in range(n):
        db.session.add(Case(pupil_id=make_pupil(world.school_a).id, status="open", lead_id=world.user("ewo").id))
    db.session.flush()
    sample = service.draw(admin, n, 11, "open")
    grades = {c.id: ("good", "Seen") for c in service.current_form().criteria}
    for a in sample.audits:
        service.save_audit(admin, a, grades, "good", f"Points {a.id}", a.version, complete=True)
    db.session.commit()
    return sample


def test_the_pages_ask_the_same_queries_for_a_sample_of_2_or_of_12(app):
    world = build_world()
    small, big = _sample(world, 2), _sample(world, 12)
    admin, lead = app.test_client(), app.test_client()
    admin.login(world.user("la_admin"))
    lead.login(world.user("ewo"))
    for page in ("/dip-samples/{}", "/dip-samples/{}/themes", "/dip-samples/{}/themes/print",
                 "/dip-samples/{}/audits/{}"):
        counts = [len(queries(admin, page.format(s.id, s.audits[0].id))) for s in (small, big)]
        assert counts[0] == counts[1], (page, counts)
    assert len(queries(admin, "/dip-samples")) == len(queries(admin, "/dip-samples"))
    mine = len(queries(lead, "/dip-samples/my-audits"))
    _sample(world, 5)
    assert len(queries(lead, "/dip-samples/my-audits")) == mine
    assert len(queries(lead, f"/dip-samples/audits/{big.audits[0].id}")) == len(
        queries(lead, f"/dip-samples/audits/{small.audits[0].id}"))


def test_the_demo_has_a_sample_with_audits_complete_and_one_acknowledged(client):
    seed_demo("attend-demo-2026")
    sample = db.session.scalar(select(DipSample))
    assert sample is not None and sample.seed == 20261205 and sample.size == len(sample.audits) > 3
    statuses = [a.status for a in sample.audits]
    assert statuses.count(AuditStatus.complete) == 3
    acknowledged = db.session.scalars(select(CaseAudit).where(CaseAudit.acknowledged_at.is_not(None))).all()
    assert len(acknowledged) == 1 and acknowledged[0].response
    manager = db.session.scalar(select(User).where(User.email == "ewo2@demo.test"))
    assert manager.team_manager
    assert not db.session.scalar(select(User).where(User.email == "ewo@demo.test")).team_manager
