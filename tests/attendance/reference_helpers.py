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
    """Each test starts from the migration's 14 seeds alone (another module may have left a
    figure of its own), and the table is put back as it was after it."""
    rows = [{c.name: getattr(f, c.name) for c in ReferenceFigure.__table__.columns}
            for f in db.session.scalars(select(ReferenceFigure))]
    db.session.execute(delete(ReferenceFigure).where(ReferenceFigure.academic_year != "2024/25"))
    db.session.commit()
    reference.forget()
    yield
    db.session.rollback()
    db.session.execute(delete(ReferenceFigure))
    if rows:
        db.session.execute(insert(ReferenceFigure), rows)
    db.session.commit()
    reference.forget()
