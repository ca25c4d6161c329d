"""Pupils, their school history, parent/carer contacts and cohort flags."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, SmallInteger, String, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.orgs.models import Organisation
from portal.timeutil import utcnow

# (attribute, label, short label) – the cohorts LAs must watch (DOMAIN.md)
COHORT_FLAGS: tuple[tuple[str, str, str], ...] = (
    ("sen_support", "SEN support", "SEN"),
    ("ehc_plan", "EHC plan", "EHCP"),
    ("fsm", "Free school meals eligible", "FSM"),
    ("looked_after", "Looked after (CLA)", "CLA"),
    ("social_worker", "Child in need / child protection (has a social worker)", "CIN/CP"),
    ("eal", "English as an additional language", "EAL"),
    ("alternative_provision", "Attends alternative provision", "AP"),
)
FLAG_NAMES = tuple(f for f, _, _ in COHORT_FLAGS)


def year_label(nc_year: int | None) -> str:
    if nc_year is None:
        return "–"
    return {-2: "Nursery 1", -1: "Nursery 2", 0: "Reception"}.get(nc_year, f"Year {nc_year}")


class Pupil(Model):
    __tablename__ = "pupils"

    id: Mapped[int] = mapped_column(primary_key=True)
    upn: Mapped[str] = mapped_column(String(13), unique=True)
    legal_forename: Mapped[str] = mapped_column(String(100))
    legal_surname: Mapped[str] = mapped_column(String(100))
    preferred_forename: Mapped[str | None] = mapped_column(String(100))
    preferred_surname: Mapped[str | None] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    nc_year: Mapped[int] = mapped_column(SmallInteger)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    on_roll_from: Mapped[date] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    sen_support: Mapped[bool] = mapped_column(default=False)
    ehc_plan: Mapped[bool] = mapped_column(default=False)
    fsm: Mapped[bool] = mapped_column(default=False)
    looked_after: Mapped[bool] = mapped_column(default=False)
    social_worker: Mapped[bool] = mapped_column(default=False)
    eal: Mapped[bool] = mapped_column(default=False)
    alternative_provision: Mapped[bool] = mapped_column(default=False)
    # lower-cased "forename surname preferred-forename preferred-surname upn" for search
    search_text: Mapped[str] = mapped_column(String(420), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    school: Mapped[Organisation] = relationship()
    contacts: Mapped[list[Contact]] = relationship(back_populates="pupil", order_by="Contact.id",
                                                   cascade="all, delete-orphan")
    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="pupil",
                                                       order_by="Enrolment.start_date")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_pupils_school_surname", "school_id", "legal_surname", "legal_forename"),)

    @property
    def display_name(self) -> str:
        fore = self.preferred_forename or self.legal_forename
        sur = self.preferred_surname or self.legal_surname
        return f"{fore} {sur}"

    @property
    def legal_name(self) -> str:
        return f"{self.legal_forename} {self.legal_surname}"

    @property
    def year_label(self) -> str:
        return year_label(self.nc_year)

    @property
    def flags(self) -> list[tuple[str, str, str]]:
        return [(f, label, short) for f, label, short in COHORT_FLAGS if getattr(self, f)]

    def refresh_search_text(self) -> None:
        self.search_text = " ".join(
            p for p in (self.legal_forename, self.legal_surname, self.preferred_forename or "",
                        self.preferred_surname or "", self.upn) if p
        ).lower()


class Enrolment(Model):
    """A pupil's time on one school's roll: a move closes one and opens the next."""
    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    pupil: Mapped[Pupil] = relationship(back_populates="enrolments")
    school: Mapped[Organisation] = relationship()


class Contact(Model):
    __tablename__ = "pupil_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    relationship_to_pupil: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    parental_responsibility: Mapped[bool] = mapped_column(default=False)

    pupil: Mapped[Pupil] = relationship(back_populates="contacts")


# ----- the keys siblings are found by (cases/family.py), each with an index on its expression ------
# Literal arguments (not bound parameters): an expression index serves only a query that spells the
# same expression, on SQLite and PostgreSQL alike.

def email_key(column):  # noqa: ANN001, ANN201 - a column or column expression
    """The e-mail without surrounding spaces, in lower case."""
    return func.lower(func.trim(column))


def phone_key(column):  # noqa: ANN001, ANN201
    """The phone number without spaces, dashes, brackets, dots or a plus."""
    for char in (" ", "-", "(", ")", ".", "+"):
        column = func.replace(column, literal_column(f"'{char}'"), literal_column("''"))
    return column


def postcode_key(column):  # noqa: ANN001, ANN201
    """The postcode without spaces, in capitals."""
    return func.upper(func.replace(column, literal_column("' '"), literal_column("''")))


EXPRESSION_INDEXES = {"ix_pupil_contacts_email_key", "ix_pupil_contacts_phone_key", "ix_pupils_postcode_key"}
Index("ix_pupil_contacts_email_key", email_key(Contact.email))
Index("ix_pupil_contacts_phone_key", phone_key(Contact.phone))
Index("ix_pupils_postcode_key", postcode_key(Pupil.postcode))
