"""The merge fields a letter takes from a notice to improve or a penalty notice: formatted
strings, ready for the letters' sandboxed templates (`portal.letters`, wired there)."""
from __future__ import annotations

from datetime import date

from portal.formal.models import NoticeToImprove, PenaltyNotice


def money(pounds: int | None) -> str:
    return f"£{pounds:,}" if pounds is not None else ""


def _day(value: date | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def letter_fields_for_nti(nti: NoticeToImprove) -> dict[str, str]:
    return {
        "issued_on": _day(nti.issued_on),
        "period_start": _day(nti.period_start),
        "period_end": _day(nti.period_end),
        "improvement": nti.improvement,
        "unauthorised_sessions": str(nti.unauthorised_sessions),
        "qualifying_period": f"{_day(nti.qualifying_start)} to {_day(nti.qualifying_end)}",
    }


def letter_fields_for_notice(notice: PenaltyNotice) -> dict[str, str]:
    return {
        "number": notice.number,
        "issued_on": _day(notice.issued_on),
        "served_by": notice.served_by.label.lower() if notice.served_by else "",
        "deemed_served_on": _day(notice.deemed_served_on),
        "amount_first": money(notice.amount_first),
        "pay_first_by": _day(notice.pay_first_by),
        "amount_full": money(notice.amount_full),
        "pay_full_by": _day(notice.pay_full_by),
        "reason": notice.reason.label,
    }
