"""Letters written from a notice (issue 15): the notice to improve letter carries the notice's
period for each liable parent; the penalty notice letter carries its number, amounts and
dates and goes to that notice's parent only; partners read a penalty notice letter only once a
notice's details are shared; the prosecution's evidence pack lists the notices."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.cases.service import support_evidence
from portal.extensions import db
from portal.formal import notices, penalties
from portal.formal_steps.pack import notices_for_pack
from portal.letters import service as letters
from portal.letters.models import Letter
from tests.clock import on
from tests.formal.helpers import make_formal_case
from tests.formal.test_penalties import HOLIDAY
from tests.formal.test_views import _share
from tests.letters.helpers import period_form, template

ISSUED = date(2026, 11, 16)  # a Monday: £80 by 7 December, £160 by 14 December


def _issued_notices(world, case, parents):
    with on(ISSUED):
        drafted = penalties.draft_notices(world.user("ewo"), case, parent_ids=[p.id for p in parents],
                                          reason="term_time_holiday", skip_reason=HOLIDAY)
        for notice in drafted:
            penalties.issue(world.user("ewo"), notice, ISSUED, "hand", notice.version)
        db.session.commit()
    return drafted


def test_the_nti_letter_carries_the_period_for_each_liable_parent(client, world):
    case, mum, dad, _gran = make_formal_case(world)
    with on(date(2026, 10, 9)):
        nti = notices.raise_nti(world.user("ewo"), case, issued_on=date(2026, 10, 9), weeks=3,
                                parent_ids=[mum.id, dad.id], support_ids=[support_evidence(case)[0].id])
        db.session.commit()
    client.login(world.user("ewo"))
    page = client.get(f"/notices-to-improve/{nti.id}")
    link = f"/cases/{case.id}/letters/new?nti_id={nti.id}"
    assert link in page.text
    form = client.get(link)
    assert form.status_code == 200 and "notice to improve issued 9 October 2026" in form.text
    response = client.post_form(link, {"template_id": str(template("notice_to_improve").id),
                                       "contact_ids": [str(mum.id), str(dad.id)], **period_form()})
    assert response.status_code == 303, response.text
    written = db.session.scalars(select(Letter).order_by(Letter.id)).all()
    assert [w.recipient for w in written] == ["Maria Notice", "Dan Notice"]
    for letter in written:  # the half-term week (26-30 October) is not a school week
        assert letter.extra["nti"]["period_end"] == "6 November 2026"
        assert "6 November 2026" in letter.text


def test_the_penalty_letter_goes_to_its_parent_only_with_the_amounts(client, world):
    case, mum, dad, _gran = make_formal_case(world)
    mums, _dads = _issued_notices(world, case, [mum, dad])
    client.login(world.user("ewo"))
    link = f"/cases/{case.id}/letters/new?notice_id={mums.id}"
    assert link in client.get(f"/penalty-notices/{mums.id}").text
    form = client.get(link)
    assert "Maria Notice" in form.text and "Dan Notice" not in form.text
    # Dan is not a recipient of Maria's notice, even when posted
    response = client.post_form(link, {"template_id": str(template("penalty_notice").id),
                                       "contact_ids": [str(dad.id)], **period_form()})
    assert response.status_code == 422
    assert db.session.scalar(select(Letter.id)) is None
    response = client.post_form(link, {"template_id": str(template("penalty_notice").id),
                                       "contact_ids": [str(mum.id)], **period_form()})
    assert response.status_code == 303, response.text
    letter = db.session.scalar(select(Letter))
    assert letter.recipient == "Maria Notice"
    assert letter.extra["penalty"]["number"] == mums.number
    assert "£80" in letter.text and "7 December 2026" in letter.text and "£160" in letter.text


def test_a_notice_of_another_case_is_not_found(client, world):
    case, mum, _dad, _gran = make_formal_case(world)
    other, other_parent, _d, _g = make_formal_case(world)
    notice, = _issued_notices(world, other, [other_parent])
    client.login(world.user("ewo"))
    assert client.get(f"/cases/{case.id}/letters/new?notice_id={notice.id}").status_code == 404
    assert client.get(f"/cases/{case.id}/letters/new?notice_id=abc").status_code == 404
    assert client.get(f"/cases/{case.id}/letters/new?nti_id=99999999999999999999").status_code == 404


def test_partners_read_a_penalty_letter_only_once_details_are_shared(client, world):
    case, mum, _dad, _gran = make_formal_case(world)
    _share(world, case, world.social_care_org)
    notice, = _issued_notices(world, case, [mum])
    ewo = world.user("ewo")
    letter, = letters.draft_letters(ewo, pupil=case.pupil, case=case, template=template("penalty_notice"),
                                    contact_ids=[mum.id], start=date(2026, 10, 1), end=ISSUED,
                                    extra=_extra(notice))
    letters.mark_sent(ewo, letter, None)
    db.session.commit()
    client.login(world.user("social_care"))
    assert client.get(f"/letters/{letter.id}").status_code == 404
    penalties.share_details(ewo, notice, True, notice.version)
    db.session.commit()
    assert client.get(f"/letters/{letter.id}").status_code == 200


def _extra(notice):
    from portal.formal.letters import letter_fields_for_notice

    return {"penalty": letter_fields_for_notice(notice)}


def test_the_evidence_pack_lists_the_notices(world):
    case, mum, dad, _gran = make_formal_case(world)
    with on(date(2026, 10, 9)):
        nti = notices.raise_nti(world.user("ewo"), case, issued_on=date(2026, 10, 9), weeks=3,
                                parent_ids=[mum.id, dad.id], support_ids=[support_evidence(case)[0].id])
        db.session.commit()
    with on(date(2026, 11, 9)):
        notices.record_outcome(world.user("ewo"), nti, False, "No better", nti.version)
        db.session.commit()
    mums, _dads = _issued_notices(world, case, [mum, dad])
    listed = notices_for_pack(case)
    assert [n.issued_on for n in listed] == [date(2026, 10, 9), ISSUED, ISSUED]
    assert listed[0].title == "Notice to improve to Maria Notice and Dan Notice"
    assert listed[1].title.startswith(f"Penalty notice {mums.number} to Maria Notice")


def test_a_second_notice_has_its_letter_with_the_flat_amount(world):
    """A second notice within three years is £160 flat: its letter says so, with no reduced amount."""
    case, mum, _dad, _gran = make_formal_case(world)
    first, = _issued_notices(world, case, [mum])
    with on(date(2026, 11, 20)):
        penalties.record_payment(world.user("ewo"), first, date(2026, 11, 20), 80, first.version)
    with on(date(2026, 11, 23)):
        second, = penalties.draft_notices(world.user("ewo"), case, parent_ids=[mum.id], reason="term_time_holiday",
                                          skip_reason=HOLIDAY)
        penalties.issue(world.user("ewo"), second, date(2026, 11, 23), "hand", second.version)
        letter, = letters.draft_letters(world.user("ewo"), pupil=case.pupil, case=case,
                                        template=template("penalty_notice"), contact_ids=[mum.id],
                                        start=date(2026, 10, 1), end=date(2026, 11, 20), extra=_extra(second))
    assert second.amount_first is None and second.amount_full == 160
    assert "second notice within three years: pay £160 by 21 December 2026" in letter.text
    assert "£80" not in letter.text
    nti_letter_text = template("notice_to_improve").current.body
    assert "From {{ extra.nti.qualifying_period }}" in nti_letter_text
