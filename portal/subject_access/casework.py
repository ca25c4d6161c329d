"""The casework sections of a subject access export: referrals, cases (the pupil's own, and the
whole-family cases the pupil is covered by), chronology, actions, panel decisions, formal
notices and steps, letters (with their frozen PDFs) and documents (with their files).

A whole-family case led for another child is in the export only as this pupil's part of it:
its status, lead, chronology and actions (the other children's names and UPNs replaced), never
that child's referral, attendance, notices, steps or files."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from portal.cases import documents as case_documents
from portal.cases.models import (
    BARRIER_LABELS,
    CHRONOLOGY_KINDS,
    CLOSURE_REASONS,
    DOCUMENT_CATEGORIES,
    NOT_APPROPRIATE_REASONS,
    Case,
    CaseChild,
    CaseDocument,
    ChronologyEntry,
    Referral,
)
from portal.extensions import db
from portal.formal.models import NoticeToImprove, NtiRequest, PenaltyNotice
from portal.formal_steps.models import FormalStep
from portal.letters.models import Letter
from portal.orgs.models import User
from portal.panels.models import AgendaItem
from portal.pupils.models import Pupil
from portal.subject_access.collect import Export, record
from portal.subject_access.redact import OTHER_CHILD

KIND_LABELS = dict(CHRONOLOGY_KINDS)
CLOSURE_LABELS = dict(CLOSURE_REASONS)
CATEGORY_LABELS = dict(DOCUMENT_CATEGORIES)
NOT_APPROPRIATE_LABELS = dict(NOT_APPROPRIATE_REASONS)


@dataclass
class Found:
    """The cases the pupil is in, and the other children those cases (and their panel meetings) touch."""
    own_cases: list[Case]
    family_cases: list[tuple[Case, CaseChild]]  # led for another child, covering this pupil
    agenda_items: list[AgendaItem]
    other_pupil_ids: set[int] = field(default_factory=set)

    @property
    def cases(self) -> list[Case]:
        return self.own_cases + [c for c, _ in self.family_cases]

    @classmethod
    def gather(cls, pupil: Pupil) -> Found:
        own = list(db.session.scalars(select(Case).where(Case.pupil_id == pupil.id).order_by(Case.id)))
        own_ids = {c.id for c in own}
        family = [(link.case, link) for link in db.session.scalars(
            select(CaseChild).where(CaseChild.pupil_id == pupil.id).order_by(CaseChild.id))
            if link.case_id not in own_ids]
        case_ids = own_ids | {c.id for c, _ in family}
        items = list(db.session.scalars(select(AgendaItem).where(AgendaItem.case_id.in_(case_ids))
                                        .order_by(AgendaItem.added_at, AgendaItem.id))) if case_ids else []
        found = cls(own, family, items)
        # the other children: of these cases, and of every case on the same panel meetings
        meeting_ids = {i.meeting_id for i in items}
        touched = set(case_ids)
        if meeting_ids:
            touched |= set(db.session.scalars(select(AgendaItem.case_id).where(AgendaItem.meeting_id.in_(meeting_ids))))
        if touched:
            found.other_pupil_ids |= set(db.session.scalars(select(Case.pupil_id).where(Case.id.in_(touched))))
            found.other_pupil_ids |= set(db.session.scalars(select(CaseChild.pupil_id)
                                                            .where(CaseChild.case_id.in_(touched))))
        found.other_pupil_ids.discard(pupil.id)
        return found


def add_sections(export: Export, found: Found) -> None:
    _referrals(export)
    _cases(export, found)
    _chronology(export, found)
    _actions(export, found)
    _panels(export, found)
    _formal(export, found)
    _letters(export)
    _documents(export, found)


def _referrals(export: Export) -> None:
    people = export.people
    rows = []
    for r in db.session.scalars(select(Referral).where(Referral.pupil_id == export.pupil.id).order_by(Referral.id)):
        rows.append(record(
            id=r.id, school=r.school.name, status=r.status.label, created_by=people.user(r.created_by),
            created_at=r.created_at, submitted_at=r.submitted_at,
            barriers=[{"barrier": BARRIER_LABELS.get(k, k), "description": v} for k, v in (r.barriers or {}).items()],
            stage_reached=r.stage_reached, school_actions=r.school_actions, consent=r.consent,
            lawful_basis=r.lawful_basis, urgency=r.urgency, safeguarding_concern=r.safeguarding_concern,
            attendance_when_submitted=r.snapshot, triaged_by=people.user(r.triaged_by), triaged_at=r.triaged_at,
            triage_message=r.triage_message,
            additions=[record(author=people.user(a.author), added_at=a.created_at, text=a.text) for a in r.additions]))
    export.add("referrals", "Referrals", rows)


def _cases(export: Export, found: Found) -> None:
    people = export.people
    rows = []
    for case in found.own_cases:
        children = db.session.scalar(select(CaseChild.id).where(CaseChild.case_id == case.id).limit(1))
        rows.append(_case_row(export, case, "This pupil's own case", whole_family=children is not None)
                    | record(attendance_at_open=case.attendance_at_open, attendance_at_close=case.attendance_at_close))
    for case, link in found.family_cases:
        rows.append(_case_row(export, case, "Covered by a whole-family case led for " + OTHER_CHILD, whole_family=True)
                    | record(pupil_added_at=link.added_at, pupil_removed_at=link.removed_at))
    for row in rows:
        row["shares"] = [record(organisation=s.organisation.name, reason=s.reason, shared_by=people.user(s.shared_by),
                                shared_at=s.shared_at, withdrawn_at=s.withdrawn_at, withdraw_reason=s.withdraw_reason)
                         for s in db.session.get_one(Case, row["id"]).shares]
    export.add("cases", "Cases", rows,
               note="A whole-family case shows only this pupil's part: the other children are not named.")


def _case_row(export: Export, case: Case, part: str, whole_family: bool) -> dict:
    return record(id=case.id, this_pupils_part=part, whole_family=whole_family, status=case.status.label,
                  stage=case.stage.name if case.stage else None, lead=export.people.user(case.lead),
                  opened_at=case.opened_at, next_review=case.next_review, closed_at=case.closed_at,
                  closure_reason=CLOSURE_LABELS.get(case.closure_reason or "", case.closure_reason),
                  closure_text=case.closure_text)


def _chronology(export: Export, found: Found) -> None:
    people = export.people
    rows = []
    for case in found.cases:
        for e in db.session.scalars(select(ChronologyEntry).where(ChronologyEntry.case_id == case.id)
                                    .order_by(ChronologyEntry.occurred_at, ChronologyEntry.id)):
            rows.append(record(
                case=case.id, id=e.id, kind=KIND_LABELS.get(e.kind, e.kind),
                occurred=e.occurred_at if e.time_given else e.occurred_at.date(), recorded_at=e.recorded_at,
                author=people.user(e.author), organisation=e.organisation.name if e.organisation else None,
                text=e.text, health=e.health, corrects_entry=e.corrects_id, struck_at=e.struck_at,
                struck_by=people.user(db.session.get(User, e.struck_by_id)) if e.struck_by_id else "",
                strike_reason=e.strike_reason, support=e.support_name, review_on=e.review_on,
                not_appropriate_reason=NOT_APPROPRIATE_LABELS.get(e.not_appropriate_reason or "")))
    export.add("chronology", "Chronology", rows,
               note="Entries marked health are health records: check the health exemptions before release.")


def _actions(export: Export, found: Found) -> None:
    people = export.people
    rows = []
    for case in found.cases:
        for a in case.actions:
            rows.append(record(case=case.id, id=a.id, description=a.description, owner=a.owner_label,
                               due_date=a.due_date, status=a.status.label, outcome=a.outcome,
                               created_by=people.user(db.session.get(User, a.created_by_id)),
                               created_at=a.created_at, completed_by=people.user(a.completed_by),
                               completed_at=a.completed_at, panel_decision=a.panel_decision_id,
                               formal_step=a.formal_step_id))
            if a.owner_user is not None:
                people.user(a.owner_user)
    export.add("actions", "Agreed actions", rows)


def _panels(export: Export, found: Found) -> None:
    people = export.people
    rows = []
    for item in found.agenda_items:
        meeting, decision = item.meeting, item.decision
        row = record(case=item.case_id, meeting_at=meeting.held_at, place=meeting.place,
                     chair=people.user(meeting.chair), meeting_status=meeting.status.label,
                     reason_listed=item.reason_added, listed_by=people.user(item.added_by), listed_at=item.added_at,
                     removed_at=item.removed_at, removed_by=people.user(item.removed_by),
                     removed_reason=item.removed_reason)
        if decision is not None:
            row |= record(decision=decision.label, rationale=decision.rationale, next_review=decision.next_review,
                          decided_by=people.user(decision.decided_by), decided_at=decision.decided_at,
                          agreed_actions=[a.id for a in decision.actions])
        rows.append(row)
    export.add("panels", "Panel meetings and decisions", rows,
               note="Only the agenda items about this pupil's cases; other cases of the same meetings are left out.")


def _formal(export: Export, found: Found) -> None:
    people, pupil = export.people, export.pupil
    rows = []
    for n in db.session.scalars(select(NoticeToImprove).where(NoticeToImprove.pupil_id == pupil.id)
                                .order_by(NoticeToImprove.id)):
        rows.append(record(
            type="Notice to improve", case=n.case_id, status=n.status.label, issued_on=n.issued_on,
            qualifying_period=f"{n.qualifying_start.isoformat()} to {n.qualifying_end.isoformat()}",
            unauthorised_sessions=n.unauthorised_sessions, support_cited=n.support_cited,
            not_appropriate_rationale=n.not_appropriate_rationale, improvement=n.improvement,
            improvement_period=f"{n.period_start.isoformat()} to {n.period_end.isoformat()} ({n.period_weeks} weeks)",
            raised_by=people.user(n.raised_by), outcome_by=people.user(n.outcome_by), outcome_at=n.outcome_at,
            outcome_note=n.outcome_note, parents=[people.person(p.parent_name, "parent or carer") for p in n.parents]))
    for pn in db.session.scalars(select(PenaltyNotice).where(PenaltyNotice.pupil_id == pupil.id)
                                .order_by(PenaltyNotice.id)):
        rows.append(record(
            type="Penalty notice", case=pn.case_id, number=pn.number, status=pn.status.label, reason=pn.reason.label,
            parent=people.person(pn.parent_name, "parent or carer"), sequence=pn.sequence, skip_reason=pn.skip_reason,
            drafted_by=people.user(pn.drafted_by), issued_on=pn.issued_on, issued_by=people.user(pn.issued_by),
            served_by=pn.served_by.label if pn.served_by else None, deemed_served_on=pn.deemed_served_on,
            amount_first=pn.amount_first, pay_first_by=pn.pay_first_by, amount_full=pn.amount_full,
            pay_full_by=pn.pay_full_by, paid_on=pn.paid_on, paid_amount=pn.paid_amount, withdrawn_at=pn.withdrawn_at,
            withdrawn_by=people.user(pn.withdrawn_by), withdraw_reason=pn.withdraw_reason,
            prosecution_considered_at=pn.prosecution_at))
    own_ids = [c.id for c in found.own_cases]
    if own_ids:
        for r in db.session.scalars(select(NtiRequest).where(NtiRequest.case_id.in_(own_ids)).order_by(NtiRequest.id)):
            rows.append(record(type="School's request for a notice to improve", case=r.case_id,
                               status=r.status.label, school=r.school.name, requested_by=people.user(r.requested_by),
                               requested_at=r.created_at, evidence=r.evidence, decided_by=people.user(r.decided_by),
                               decided_at=r.decided_at, decline_reason=r.decline_reason))
    export.add("formal_notices", "Notices to improve and penalty notices", rows)
    steps = []
    if own_ids:
        for s in db.session.scalars(select(FormalStep).where(FormalStep.case_id.in_(own_ids)).order_by(FormalStep.id)):
            steps.append(record(
                case=s.case_id, id=s.id, kind=s.kind.label, status=s.status.label, evidence_entry=s.evidence_entry_id,
                evidence_summary=s.evidence_summary, parent_commitments=s.parent_commitments,
                service_commitments=s.service_commitments, starts_on=s.starts_on, ends_on=s.ends_on,
                next_review=s.next_review, reviews=s.reviews, applied_on=s.applied_on, hearing_on=s.hearing_on,
                supervisor=people.user(s.supervisor), extensions=s.extensions, section=s.section,
                file_prepared_on=s.file_prepared_on, further_hearings=s.further_hearings, fine_pounds=s.fine_pounds,
                parenting_order=s.parenting_order, parenting_order_on=s.parenting_order_on, outcome=s.outcome,
                created_by=people.user(s.created_by), created_at=s.created_at))
    export.add("formal_steps", "Formal support and court steps", steps,
               note="Steps on a whole-family case led for another child are not included.")


def _letters(export: Export) -> None:
    people = export.people
    rows = []
    for letter in db.session.scalars(select(Letter).where(Letter.pupil_id == export.pupil.id).order_by(Letter.id)):
        path = f"letters/letter-{letter.id}.pdf" if letter.pdf else None
        if path and letter.pdf:
            export.files.append((path, letter.pdf))
        rows.append(record(
            id=letter.id, case=letter.case_id, template=letter.template_version.template.name,
            recipient=people.person(letter.recipient, "parent or carer"), status=letter.status.label,
            subject=letter.subject, text=letter.text, created_by=people.user(letter.created_by),
            created_at=letter.created_at, sent_by=people.user(letter.sent_by), sent_at=letter.sent_at,
            discarded_at=letter.discarded_at, pdf=path))
    export.add("letters", "Letters", rows, note="A sent letter's frozen PDF is in the letters folder.")


def _documents(export: Export, found: Found) -> None:
    people = export.people
    own_ids = {c.id for c in found.own_cases}
    rows = []
    for case in found.cases:
        for d in db.session.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id)
                                    .order_by(CaseDocument.id)):
            file_path, file_note = None, ""
            if case.id not in own_ids:
                file_note = "Not included: on a whole-family case led for another child; review it in the portal."
            elif not d.kept:
                file_note = "Removed: the file was deleted."
            else:
                try:
                    data = case_documents.path_of(d).read_bytes()
                except (OSError, ValueError):
                    file_note = "The file could not be read."
                else:
                    file_path = f"documents/document-{d.id}-{d.filename}"
                    export.files.append((file_path, data))
            rows.append(record(case=case.id, id=d.id, title=d.title, category=CATEGORY_LABELS.get(d.category),
                               filename=d.filename, file_type=d.file_type.label, size=d.size_text,
                               health=d.health, uploaded_by=people.user(d.uploaded_by), uploaded_at=d.uploaded_at,
                               status=d.status.label, removed_at=d.removed_at, remove_reason=d.remove_reason,
                               file=file_path, file_note=file_note))
    export.add("documents", "Documents", rows, note="The files are in the documents folder; check each before release.")
