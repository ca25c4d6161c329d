"""An encounter seen in British Summer Time keeps its London time and stays on its day."""
from datetime import date, time

from portal.extensions import db
from portal.sweeps import service
from portal.sweeps.models import Encounter
from portal.timeutil import LONDON, as_utc
from tests.factories import make_pupil
from tests.sweeps.conftest import child


def test_a_summer_encounter_keeps_its_london_time(world):
    police, ewo = world.user("police"), world.user("ewo")
    sweep = service.create_sweep(police, held_on=date(2026, 6, 15), starts_at=time(9), ends_at=time(12),
                                 area="Town", lead=police, officers=[ewo], agencies=[])
    e = service.record_encounter(police, sweep, child(seen_time=time(10, 30), officer_id=police.id))
    eid = e.id
    db.session.expire_all()
    e = db.session.get(Encounter, eid)
    shown = as_utc(e.seen_at).astimezone(LONDON)
    assert shown.strftime("%H:%M") == "10:30", shown


def test_a_late_summer_encounter_stays_on_its_day(world):
    police, ewo = world.user("police"), world.user("ewo")
    pupil = make_pupil(world.school_a, "Amir", "Khan", date_of_birth=date(2014, 3, 9))
    db.session.commit()
    # Thursday 18 June 2026, 23:30 London: the follow-up is due Friday 19 June
    sweep = service.create_sweep(police, held_on=date(2026, 6, 18), starts_at=time(9), ends_at=time(23, 45),
                                 area="Town", lead=police, officers=[ewo], agencies=[])
    e = service.record_encounter(police, sweep, child(pupil, seen_time=time(23, 30), officer_id=police.id))
    eid = e.id
    db.session.expire_all()
    e = db.session.get(Encounter, eid)
    fu = service.confirm_match(ewo, e, db.session.get(type(pupil), pupil.id), e.version)
    assert service.seen_on(e) == date(2026, 6, 18)
    assert fu.due_on == date(2026, 6, 19), fu.due_on
