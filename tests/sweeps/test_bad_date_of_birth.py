"""Found by review: summer-time encounter times, odd date-of-birth input."""
from tests.sweeps.conftest import scene  # noqa: F401
from tests.sweeps.test_views import ENCOUNTER


def test_an_encounter_without_date_boxes_and_another_error_is_422(client, scene):  # noqa: F811
    client.login(scene.police)
    data = dict(ENCOUNTER, officer_id=str(scene.police.id), school="unknown", age="12", location="")
    del data["date_of_birth"]
    r = client.post_form(f"/sweeps/{scene.sweep.id}/encounters/new", data)
    assert r.status_code == 422


def test_a_date_of_birth_in_one_box_is_422(client, scene):  # noqa: F811
    client.login(scene.police)
    data = dict(ENCOUNTER, officer_id=str(scene.police.id), school="unknown", date_of_birth="9/3/2014")
    r = client.post_form(f"/sweeps/{scene.sweep.id}/encounters/new", data)
    assert r.status_code == 422
