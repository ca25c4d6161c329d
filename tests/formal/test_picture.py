"""The LA picture counts the notices (issue 15): requests waiting, notices to improve in their
period, penalty notices awaiting payment and unpaid after 28 days; the school sees none of it."""
from __future__ import annotations

import re
from datetime import date

from portal.cases.service import support_evidence
from portal.extensions import db
from portal.formal import notices
from portal.formal.models import NtiRequest
from tests.clock import on
from tests.formal.helpers import make_formal_case
from tests.formal.test_letters_from_notices import _issued_notices


def _count(text: str, label: str) -> int:
    found = re.search(re.escape(label) + r"</th>\s*<td[^>]*>(?:<a[^>]*>)?(\d+)", text)
    assert found, label
    return int(found.group(1))


def test_the_la_picture_counts_the_notices(app, client, other_client, world):
    case, mum, dad, _gran = make_formal_case(world)
    other, parent, _d, _g = make_formal_case(world)
    _issued_notices(world, case, [mum, dad])  # issued 16 November 2026: £160 by 14 December
    db.session.add(NtiRequest(case_id=other.id, school_id=world.school_a.id,
                              requested_by_id=world.user("school_staff").id, evidence="Ten days of holiday"))
    with on(date(2026, 12, 1)):
        notices.raise_nti(world.user("ewo"), other, issued_on=date(2026, 12, 1), weeks=3, parent_ids=[parent.id],
                          support_ids=[support_evidence(other)[0].id])
        db.session.commit()
    with on(date(2026, 12, 2)):
        client.login(world.user("la_admin"))
        page = client.get("/attendance-picture").text
    assert _count(page, "Penalty notices issued, awaiting payment") == 2
    assert _count(page, "Penalty notices unpaid after 28 days") == 0
    assert _count(page, "Notices to improve in their improvement period") == 1
    assert _count(page, "Schools&#39; requests for a notice to improve, waiting") == 1
    with on(date(2026, 12, 15)):
        other_client.login(world.user("la_admin"))  # a fortnight later: a new sign-in
        page = other_client.get("/attendance-picture").text
    assert _count(page, "Penalty notices issued, awaiting payment") == 0
    assert _count(page, "Penalty notices unpaid after 28 days") == 2
    school = app.test_client()
    school.login(world.user("school_staff"))
    page = school.get("/attendance-picture")
    assert "Penalty notices unpaid after 28 days" not in page.text


def test_the_counts_are_each_users_own_and_read_afresh_after_a_write(app, client, other_client, world):
    """The counts' statement is kept per user and day (portal.statements): another user's scope
    is never the LA's, and a notice issued since the last view is counted at once."""
    case, mum, dad, _gran = make_formal_case(world)  # at school A, led by its named EWO
    with on(date(2026, 12, 2)):
        client.login(world.user("la_admin"))
        assert _count(client.get("/attendance-picture").text, "Penalty notices issued, awaiting payment") == 0
        other_client.login(world.user("ewo_b"))  # not school A's EWO
        assert _count(other_client.get("/attendance-picture").text, "Penalty notices issued, awaiting payment") == 0
    _issued_notices(world, case, [mum, dad])
    with on(date(2026, 12, 2)):
        assert _count(client.get("/attendance-picture").text, "Penalty notices issued, awaiting payment") == 2
        assert _count(other_client.get("/attendance-picture").text, "Penalty notices issued, awaiting payment") == 0
        ewo = app.test_client()
        ewo.login(world.user("ewo"))  # school A's named EWO, who leads the case
        assert _count(ewo.get("/attendance-picture").text, "Penalty notices issued, awaiting payment") == 2
