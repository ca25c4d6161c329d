"""Formal support and court steps (issue 15).

The lead side of a case (its EWO lead or the school's named EWO, and the LA) manages them. The
pupil's school sees its pupils' steps (read-only: statuses and dates); social care, early help
and health see them only on cases shared with them; the police see none (404, and nothing on
the case page)."""
from __future__ import annotations

from sqlalchemy import Select, false, select

from portal.access.cases import can_lead, cases_for, restricted_view
from portal.access.policy import can, load_or_404, object_rule


def sees_formal_steps(user, case) -> bool:
    """Whether the case page shows the user the case's steps (the case is already in scope)."""
    return can(user, "view_formal_steps") and not restricted_view(user)


@object_rule("manage_formal_steps")
def may_manage_formal_steps(user, case) -> bool:
    return can_lead(user, case)


def formal_steps_for(user) -> Select:
    """The steps of the cases the user sees, for the roles that see steps."""
    from portal.cases.models import Case
    from portal.formal_steps.models import FormalStep

    if not can(user, "view_formal_steps"):
        return select(FormalStep).where(false())
    return select(FormalStep).where(FormalStep.case_id.in_(cases_for(user).with_only_columns(Case.id)))


def get_case_for_steps_or_404(user, case_id: int, need: str = "view"):
    """A case in the user's scope whose steps they may see (else 404); need="manage": the lead
    side (else 403)."""
    from portal.cases.models import Case

    if not can(user, "view_formal_steps"):
        from flask import abort

        abort(404)
    return load_or_404(cases_for(user), Case, case_id, need,
                       {"manage": lambda case: can(user, "manage_formal_steps", case)})


def get_formal_step_or_404(user, case, step_id: int, need: str = "view"):
    """A step of that case; need="manage": the lead side (else 403)."""
    from portal.formal_steps.models import FormalStep

    return load_or_404(formal_steps_for(user).where(FormalStep.case_id == case.id), FormalStep, step_id, need,
                       {"manage": lambda step: can(user, "manage_formal_steps", case)})
