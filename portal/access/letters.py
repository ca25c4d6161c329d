"""Letters (issue 15): who keeps the templates, who writes letters, who reads them.

- LA admins keep the templates (`manage_letter_templates`).
- On a case, the lead side writes letters (`can_lead`: its lead professional, the EWO serving
  the pupil's school, the LA), from the LA's templates.
- A school writes its stage letters (school templates) for its own pupils, case or not; its
  named EWO and the LA may too.
- Reading: schools, EWOs and the LA the letters of the pupils in their scope (an EWO also those
  of the cases they lead); partner agencies only the sent letters of cases shared with them,
  and never a penalty notice letter unless `may_see_penalty_detail`; the police and the panel
  chair none (404). Discarded drafts are seen by no one.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, or_, select

from portal.access.cases import can_lead, cases_for
from portal.access.policy import can, load_or_404
from portal.access.pupils import school_ids_for
from portal.access.roles import AGENCY_ROLES, EWO, LA_ADMIN, POLICE, SCHOOL_STAFF


def may_see_penalty_detail(user, case) -> bool:
    """THE rule for penalty notice details on a case (letters of a penalty-notice template):
    everyone who sees the case except partner agencies, who see them once the LA or the lead has
    shared a notice's details with them (`PenaltyNotice.details_shared`, `access.formal`)."""
    if case is None or user.role == POLICE:
        return False
    if user.role not in AGENCY_ROLES:
        return True
    from portal.extensions import db
    from portal.formal.models import PenaltyNotice

    shared = _penalty_shared_case_ids(user).where(PenaltyNotice.case_id == case.id).limit(1)
    return db.session.scalar(shared) is not None


def _penalty_shared_case_ids(user) -> Select:
    """The SQL twin of `may_see_penalty_detail` for partners: the cases with a penalty notice
    whose details are shared."""
    from portal.formal.models import PenaltyNotice

    return select(PenaltyNotice.case_id).where(PenaltyNotice.details_shared.is_(True))


def penalty_documents_hidden(user, case) -> Select | None:
    """The case documents (frozen letters) with penalty notice details the user may not see on
    this case (`may_see_penalty_detail`), or None when they see them all: `access.cases` keeps
    them, and their chronology lines, out of the documents and the chronology."""
    from portal.formal.models import PenaltyNotice
    from portal.letters.models import Letter

    if case is None:
        return None
    hidden = select(Letter.document_id).where(Letter.case_id == case.id, Letter.penalty_detail.is_(True),
                                              Letter.document_id.is_not(None))
    if user.role == POLICE:
        return hidden
    if user.role not in AGENCY_ROLES:
        return None
    # a partner: hidden until a notice's details are shared (in SQL, so the pages ask no more)
    return hidden.where(~_penalty_shared_case_ids(user).where(PenaltyNotice.case_id == case.id).exists())


def letters_for(user) -> Select:
    from portal.cases.models import Case
    from portal.letters.models import Letter, LetterStatus
    from portal.pupils.models import Pupil

    kept = Letter.status != LetterStatus.discarded
    if user.role in (SCHOOL_STAFF, EWO, LA_ADMIN):
        pupils = select(Pupil.id).where(Pupil.school_id.in_(school_ids_for(user)))
        in_scope: ColumnElement[bool] = Letter.pupil_id.in_(pupils)
        if user.role == EWO:
            led = select(Case.id).where(Case.lead_id == user.id)
            in_scope = or_(in_scope, Letter.case_id.in_(led))
        return select(Letter).where(kept, in_scope)
    if user.role in AGENCY_ROLES and user.role != POLICE:
        visible_cases = cases_for(user).with_only_columns(Case.id)
        led = select(Case.id).where(Case.lead_id == user.id)
        return select(Letter).where(
            kept, Letter.case_id.in_(visible_cases),
            or_(Letter.status == LetterStatus.sent, Letter.case_id.in_(led)),
            or_(Letter.penalty_detail.is_(False), Letter.case_id.in_(_penalty_shared_case_ids(user))))
    return select(Letter).where(false())


def may_write_case_letters(user, case) -> bool:
    return can(user, "write_case_letters") and can_lead(user, case) and not case.is_closed


def may_write_pupil_letters(user) -> bool:
    return can(user, "write_pupil_letters")


def may_change_letter(user, letter) -> bool:
    """Mark sent or discard a draft: who drafted it, the case's lead side, the LA, or (a school's
    stage letter) the pupil's school."""
    from portal.letters.models import Audience

    if not letter.is_draft:
        return False
    if user.role == LA_ADMIN or letter.created_by_id == user.id:
        return True
    if letter.case is not None and can_lead(user, letter.case):
        return True
    return (letter.audience == Audience.school and user.role == SCHOOL_STAFF
            and letter.pupil.school_id == user.organisation_id)


def get_letter_or_404(user, letter_id: int, need: str = "view"):
    """need: "view" or "change" (mark sent, discard: `may_change_letter`, else 403)."""
    from portal.letters.models import Letter

    return load_or_404(letters_for(user), Letter, letter_id, need,
                       {"change": lambda letter: may_change_letter(user, letter)})


def get_letter_template_or_404(user, template_id: int):
    from portal.letters.models import LetterTemplate

    scope = select(LetterTemplate) if can(user, "manage_letter_templates") else select(LetterTemplate).where(false())
    return load_or_404(scope, LetterTemplate, template_id)
