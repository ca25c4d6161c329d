"""Reference figures are reference data (seeded by the migration, kept between tests): a
fixture puts them back as they were after each test that changes them."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, select

from portal.attendance import reference
from portal.attendance.models import ReferenceFigure
from portal.extensions import db


@pytest.fixture
def keep_figures():
    rows = [{c.name: getattr(f, c.name) for c in ReferenceFigure.__table__.columns}
            for f in db.session.scalars(select(ReferenceFigure))]
    yield
    db.session.rollback()
    db.session.execute(delete(ReferenceFigure))
    if rows:
        db.session.execute(insert(ReferenceFigure), rows)
    db.session.commit()
    reference.forget()
