"""Counts of formal steps by kind and status for the LA picture (issue 15)."""
from __future__ import annotations

from sqlalchemy import func

from portal import access
from portal.extensions import db
from portal.formal_steps.models import FormalStep, StepKind, StepStatus
from portal.statements import StatementMemo, Who

# The rows the LA picture shows: (label, kind(s), statuses)
HEADLINES: tuple[tuple[str, tuple[StepKind, ...], tuple[StepStatus, ...]], ...] = (
    ("Contracts proposed", (StepKind.attendance_contract, StepKind.parenting_contract), (StepStatus.proposed,)),
    ("Contracts signed or under review", (StepKind.attendance_contract, StepKind.parenting_contract),
     (StepStatus.signed, StepStatus.reviewed)),
    ("Contracts breached", (StepKind.attendance_contract, StepKind.parenting_contract), (StepStatus.breached,)),
    ("Education supervision orders applied for", (StepKind.education_supervision_order,),
     (StepStatus.applied, StepStatus.hearing_listed)),
    ("Education supervision orders in force", (StepKind.education_supervision_order,),
     (StepStatus.granted, StepStatus.in_force, StepStatus.extended)),
    ("Prosecutions in preparation", (StepKind.prosecution,),
     (StepStatus.file_in_preparation, StepStatus.file_prepared)),
    ("Prosecutions listed at court", (StepKind.prosecution,), (StepStatus.listed,)),
)


def counts(user) -> dict[tuple[str, str], int]:
    """{(kind, status): count} over the steps of the cases in the user's scope."""
    if not access.can(user, "view_formal_steps"):
        return {}
    return {(str(row[0]), str(row[1])): int(row[2] or 0) for row in db.session.execute(_counts_statement(Who.of(user)))}


def _build_counts(who: Who):
    """`counts`' statement, from the user's id, role and organisation only."""
    return (access.formal_steps_for(who).with_only_columns(FormalStep.kind, FormalStep.status, func.count())
            .group_by(FormalStep.kind, FormalStep.status))


_counts_statement = StatementMemo(_build_counts, maxsize=64)  # built per user, run afresh each time


def headline_rows(found: dict[tuple[str, str], int]) -> list[tuple[str, int, dict]]:
    """(label, count, the list's query arguments) for each headline row."""
    rows = []
    for label, kinds, statuses in HEADLINES:
        n = sum(found.get((str(k), str(s)), 0) for k in kinds for s in statuses)
        args = {"kind": [str(k) for k in kinds], "status": [str(s) for s in statuses]}
        rows.append((label, n, args))
    return rows
