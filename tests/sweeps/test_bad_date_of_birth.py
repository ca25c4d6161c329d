"""An encounter's date of birth: left out (with an age given) or typed into one box, the
form answers with its own message for the field at fault and records nothing."""
from sqlalchemy import func, select

from portal.extensions import db
from portal.sweeps.models import Encounter
from tests.sweeps.conftest import scene  # noqa: F401
from tests.sweeps.test_views import ENCOUNTER


def _encounters() -> int:
    return db.session.scalar(select(func.count(Encounter.id)))


def test_without_date_boxes_only_the_other_error_is_reported(client, scene):  # noqa: F811
    client.login(scene.police)
    before = _encounters()
    data = dict(ENCOUNTER, officer_id=str(scene.police.id), school="unknown", age="12", location="")
    del data["date_of_birth"]  # no date boxes posted at all: the age stands in for it
    r = client.post_form(f"/sweeps/{scene.sweep.id}/encounters/new", data)
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert '<a href="#location">Enter where the child was met</a>' in body
    assert "#date_of_birth" not in body
    assert _encounters() == before


def test_a_date_of_birth_in_one_box_is_refused_with_its_message(client, scene):  # noqa: F811
    client.login(scene.police)
    before = _encounters()
    data = dict(ENCOUNTER, officer_id=str(scene.police.id), school="unknown", date_of_birth="9/3/2014")
    r = client.post_form(f"/sweeps/{scene.sweep.id}/encounters/new", data)
    assert r.status_code == 422
    assert ('<a href="#date_of_birth-month">Date of birth must include a month and year</a>'
            in r.get_data(as_text=True))
    assert _encounters() == before
