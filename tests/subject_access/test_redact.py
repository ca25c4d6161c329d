"""How another child's name is kept out of the texts of a subject access export."""
from __future__ import annotations

from types import SimpleNamespace

from portal.subject_access.redact import OTHER_CHILD, Redactor


def _pupil(id, forename, surname, upn, preferred=None):
    return SimpleNamespace(id=id, legal_forename=forename, legal_surname=surname, preferred_forename=preferred,
                           preferred_surname=None, upn=upn, display_name=f"{preferred or forename} {surname}")


def test_a_sibling_of_the_same_surname_is_replaced_and_the_subjects_own_name_kept():
    subject = _pupil(1, "Ruby", "Smith", "A801200005001")
    redactor = Redactor(subject)
    redactor.add_pupil(_pupil(2, "Zachary", "Smith", "B801200005002", preferred="Zack"))
    text = redactor.text("Zack Smith (UPN b801200005002) and Ruby Smith at home; zachary SMITH was in bed; Zack too")
    assert text == (f"{OTHER_CHILD} (UPN {OTHER_CHILD}) and Ruby Smith at home; {OTHER_CHILD} was in bed; "
                    f"{OTHER_CHILD} too")
    assert redactor.replaced == 4


def test_only_whole_words_are_replaced_and_values_inside_lists_and_dicts_too():
    redactor = Redactor(_pupil(1, "Ruby", "Smith", "A801200005001"))
    redactor.add_name("Al", "Jones")
    assert redactor.text("Alan Jonesy met Al") == f"Alan Jonesy met {OTHER_CHILD}"
    assert redactor.value({"a": ["Al Jones"], "b": 3, "c": None}) == {"a": [OTHER_CHILD], "b": 3, "c": None}


def test_nothing_known_changes_nothing():
    redactor = Redactor(_pupil(1, "Ruby", "Smith", "A801200005001"))
    redactor.add_name("Ruby", "Smith")  # the subject, as a sweep recorded her
    assert not redactor.known
    assert redactor.text("Ruby Smith") == "Ruby Smith"


def test_a_name_given_on_a_sweep_is_replaced_whole_only():
    redactor = Redactor(_pupil(1, "Ruby", "Smith", "A801200005001"))
    redactor.add_name("Unknown", "Child", parts=False)
    assert redactor.text("Unknown Child met; Child missing education") == f"{OTHER_CHILD} met; Child missing education"
