"""Pupil import, search and school moves."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.pupils.imports import PUPIL_HEADER
from portal.pupils.models import Enrolment, Pupil
from portal.pupils.upn import make_upn
from tests.attendance.helpers import latest_job, upload
from tests.factories import make_pupil

HEADER = ",".join(PUPIL_HEADER)


def _row(upn, urn="", fore="Oluwaseun", sur="Adebayo", dob="2017-03-14", year="4", **flags):
    values = {f: "N" for f in ("sen_support", "ehc_plan", "fsm", "looked_after", "social_worker", "eal",
                                "alternative_provision")}
    values.update(flags)
    return ",".join([upn, fore, sur, "", "", dob, year, urn, "2026-11-02", "12 Orchard Grove", "DB3 4PQ",
                     *values.values(), "Funmi Adebayo", "Mother", "07700 900123", "funmi@example.org", "Y"])


def _pupils():
    return db.session.scalar(select(func.count()).select_from(Pupil))


def test_school_imports_its_pupils(client, world):
    client.login(world.user("school_staff"))
    upn1, upn2 = make_upn("5555", 24, 1), make_upn("5555", 24, 2)
    response = upload(client, f"{HEADER}\n{_row(upn1, fsm='Y')}\n{_row(upn2, fore='Katie', sur='Doyle')}\n",
                      kind="pupils", filename="pupils.csv")
    assert response.status_code == 303
    job = latest_job()
    assert (job.status, job.added) == ("done", 2), job.errors
    pupil = db.session.scalar(select(Pupil).where(Pupil.upn == upn1))
    assert pupil.school_id == world.school_a.id and pupil.fsm and not pupil.eal
    assert pupil.contacts[0].parental_responsibility
    again = upload(client, f"{HEADER}\n{_row(upn1, fsm='Y')}\n{_row(upn2, fore='Katie', sur='Doyle', eal='Y')}\n",
                   kind="pupils", filename="pupils.csv")
    assert again.status_code == 303
    assert (latest_job().added, latest_job().changed, latest_job().unchanged) == (0, 1, 1)


def test_bad_pupil_rows_reject_the_file(client, world):
    client.login(world.user("school_staff"))
    rows = [_row("B801200005002"), _row(make_upn("5555", 24, 3), dob="2017-02-30"),
            _row(make_upn("5555", 24, 4), year="twelve"), _row(make_upn("5555", 24, 5), fsm="maybe"),
            _row(make_upn("5555", 24, 6), urn=world.school_b.urn)]
    upload(client, HEADER + "\n" + "\n".join(rows) + "\n", kind="pupils", filename="pupils.csv")
    job = latest_job()
    assert job.status == "failed"
    fields = [e[1] for e in job.errors]
    assert fields == ["upn", "date_of_birth", "nc_year", "fsm", "school_urn"]
    assert "check letter" in job.errors[0][2]
    assert _pupils() == 0


def test_school_cannot_take_another_schools_pupil(client, world):
    other = make_pupil(world.school_b)
    db.session.commit()
    client.login(world.user("school_staff"))
    upload(client, f"{HEADER}\n{_row(other.upn)}\n", kind="pupils", filename="pupils.csv")
    job = latest_job()
    assert job.status == "failed" and "is not a pupil of your school" in job.errors[0][2]
    assert "another school" not in job.errors[0][2]
    assert db.session.get(Pupil, other.id).school_id == world.school_b.id


def test_admin_records_a_move_and_history_is_kept(client, world):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("la_admin"))
    upload(client, f"{HEADER}\n{_row(pupil.upn, urn=world.school_b.urn)}\n", kind="pupils", filename="pupils.csv")
    assert latest_job().status == "done", latest_job().errors
    db.session.expire_all()
    moved = db.session.get(Pupil, pupil.id)
    assert moved.school_id == world.school_b.id
    history = db.session.scalars(select(Enrolment).where(Enrolment.pupil_id == pupil.id)
                                 .order_by(Enrolment.start_date)).all()
    assert [(e.school_id, e.end_date is None) for e in history] == [(world.school_a.id, False),
                                                                    (world.school_b.id, True)]


def test_active_search_returns_the_fragment_for_htmx(client, world):
    make_pupil(world.school_a, "Oluwaseun", "Adebayo")
    make_pupil(world.school_a, "Katie", "Doyle")
    db.session.commit()
    client.login(world.user("school_staff"))
    fragment = client.get("/pupils?q=adeb", headers={"HX-Request": "true", "HX-Target": "search-results"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "Adebayo" in html and "Doyle" not in html
    full = client.get("/pupils?q=adeb").get_data(as_text=True)
    assert "<html" in full and "Adebayo" in full
    restore = client.get("/pupils?q=adeb", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_search_by_upn_and_several_words(client, world):
    p = make_pupil(world.school_a, "Oluwaseun", "Adebayo")
    db.session.commit()
    client.login(world.user("school_staff"))
    assert "Adebayo" in client.get(f"/pupils?q={p.upn.lower()}").get_data(as_text=True)
    assert "Adebayo" in client.get("/pupils?q=olu+ade").get_data(as_text=True)
    assert "Adebayo" not in client.get("/pupils?q=olu+doyle").get_data(as_text=True)
    assert client.get("/pupils?q=%25").status_code == 200  # LIKE wildcards are literal


def _edit_data(pupil, **changes):
    data = {"legal_forename": pupil.legal_forename, "legal_surname": pupil.legal_surname,
            "preferred_forename": "", "preferred_surname": "", "date_of_birth": ["1", "5", "2015"],
            "nc_year": str(pupil.nc_year), "address": "", "postcode": "", "version": str(pupil.version)}
    data.update(changes)
    return data


def test_school_edits_a_pupil_and_it_is_audited(client, world):
    from portal.audit import AuditEvent

    pupil = make_pupil(world.school_a, "Katie", "Doyle")
    db.session.commit()
    client.login(world.user("school_staff"))
    client.get(f"/pupils/{pupil.id}/edit")
    response = client.post_form(f"/pupils/{pupil.id}/edit", _edit_data(pupil, preferred_forename="Kat",
                                                                        fsm="y", looked_after="y"))
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Pupil, pupil.id)
    assert changed.display_name == "Kat Doyle" and changed.fsm and changed.looked_after
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "pupil_updated"))
    assert entry.changes["fsm"] == {"from": False, "to": True}


def test_bad_date_of_birth_is_an_error_not_a_crash(client, world):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff"))
    client.get(f"/pupils/{pupil.id}/edit")
    for dob, message in ((["31", "2", "2015"], "Date of birth must be a real date"),
                         (["x", "y", "z"], "Date of birth must be a real date"),
                         (["1"], "Date of birth must include a month and year"),
                         (["1", "1", "2999"], "Date of birth must be in the past")):
        response = client.post_form(f"/pupils/{pupil.id}/edit", _edit_data(pupil, date_of_birth=dob))
        assert response.status_code == 422, dob
        assert message in response.get_data(as_text=True)


def _two_edits_from_one_version(client, other_client, world, **second):
    """The school saves an address; the LA, from the same version of the form, sends `second`."""
    pupil = make_pupil(world.school_a, "Katie", "Doyle")
    db.session.commit()
    client.login(world.user("school_staff"))
    other_client.login(world.user("la_admin"))
    data = _edit_data(pupil)
    client.get(f"/pupils/{pupil.id}/edit")
    other_client.get(f"/pupils/{pupil.id}/edit")
    assert client.post_form(f"/pupils/{pupil.id}/edit", {**data, "address": "1 First Road"}).status_code == 302
    return pupil, other_client.post_form(f"/pupils/{pupil.id}/edit", {**data, **second})


def test_stale_pupil_edit_is_refused(client, other_client, world):
    pupil, second = _two_edits_from_one_version(client, other_client, world, address="2 Second Road")
    assert second.status_code == 409 and "1 First Road" in second.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Pupil, pupil.id).address == "1 First Road"


def test_a_stale_pupil_edit_shows_the_edit_that_was_not_saved(client, other_client, world):
    from portal.audit import AuditEvent

    pupil, second = _two_edits_from_one_version(client, other_client, world, address="2 Second Road",
                                                postcode="db1 1aa", preferred_forename="Kat")
    assert second.status_code == 409
    saved, _, yours = second.get_data(as_text=True).partition("What you entered")
    assert "Someone else changed this pupil" in saved and "1 First Road" in saved and "2 Second Road" not in saved
    assert "2 Second Road" in yours and "Kat" in yours and "1 May 2015" in yours
    assert f'href="/pupils/{pupil.id}/edit"' in yours and "csrf" not in yours.lower()
    db.session.expire_all()
    stored = db.session.get(Pupil, pupil.id)
    assert stored.address == "1 First Road" and stored.preferred_forename is None
    seen = db.session.scalars(select(AuditEvent.verb).where(AuditEvent.actor_id == world.user("la_admin").id,
                                                            AuditEvent.object_id == pupil.id)).all()
    assert seen.count("pupil_edit_viewed") == 2  # the form, then the conflict page: both show the pupil


def test_contacts_are_added_and_removed_with_confirmation(client, world):
    from portal.pupils.models import Contact

    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff"))
    client.get(f"/pupils/{pupil.id}/contacts")
    bad = client.post_form(f"/pupils/{pupil.id}/contacts", {"name": "", "email": "not-an-email"})
    assert bad.status_code == 422
    ok = client.post_form(f"/pupils/{pupil.id}/contacts", {"name": "Funmi Adebayo", "relationship_to_pupil": "Mother",
                                                           "phone": "07700 900123", "parental_responsibility": "y"})
    assert ok.status_code == 302
    contact = db.session.scalar(select(Contact).where(Contact.pupil_id == pupil.id))
    assert contact.parental_responsibility
    confirm = client.get(f"/pupils/{pupil.id}/contacts/{contact.id}/remove")
    assert "Yes, remove" in confirm.get_data(as_text=True)
    assert client.post_form(f"/pupils/{pupil.id}/contacts/{contact.id}/remove").status_code == 302
    assert db.session.scalar(select(Contact).where(Contact.pupil_id == pupil.id)) is None


def test_ewo_can_view_but_not_edit(client, world):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("ewo"))
    assert client.get(f"/pupils/{pupil.id}").status_code == 200
    assert client.get(f"/pupils/{pupil.id}/edit").status_code == 403


def test_another_school_cannot_edit(client, world):
    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff_b"))
    assert client.get(f"/pupils/{pupil.id}/edit").status_code == 404
    assert client.post_form(f"/pupils/{pupil.id}/contacts", {"name": "Someone"}).status_code == 404
