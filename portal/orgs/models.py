"""Organisations (schools and agencies) and the people who use the portal."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, DateTime, Enum, ForeignKey, Index, String, func
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.access.roles import role_label
from portal.extensions import Model
from portal.timeutil import utcnow


class OrgKind(str, enum.Enum):
    school = "school"
    attendance_service = "attendance_service"
    social_care = "social_care"
    early_help = "early_help"
    police = "police"
    health = "health"
    other = "other"

    @property
    def label(self) -> str:
        return ORG_KIND_LABELS[self]


ORG_KIND_LABELS = {
    OrgKind.school: "School",
    OrgKind.attendance_service: "LA attendance service (EWOs)",
    OrgKind.social_care: "Children's social care",
    OrgKind.early_help: "Early help",
    OrgKind.police: "Police",
    OrgKind.health: "Health",
    OrgKind.other: "Other",
}


class SchoolPhase(str, enum.Enum):
    primary = "primary"
    secondary = "secondary"
    all_through = "all_through"
    special = "special"
    alternative_provision = "alternative_provision"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize().replace("All through", "All-through")


class Organisation(Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrgKind] = mapped_column(Enum(OrgKind, native_enum=False, length=32))
    urn: Mapped[str | None] = mapped_column(String(6), unique=True)
    phase: Mapped[SchoolPhase | None] = mapped_column(Enum(SchoolPhase, native_enum=False, length=32))
    named_ewo_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    named_ewo: Mapped[User | None] = relationship(foreign_keys=[named_ewo_id], back_populates="schools_served")
    members: Mapped[list[User]] = relationship(
        foreign_keys="User.organisation_id", back_populates="organisation"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_school(self) -> bool:
        return self.kind == OrgKind.school

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Rotated on logout, password change and deactivation: every cookie carrying the old
    # value stops working at once (Flask's signed-cookie session cannot be revoked alone).
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Two-factor sign-in (TOTP, RFC 6238): the authenticator secret (base32), set when
    # enrolment starts and confirmed by a first good code; the last time step accepted,
    # so a code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A team manager (issue 17): an EWO who draws and audits dip-samples of cases
    # (`access.quality`); meaningless for other roles. Set by an LA admin on the user form.
    team_manager: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # A children-missing-education officer (issue 18): an EWO who works the LA's CME enquiries and
    # elective-home-education records (`access.cme`); meaningless for other roles. Set by an LA admin.
    cme_officer: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship(
        foreign_keys=[organisation_id], back_populates="members"
    )
    schools_served: Mapped[list[Organisation]] = relationship(
        foreign_keys="Organisation.named_ewo_id", back_populates="named_ewo",
        order_by="Organisation.name",
    )

    __table_args__ = (Index("uq_users_email_lower", func.lower(email), unique=True),)
    __mapper_args__ = {"version_id_col": version}

    # Flask-Login: the id in the cookie carries the session token, so rotating it logs out
    # every session of this user.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def two_factor_enrolled(self) -> bool:
        return self.totp_secret is not None and self.totp_enrolled_at is not None

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_hex(16)

    @property
    def role_label(self) -> str:
        return role_label(self.role)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
