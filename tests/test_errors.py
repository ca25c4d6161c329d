"""The one error vocabulary (portal/errors.py) and its one conflict page."""
from __future__ import annotations

from sqlalchemy import select

from portal.errors import _READERS, Conflict, Refused
from portal.extensions import db
from portal.orgs.models import Organisation


def test_a_refusal_carries_its_problems_per_field_and_one_message():
    refused = Refused(problems={"name": "Enter a name", "urn": "Enter the URN"})
    assert refused.problems == {"name": "Enter a name", "urn": "Enter the URN"}
    assert refused.message == str(refused) == "Enter a name; Enter the URN"
    general = Refused("The case is closed.")
    assert general.problems == {} and general.message == "The case is closed."
    both = Refused("The sweep was not saved.", [("area", "Enter the area")])
    assert both.problems == {"area": "Enter the area"} and both.message == "The sweep was not saved."


def test_every_versioned_record_says_how_it_reads_on_the_conflict_page(app):
    versioned = {mapper.class_ for mapper in db.Model.registry.mappers if mapper.version_id_col is not None}
    assert versioned, "no versioned model found"
    missing = sorted(cls.__name__ for cls in versioned if cls not in _READERS)
    assert not missing, f"no @errors.reads for {missing}: their conflict page would show no saved values"


def test_a_conflict_rolls_back_what_the_request_had_written(app, world):
    """Whatever the view wrote before the stale write was found is gone; the page answers 409."""
    from portal import create_app

    fresh = create_app({k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "TESTING")})
    school_id, name = world.school_a.id, world.school_a.name

    @fresh.route("/half-written-for-test", methods=["POST"])
    def half_written():
        org = db.session.get(Organisation, school_id)
        org.name = "Half-written"
        db.session.flush()
        raise Conflict(org)

    @fresh.after_request
    def commit_at_the_boundary(response):  # as the request boundary commits what is left
        db.session.commit()
        return response

    db.session.commit()
    with fresh.app_context():
        fresh.config["WTF_CSRF_ENABLED"] = False
        response = fresh.test_client().post("/half-written-for-test", data={"name": "Mine"})
        db.session.remove()
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Someone else changed this organisation" in body and name in body
    assert "Name" in body and "Mine" in body  # a post with no form of ours still shows what was sent
    db.session.expire_all()
    assert db.session.scalar(select(Organisation.name).where(Organisation.id == school_id)) == name
