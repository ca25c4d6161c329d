"""Where a letter's notice data comes from: the one hook the notices plug into.

A letter drafted from a notice to improve (`?nti_id=`) or a penalty notice (`?notice_id=`) on
a case takes that notice's merge fields (`extra`: {"nti": {...}} or {"penalty": {...}}, every
value a string: `merge.EXTRA` lists the keys), the notice's template, and only the notice's
parents as recipients (a penalty notice is one parent's: a letter about it goes to no one
else). A notice of another case, or out of the user's scope, is a 404."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import abort

from portal import access
from portal.params import to_int


@dataclass
class Source:
    extra: dict[str, dict[str, str]] = field(default_factory=dict)
    template_key: str | None = None
    contact_ids: list[int] | None = None  # None: any liable parent
    label: str = ""  # what the letter is about, for the form's caption


def source_for(user, case, args: Mapping[str, str]) -> Source:
    from portal.formal.letters import letter_fields_for_notice, letter_fields_for_nti

    if "nti_id" in args:
        nti_id = to_int(args.get("nti_id"))
        nti = access.get_nti_or_404(user, nti_id, need="manage") if nti_id else abort(404)
        if nti.case_id != case.id:
            abort(404)
        return Source({"nti": letter_fields_for_nti(nti)}, "notice_to_improve",
                      [p.contact_id for p in nti.parents if p.contact_id], "Notice to improve issued "
                      + letter_fields_for_nti(nti)["issued_on"])
    if "notice_id" in args:
        notice_id = to_int(args.get("notice_id"))
        notice = access.get_penalty_notice_or_404(user, notice_id, need="manage") if notice_id else abort(404)
        if notice.case_id != case.id:
            abort(404)
        return Source({"penalty": letter_fields_for_notice(notice)}, "penalty_notice",
                      [notice.contact_id] if notice.contact_id else [],
                      f"Penalty notice {notice.number} to {notice.parent_name}")
    return Source()

