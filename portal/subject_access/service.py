"""The use case: export everything held about one pupil for a subject access request."""
from __future__ import annotations

import re

from portal import audit
from portal.errors import Refused
from portal.orgs.models import User
from portal.pupils.models import Pupil
from portal.subject_access import bundle, collect
from portal.timeutil import utcnow

REFERENCE_MAX = 40
# letters, digits, then letters, digits, spaces and - / _ . (e.g. SAR-2026-014)
REFERENCE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 /_.-]*")


def check_reference(reference: str | None) -> str:
    """The request reference, trimmed; Refused when missing, too long or of other characters."""
    reference = (reference or "").strip()
    if not reference:
        raise Refused(problems={"reference": "Enter the request reference"})
    if len(reference) > REFERENCE_MAX:
        raise Refused(problems={"reference": f"The request reference must be {REFERENCE_MAX} characters or fewer"})
    if not REFERENCE_PATTERN.fullmatch(reference):
        raise Refused(problems={"reference": "The request reference must start with a letter or digit and use only "
                                             "letters, digits, spaces and - / _ ."})
    return reference


def export(actor: User, pupil: Pupil, reference: str) -> tuple[str, bytes]:
    """(file name, ZIP) of everything held about the pupil. The audit entry names the request
    reference and the pupil, never what the export holds."""
    reference = check_reference(reference)
    made_at = utcnow()
    built = collect.build(pupil)
    data = bundle.build_zip(built, reference=reference, made_by=f"{actor.name} ({actor.organisation.name})",
                            made_at=made_at)
    audit.record(actor, "subject_access_exported", pupil, summary=f"request {reference}",
                 changes={"reference": reference, "pupil_id": pupil.id,
                          "sections": len(built.sections), "files": len(built.files)})
    return bundle.filename(reference, pupil.id), data
