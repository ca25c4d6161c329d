"""Keeping other children out of a subject access export, and listing the third parties in it.

`Redactor` knows every other child the records touch (siblings, the children of a whole-family
case, the other cases of the same panel meetings, the other children met on the same sweeps)
and replaces their names and UPNs in every text of the export with OTHER_CHILD. `People` lists
the third parties (staff, other professionals, parents and carers) whose names appear, for the
reviewer to decide what to redact before release."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from portal.access.roles import role_label
from portal.orgs.models import OrgKind

OTHER_CHILD = "[another child]"


def _words(*names: str | None) -> set[str]:
    return {w for n in names if n for w in re.split(r"[\s,]+", n) if w}


class Redactor:
    """Replaces the names and UPNs of other children in text (`text`, `value`)."""

    def __init__(self, subject) -> None:
        self.subject = subject
        self._own = {w.lower() for w in _words(subject.legal_forename, subject.legal_surname,
                                              subject.preferred_forename, subject.preferred_surname)}
        self._phrases: set[str] = set()  # whole names and UPNs: matched whatever the case
        self._words: set[str] = set()    # single names not the subject's own: matched as written
        self._pattern: re.Pattern | None = None
        self.replaced = 0

    def add_pupil(self, pupil) -> None:
        if pupil is None or pupil.id == self.subject.id:
            return
        self.add_name(pupil.legal_forename, pupil.legal_surname)
        self.add_name(pupil.preferred_forename or pupil.legal_forename, pupil.preferred_surname or pupil.legal_surname)
        self.add_name(pupil.preferred_forename or pupil.legal_forename, pupil.legal_surname)
        self._phrases.add(pupil.upn)
        self._pattern = None

    def add_name(self, forename: str | None, surname: str | None, parts: bool = True) -> None:
        """A child's name: the whole name, and (`parts`) each part that is not also a part of the
        subject's own name. A name only as a child gave it on a sweep ("Unknown Child") is
        replaced whole, never word by word."""
        full = " ".join(p for p in (forename, surname) if p and p.strip())
        if full.lower() in {f"{self.subject.legal_forename} {self.subject.legal_surname}".lower(),
                            self.subject.display_name.lower()}:
            return
        if full:
            self._phrases.add(full)
        if parts:
            self._words |= {w for w in _words(forename, surname) if w.lower() not in self._own and len(w) > 1}
        self._pattern = None

    @property
    def known(self) -> bool:
        return bool(self._phrases or self._words)

    def _compiled(self) -> re.Pattern | None:
        if self._pattern is None and self.known:
            phrases = sorted(self._phrases, key=len, reverse=True)
            words = sorted(self._words, key=len, reverse=True)
            parts = [f"(?i:{re.escape(p)})" for p in phrases] + [re.escape(w) for w in words]
            self._pattern = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")
        return self._pattern

    def text(self, value: str) -> str:
        pattern = self._compiled()
        if pattern is None or not value:
            return value
        redacted, count = pattern.subn(OTHER_CHILD, value)
        self.replaced += count
        return redacted

    def value(self, value: Any) -> Any:
        """Every string inside a value (lists and dicts too), redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value


@dataclass
class Person:
    name: str
    kind: str          # staff / other professional / parent or carer / other person
    role: str = ""     # the role, or the relationship to the pupil
    organisation: str = ""
    sections: set[str] = field(default_factory=set)


# organisations outside the school and the attendance service (their people: other professionals)
PARTNER_ORG_KINDS = frozenset(OrgKind) - {OrgKind.school, OrgKind.attendance_service}


class People:
    """The third parties of an export, by name."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], Person] = {}

    def user(self, user) -> str:
        """Note a user (an author, a lead, an officer...) and give the name the records show."""
        if user is None:
            return ""
        org = user.organisation
        kind = "other professional" if org is not None and org.kind in PARTNER_ORG_KINDS else "staff"
        self._add(Person(user.name, kind, role_label(user.role), org.name if org is not None else ""))
        return user.name

    def person(self, name: str | None, kind: str, role: str = "", organisation: str = "") -> str:
        if name and name.strip():
            self._add(Person(name.strip(), kind, role, organisation))
        return name or ""

    def _add(self, person: Person) -> None:
        self._by_key.setdefault((person.name.lower(), person.kind), person)

    def find_in(self, section: str, texts: Iterable[str]) -> None:
        """Note the sections each person's name appears in (as a field, or in free text)."""
        blob = "\n".join(texts).lower()
        for person in self._by_key.values():
            if person.name.lower() in blob:
                person.sections.add(section)

    def rows(self) -> list[Person]:
        return sorted(self._by_key.values(), key=lambda p: (p.kind, p.name.lower()))
