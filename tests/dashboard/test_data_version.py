"""The figures are cached per process under the data version (portal/dataversion.py): every
write to what they are read from, through the ORM, a bulk statement or raw SQL, stamps a new
version in its own transaction, so a page never shows figures older than its data; a rollback
or a read stamps nothing; one person's scope is never served another's figures."""
from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select, text, update

from portal import access, dataversion
from portal.attendance.models import PeriodCell, ReferenceFigure, ThresholdCrossing
from portal.dashboard import figures
from portal.extensions import db
from portal.orgs.models import Organisation, SchoolPhase
from tests.dashboard.test_figures import AS_OF, _term, example  # noqa: F401

__all__ = ["example"]


def _stamp() -> int:
    return db.session.scalar(text("SELECT version FROM data_versions WHERE id = 1"))


def _fresh(app):
    figures.forget()  # (the tests' one application context keeps g between requests)
    return app.test_request_context()


def test_each_kind_of_write_stamps_a_new_version_at_its_commit(app, example):  # noqa: F811
    world, p = example
    before = _stamp()
    db.session.commit()
    assert _stamp() == before                     # nothing written: the same version
    db.session.add(ThresholdCrossing(pupil_id=p["a1"].id, window_start=date(2026, 9, 7), window_end=AS_OF,
                                     unauthorised=10))
    db.session.flush()
    db.session.rollback()
    assert _stamp() == before                     # rolled back: the same version
    versions = {before}
    for write in (
        lambda: db.session.add(ThresholdCrossing(pupil_id=p["a1"].id, window_start=date(2026, 9, 7),
                                                 window_end=AS_OF, unauthorised=10)),          # the ORM
        lambda: db.session.execute(update(PeriodCell).values(pupils=PeriodCell.pupils)),       # a bulk update
        lambda: db.session.execute(insert(PeriodCell).values(                                  # a bulk insert
            period_key="x", school_id=world.school_a.id, nc_year=1, cohorts=0, pupils=0, possible=0, attended=0,
            authorised=0, unauthorised=0, pa=0, sa=0, at_ambition=0)),
        lambda: db.session.execute(text("DELETE FROM period_cells WHERE period_key = 'x'")),  # raw SQL
        lambda: setattr(world.school_a, "phase", SchoolPhase.special),                          # organisations
        lambda: db.session.execute(update(ReferenceFigure).values(value=ReferenceFigure.value)),  # national
    ):
        write()
        db.session.commit()
        assert _stamp() not in versions
        versions.add(_stamp())


def test_a_page_read_stamps_nothing(client, app, example):  # noqa: F811
    world, _ = example
    client.login(world.user("la_admin"))
    client.get("/attendance-picture")
    before = _stamp()
    assert client.get("/attendance-picture").status_code == 200
    assert client.get(f"/schools/{world.school_a.id}/attendance-picture").status_code == 200
    assert _stamp() == before


def test_figures_follow_each_input_without_a_stale_cache(app, example):  # noqa: F811
    world, p = example
    with _fresh(app):
        assert figures.headline(figures.Scope.la(), _term()).crossed == 1
        split = {s.key: s for s in figures.by_phase(figures.Scope.la(), _term())}
        assert set(split) == {"primary", "secondary"}
    # a crossing added through the ORM
    db.session.add(ThresholdCrossing(pupil_id=p["a1"].id, window_start=date(2026, 9, 7), window_end=AS_OF,
                                     unauthorised=10))
    db.session.commit()
    with _fresh(app):
        assert figures.headline(figures.Scope.la(), _term()).crossed == 2
    # a school's phase (organisations)
    world.school_b.phase = SchoolPhase.special
    db.session.commit()
    with _fresh(app):
        assert {s.key for s in figures.by_phase(figures.Scope.la(), _term())} == {"primary", "special"}
    # the cells themselves, rewritten in bulk (as the aggregates refresh does)
    db.session.execute(update(PeriodCell).where(PeriodCell.school_id == world.school_a.id)
                       .values(attended=PeriodCell.possible))
    db.session.commit()
    with _fresh(app):
        m = figures.headline(figures.Scope.school(world.school_a.id), _term())
        assert m.attended == m.possible
    # and a write not yet committed is never cached, nor served from the cache
    db.session.execute(update(PeriodCell).values(attended=0))
    with _fresh(app):
        assert figures.headline(figures.Scope.la(), _term()).attended == 0
    db.session.rollback()
    with _fresh(app):
        assert figures.headline(figures.Scope.la(), _term()).attended > 0


def test_one_scope_is_never_served_anothers_figures(app, example):  # noqa: F811
    world, _ = example
    seen = {}
    for key in ("ewo", "ewo_b", "ewo"):
        user = world.user(key)
        with _fresh(app):
            ids = access.picture_school_ids(user)
            schools = set(db.session.scalars(ids))
            scope = figures.Scope.schools(ids, name=f"user:{user.id}")
            m = figures.headline(scope, _term())
            mine = figures.Scope.schools(tuple(schools))
            assert m.values() == figures.headline(mine, _term()).values()
            assert {s.key for s in figures.by_school(scope, _term())} == {str(i) for i in schools}
            seen.setdefault(key, m.values())
            assert seen[key] == m.values()


def test_the_cache_is_bounded(app, example):  # noqa: F811
    with _fresh(app):
        for i in range(dataversion._MAX_ENTRIES + 50):
            assert dataversion.cached(("test", i), lambda i=i: i) == i
        assert len(dataversion._cache) <= dataversion._MAX_ENTRIES
        assert db.session.scalar(select(Organisation.id).limit(1)) is not None
