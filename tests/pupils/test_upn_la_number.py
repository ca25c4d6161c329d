"""A UPN whose LA number is not an English LA code is a warning, never a rejection (issue 12,
DOMAIN.md corrections): in the pupil import and on the pupil form."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.pupils import upn
from portal.pupils.imports import PUPIL_HEADER
from portal.pupils.la_codes import ENGLISH_LA_CODES, la_name
from portal.pupils.models import Pupil
from tests.attendance.helpers import latest_job, upload
from tests.factories import make_pupil
from tests.pupils.test_pupils import _row

HEADER = ",".join(PUPIL_HEADER)


def test_the_table_holds_englands_la_numbers_including_former_ones():
    assert la_name("801") == "Bristol, City of"     # DOMAIN.md's worked example B801200005001
    assert la_name("207") == "Kensington and Chelsea"  # ... and P207000016049
    assert la_name("319") == "Sutton"
    assert la_name("820") == "Bedfordshire (former)"  # UPNs keep the LA number they were allocated under
    assert la_name("999") is None and la_name("000") is None
    assert la_name("660") is None  # a Welsh authority (Isle of Anglesey): not an English LA code
    assert all(len(code) == 3 and code.isdigit() for code in ENGLISH_LA_CODES)


def test_a_known_la_number_gives_no_warning_an_unknown_one_a_warning_but_stays_valid():
    known = upn.check("B801200005001")
    assert known.valid and known.la_number == "801" and known.warning is None
    unknown = upn.check(upn.make_upn("2000", 5, 1, la="999"))
    assert unknown.valid and unknown.error is None
    assert unknown.warning.startswith("The UPN's LA number 999 is not an English local authority code")
    assert upn.check("B801200005002").warning is None  # an invalid UPN has an error, not a warning


def test_the_pupil_import_accepts_an_unknown_la_number_with_a_warning(client, world):
    client.login(world.user("school_staff"))
    known, unknown = upn.make_upn("5555", 24, 1, la="319"), upn.make_upn("5555", 24, 2, la="999")
    upload(client, f"{HEADER}\n{_row(known)}\n{_row(unknown, fore='Katie', sur='Doyle')}\n", kind="pupils",
           filename="pupils.csv")
    job = latest_job()
    assert (job.status, job.added, job.error_count) == ("done", 2, 0), job.errors
    assert job.warnings == [[3, "upn", upn.check(unknown).warning]]
    assert db.session.scalar(select(Pupil).where(Pupil.upn == unknown)) is not None
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "1 warning: imported, but check it" in page and "LA number 999 is not an English" in page
    assert "LA number 319" not in page


def test_the_pupil_form_warns_about_an_unknown_la_number(client, world):
    odd = make_pupil(world.school_a, "Ola", "Odd", upn=upn.make_upn("2000", 5, 1, la="999"))
    usual = make_pupil(world.school_a, "Una", "Usual")
    db.session.commit()
    client.login(world.user("school_staff"))
    page = client.get(f"/pupils/{odd.id}/edit").get_data(as_text=True)
    assert "The UPN&#39;s LA number 999 is not an English local authority code" in page \
        or "The UPN's LA number 999 is not an English local authority code" in page
    assert "is not an English local authority code" not in client.get(f"/pupils/{usual.id}/edit").get_data(as_text=True)
