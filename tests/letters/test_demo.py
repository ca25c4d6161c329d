"""The demo's letters: one of each LA template, sent and frozen, one draft, and a school's own
stage letter; seeding again adds nothing."""
from __future__ import annotations

from sqlalchemy import select

from portal.demo.letters import seed_letters
from portal.extensions import db
from portal.letters.models import Audience, Letter, LetterStatus
from tests.demo import seed_demo


def test_the_demo_has_letters_of_each_template(client):
    seed_demo("attend-demo-2026")
    letters = db.session.scalars(select(Letter)).all()
    keys = {letter.template_version.template.key for letter in letters}
    assert {"early_concern", "attendance_meeting", "attendance_contract", "notice_to_improve", "penalty_notice",
            "prosecution_warning", "school_stage_2"} <= keys
    drafts = [letter for letter in letters if letter.status == LetterStatus.draft]
    assert len(drafts) == 1
    sent = [letter for letter in letters if letter.is_sent]
    assert all(letter.pdf.startswith(b"%PDF") for letter in sent)
    assert all(letter.document_id for letter in sent if letter.case_id)
    concern = [letter for letter in letters if letter.template_version.template.key == "early_concern"]
    assert len(concern) == 2 and len({letter.contact_id for letter in concern}) == 2  # two liable parents
    school = [letter for letter in letters if letter.audience == Audience.school]
    assert school and school[0].case_id is None and school[0].is_sent
    assert "PN-" in next(letter for letter in letters if letter.penalty_detail).text
    assert seed_letters(None) == 0
    assert seed_demo("attend-demo-2026") is False
    assert len(db.session.scalars(select(Letter)).all()) == len(letters)
