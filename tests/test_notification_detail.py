"""Issue 14.9: an in-app notification names the child and the school it is about; the e-mail
that goes with it still carries no detail, only that there is something to look at and a link."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import Notification, OutboxEmail
from portal.sweeps import service
from tests.sweeps.conftest import record, scene  # noqa: F401  (fixture)


def _texts(user) -> list[str]:
    return list(db.session.scalars(select(Notification.text).where(Notification.user_id == user.id)))


def _mail(user) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == user.email)))


def test_a_sweep_follow_up_names_the_child_and_school_in_the_app_only(client, scene):  # noqa: F811
    encounter = record(scene, scene.pupil_a)
    db.session.commit()
    service.confirm_match(scene.ewo, encounter, scene.pupil_a, encounter.version)
    db.session.commit()

    ewo, staff = scene.world.user("ewo"), scene.world.user("school_staff")
    assert "Truancy sweep follow-up: Amir Khan (School A)" in _texts(ewo)
    assert any(t.startswith("Found out of school in a truancy sweep") and t.endswith(": Amir Khan (School A)")
               for t in _texts(staff))
    # the page shows it
    client.login(ewo)
    assert "Truancy sweep follow-up: Amir Khan (School A)" in client.get("/notifications").get_data(as_text=True)
    # the e-mails say only what kind of thing happened, and link to it
    for user in (ewo, staff):
        mails = _mail(user)
        assert mails, user.email
        for mail in mails:
            assert "Amir" not in mail.subject + mail.body and "Khan" not in mail.subject + mail.body
            assert "/follow-ups/" in mail.body


def test_every_notification_about_a_child_names_it_and_no_email_does(client, scene):  # noqa: F811
    """Six sweep follow-ups for six children read as six different lines, not the same one six times."""
    from tests.factories import make_pupil

    pupils = [make_pupil(scene.world.school_a, f"Child{n}", "Tester") for n in range(3)]
    db.session.commit()
    for pupil in pupils:
        encounter = record(scene, pupil)
        db.session.commit()
        service.confirm_match(scene.ewo, encounter, pupil, encounter.version)
        db.session.commit()
    texts = _texts(scene.world.user("ewo"))
    assert len({t for t in texts if t.startswith("Truancy sweep follow-up")}) == 3
    assert not any("Tester" in m.subject + m.body for m in db.session.scalars(select(OutboxEmail)))
