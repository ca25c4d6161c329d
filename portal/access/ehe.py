"""Elective home education (issue 18): LA-only. LA admins and CME officers (EWOs with the flag,
`policy.USER_RULES`) see and change every EHE record; nobody else sees any (404). The line
"home educated, known to the LA since ..." is not a record: the pages that show a child (the
pupil page, a sweep's encounter and matching) ask `portal.ehe.service.known_since`."""
from __future__ import annotations

from sqlalchemy import Select, false, select

from portal.access.policy import can, load_or_404


def ehe_records_for(user) -> Select:
    """The EHE records a user may open: all of them for an LA admin or a CME officer, else none."""
    from portal.ehe.models import EheRecord

    if can(user, "manage_ehe"):
        return select(EheRecord)
    return select(EheRecord).where(false())


def get_ehe_record_or_404(user, ehe_id: int, need: str = "view", options=()):
    """One EHE record (404 outside `ehe_records_for`); need="change": the record is still
    current (an ended record is kept as it ended: 403)."""
    from portal.ehe.models import EheRecord

    return load_or_404(ehe_records_for(user).options(*options), EheRecord, ehe_id, need,
                       {"change": lambda record: record.is_current})


def pupil_for_ehe(user, upn: str):
    """The pupil with this UPN, for a CME officer or LA admin linking an EHE record to the roll
    (LA-wide: the child may have left any school of the partnership); None when there is none."""
    from portal.extensions import db
    from portal.pupils.models import Pupil

    if not can(user, "manage_ehe"):
        return None
    return db.session.scalar(select(Pupil).where(Pupil.upn == upn.strip().upper()))


def may_open_pupil(user, pupil_id: int) -> bool:
    """Whether the pupil record opens for the user (`pupils_for`): the EHE record links to it then."""
    from portal.access.pupils import pupils_for
    from portal.extensions import db
    from portal.pupils.models import Pupil

    return db.session.scalar(pupils_for(user).with_only_columns(Pupil.id).where(Pupil.id == pupil_id)) is not None
