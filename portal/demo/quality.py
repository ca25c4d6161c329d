"""Demo dip-sampling: Omar Khan (ewo2@demo.test) is a team manager; Alex Admin has drawn a
sample of the open cases (seed 20261205), three of its audits are complete, and the first of
those is acknowledged by its lead professional. Built through the services; idempotent:
nothing is added when any sample exists."""
from __future__ import annotations

from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.orgs.models import User
from portal.quality import service
from portal.quality.models import DipSample, Population

SEED = 20261205
GRADES = (("good", "good", "good", "requires_improvement", "good", "good", "good"),
          ("requires_improvement", "good", "inadequate", "requires_improvement", "inadequate", "good",
           "requires_improvement"),
          ("good", "requires_improvement", "good", "good", "requires_improvement", "requires_improvement", "good"))
OVERALL = ("good", "requires_improvement", "good")
LEARNING = ("A clear plan built with the family; record the child's own words at each review.",
            "The penalty warning came before any support was offered: the support-first steps must come first.",
            "Good multi-agency work; record why each share was made.")


def seed_quality() -> int:
    """Returns the number of samples added (0 or 1)."""
    if db.session.scalar(select(DipSample.id).limit(1)) is not None:
        return 0
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.test"))
    manager = db.session.scalar(select(User).where(User.email == "ewo2@demo.test"))
    if admin is None:
        return 0
    if manager is not None and not manager.team_manager:
        manager.team_manager = True
        audit.record(admin, "user_updated", manager, changes={"team_manager": {"from": False, "to": True}},
                     summary=manager.email)
    population = service.population(admin, Population.open)
    if not population:
        db.session.commit()
        return 0
    sample = service.draw(admin, min(8, len(population)), SEED, Population.open)
    form = service.current_form()
    assert form is not None
    for case_audit, grades, overall, learning in zip(sample.audits, GRADES, OVERALL, LEARNING, strict=False):
        marks: dict[int, tuple[str | None, str]] = {
            c.id: (grade, f"{c.title}: {'seen clearly in the record' if grade == 'good' else 'not clear enough'}.")
            for c, grade in zip(form.criteria, grades, strict=False)}
        service.save_audit(admin, case_audit, marks, overall, learning, case_audit.version, complete=True)
    first = sample.audits[0]
    if first.complete:
        lead = db.session.get(User, first.case.lead_id)
        assert lead is not None
        service.acknowledge(lead, first, "Thank you: I will record the child's views at every review.", first.version)
    db.session.commit()
    return 1
