"""The minutes of a panel meeting: who attended, and per case the decision, its rationale, the
agreed actions (owner, due date) and the next review.

Two versions (DOMAIN.md: "Minutes are confidential; a redacted version circulates"):
- "restricted": children's names, for the panel's members;
- "redacted": children by initials and case number only, for wider circulation. The pupil's
  and their contacts' names are also taken out of the free text (rationale, actions), so a
  name typed into a rationale does not leak.
Either version comes without the panel's rationale for a reader who may not see it (the
police: `access.sees_panel_rationale`).

`build_minutes` gathers the content once; the printable page and `render_pdf` show it."""
from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.sax.saxutils import escape

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.audit import AuditEvent
from portal.cases.models import Action, ActionStatus, Case
from portal.extensions import db
from portal.panels.models import AgendaItem, MeetingStatus, PanelDecision, PanelMeeting, PanelMember
from portal.panels.rules import day_label
from portal.pupils.models import Pupil
from portal.timeutil import LONDON, as_utc, utcnow

VERSIONS = {"restricted": "Restricted: contains children's names", "redacted": "Redacted for wider circulation"}
LINKS = {"restricted": "Show the restricted version (with children's names)",
         "redacted": "Show the redacted version (initials only)"}
WITHOUT_RATIONALE = "The panel's rationale for each decision is not shown in the police view."
MARKINGS = {"restricted": "OFFICIAL-SENSITIVE – restricted to panel members",
            "redacted": "OFFICIAL-SENSITIVE – redacted version"}


@dataclass
class MinutesAction:
    description: str
    owner: str
    due: date
    status: ActionStatus


@dataclass
class MinutesItem:
    number: int
    child: str
    case_ref: str
    school: str
    reason: str
    decision: str | None = None
    rationale: str = ""
    next_review: date | None = None
    late: bool = False  # recorded after the meeting was marked as held
    actions: list[MinutesAction] = field(default_factory=list)


@dataclass
class Minutes:
    meeting: PanelMeeting
    version: str
    when: str
    place: str
    chair: str
    present: list[str]
    apologies: list[str]
    absent: list[str]
    confirmed: list[str]  # members who confirmed the confidentiality statement
    items: list[MinutesItem]
    removed: list[tuple[str, str]]  # (child, reason)
    draft: bool
    produced_at: datetime
    with_rationale: bool = True

    @property
    def title(self) -> str:
        return f"Attendance panel minutes, {self.when}"

    @property
    def marking(self) -> str:
        return MARKINGS[self.version]

    @property
    def filename(self) -> str:
        day = as_utc(self.meeting.held_at).astimezone(LONDON).date().isoformat()
        return f"panel-minutes-{day}-{self.version}.pdf"


# ----- redaction -------------------------------------------------------------------------------

def initials(pupil: Pupil) -> str:
    forename = pupil.preferred_forename or pupil.legal_forename
    surname = pupil.preferred_surname or pupil.legal_surname
    return f"{forename[:1].upper()}.{surname[:1].upper()}."


def _name_words(pupils: Iterable[Pupil]) -> set[str]:
    """Every word of the pupils' names (legal and preferred) and of their contacts' names."""
    words = set()
    for pupil in pupils:
        names = [pupil.legal_forename, pupil.legal_surname, pupil.preferred_forename or "",
                 pupil.preferred_surname or ""] + [c.name for c in pupil.contacts]
        for name in names:
            for word in re.split(r"[\s\-']+", name or ""):
                if len(_fold(word)) >= 2:
                    words.add(_fold(word))
    return words


def _fold_char(char: str) -> str:
    """A character without its accents, in lower case ("Ë" -> "e"); one character, or none for
    a lone combining mark, so positions in the folded text map back to the original."""
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)).lower()
    return base[:1] if base else ""


def _fold(text: str) -> str:
    return "".join(_fold_char(c) for c in unicodedata.normalize("NFC", text))


def redact(text: str, pupils: Pupil | Iterable[Pupil]) -> str:
    """Replace each name word of the pupils or their contacts by its initial ("Ellis" -> "E."),
    whatever its case or accents: "Zoë", "Zoe" and "ZOE" are the same name."""
    if isinstance(pupils, Pupil):
        pupils = [pupils]
    words = sorted(_name_words(pupils), key=len, reverse=True)
    if not words or not text:
        return text
    text = unicodedata.normalize("NFC", text)
    folded: list[str] = []
    origin: list[int] = []  # the index in `text` of each folded character
    for index, char in enumerate(text):
        base = _fold_char(char)
        if base:
            folded.append(base)
            origin.append(index)
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b")
    pieces, last = [], 0
    for match in pattern.finditer("".join(folded)):
        start, end = origin[match.start()], origin[match.end() - 1] + 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        pieces.append(text[last:start])
        pieces.append(text[start].upper() + ".")
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


# ----- content ---------------------------------------------------------------------------------

def _status(member: PanelMember) -> str:
    if member.present:
        return "present"
    if member.apologies:
        return "apologies"
    return "absent" if member.present is False else "not recorded"


def _held_marked_at(meeting: PanelMeeting) -> datetime | None:
    """When the meeting was marked as held (its audit record), or None while it is not."""
    if meeting.status != MeetingStatus.held:
        return None
    at = db.session.scalar(select(func.min(AuditEvent.at)).where(
        AuditEvent.verb == "panel_meeting_held", AuditEvent.object_type == "PanelMeeting",
        AuditEvent.object_id == meeting.id))
    return as_utc(at) if at is not None else None


def build_minutes(meeting: PanelMeeting, version: str, *, with_rationale: bool = True) -> Minutes:
    if version not in VERSIONS:
        raise ValueError(version)
    redacted = version == "redacted"
    members = db.session.scalars(select(PanelMember).where(PanelMember.meeting_id == meeting.id)
                                 .options(selectinload(PanelMember.user), selectinload(PanelMember.organisation))
                                 .order_by(PanelMember.id)).all()
    by_status: dict[str, list[str]] = {"present": [], "apologies": [], "absent": [], "not recorded": []}
    # Per person, with the agency they came for; an agency invited as a whole is listed only
    # when nobody of it is recorded by name.
    named = {m.organisation_id for m in members if m.is_person and _status(m) in ("present", "apologies")}
    for member in members:
        if not member.is_person and member.organisation_id in named:
            continue
        by_status[_status(member)].append(member.label)
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
        .options(selectinload(AgendaItem.case).selectinload(Case.pupil).selectinload(Pupil.contacts),
                 selectinload(AgendaItem.case).selectinload(Case.pupil).selectinload(Pupil.school),
                 selectinload(AgendaItem.decision).selectinload(PanelDecision.actions).selectinload(Action.owner_user),
                 selectinload(AgendaItem.decision).selectinload(PanelDecision.actions).selectinload(Action.owner_org))
        .order_by(AgendaItem.position, AgendaItem.id)).all()

    def child(pupil: Pupil) -> str:
        return initials(pupil) if redacted else pupil.display_name  # no UPN: police members read these too

    # Every child on the agenda (listed or removed) and their contacts: a sibling named in
    # another child's rationale is taken out too.
    everyone = list({item.case.pupil.id: item.case.pupil for item in items}.values())

    def text(value: str, pupil: Pupil) -> str:
        return redact(value, everyone) if redacted else value

    held_marked = _held_marked_at(meeting)
    listed: list[MinutesItem] = []
    removed: list[tuple[str, str]] = []
    for item in items:
        pupil = item.case.pupil
        if item.removed_at is not None:
            removed.append((f"{child(pupil)}, case {item.case_id}", text(item.removed_reason, pupil)))
            continue
        entry = MinutesItem(number=len(listed) + 1, child=child(pupil), case_ref=f"Case {item.case_id}",
                            school=pupil.school.name, reason=text(item.reason_added, pupil))
        decision = item.decision
        if decision is not None:
            entry.decision = decision.label
            entry.rationale = text(decision.rationale, pupil) if with_rationale else ""
            entry.next_review = decision.next_review
            entry.late = held_marked is not None and as_utc(decision.decided_at) > held_marked
            for action in decision.actions:
                owner = action.owner_user.name if action.owner_user else action.owner_org.name
                entry.actions.append(MinutesAction(text(action.description, pupil), owner, action.due_date,
                                                   action.status))
        listed.append(entry)
    return Minutes(meeting=meeting, version=version, when=as_utc(meeting.held_at).astimezone(LONDON)
                   .strftime("%-d %B %Y, %H:%M"),
                   place=meeting.place or "Online", chair=meeting.chair.name,
                   present=by_status["present"], apologies=by_status["apologies"],
                   absent=by_status["absent"] + by_status["not recorded"],
                   confirmed=[m.label for m in members if m.confidentiality_confirmed_at is not None],
                   items=listed, removed=removed,
                   draft=meeting.status != MeetingStatus.held, produced_at=utcnow(), with_rationale=with_rationale)


# ----- PDF -------------------------------------------------------------------------------------

def render_pdf(minutes: Minutes) -> bytes:
    """The minutes as an A4 PDF (reportlab), with the protective marking on every page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=9, leading=11)
    story = []

    def para(value: str, style=body):
        story.append(Paragraph(escape(value), style))

    story.append(Paragraph(escape(minutes.title), styles["Title"]))
    if minutes.draft:
        para("Draft: the meeting has not been marked as held.", styles["Heading3"])
    para(f"{VERSIONS[minutes.version]}." + ("" if minutes.with_rationale else f" {WITHOUT_RATIONALE}"))
    para(f"Place: {minutes.place}. Chair: {minutes.chair}.")
    for label, names in (("Present", minutes.present), ("Apologies", minutes.apologies),
                         ("Absent or not recorded", minutes.absent)):
        para(f"{label}: {'; '.join(names) if names else 'none'}.")
    confirmed = "; ".join(minutes.confirmed) if minutes.confirmed else "nobody yet"
    para(f"Confidentiality statement confirmed by: {confirmed}.",
         small)
    for item in minutes.items:
        story.append(Spacer(1, 4 * mm))
        story.append(Paragraph(escape(f"{item.number}. {item.child} – {item.case_ref}, {item.school}"),
                               styles["Heading2"]))
        para(f"Listed because: {item.reason}", small)
        if item.decision is None:
            para("No decision was recorded.")
            continue
        late = " (late: recorded after the meeting was marked as held)" if item.late else ""
        para(f"Decision: {item.decision}{late}")
        if minutes.with_rationale:
            para(f"Rationale: {item.rationale}")
        para(f"Next review: {day_label(item.next_review) if item.next_review else 'none (case to close)'}")
        if item.actions:
            rows = [["Agreed action", "Owner", "Due", "Status"]] + [
                [Paragraph(escape(a.description), small), Paragraph(escape(a.owner), small), day_label(a.due),
                 a.status.label] for a in item.actions]
            table = Table(rows, colWidths=[85 * mm, 45 * mm, 25 * mm, 20 * mm], repeatRows=1)
            table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                                       ("FONTSIZE", (0, 0), (-1, -1), 9),
                                       ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(Spacer(1, 2 * mm))
            story.append(table)
        else:
            para("No actions were agreed.")
    if minutes.removed:
        story.append(Spacer(1, 4 * mm))
        story.append(Paragraph("Removed from the agenda", styles["Heading2"]))
        for who, reason in minutes.removed:
            para(f"{who}: {reason}")

    def marking(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 9)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, minutes.marking)
        canvas.setFont("Helvetica", 8)
        produced = as_utc(minutes.produced_at).astimezone(LONDON)
        canvas.drawString(20 * mm, 10 * mm, f"Produced {produced:%-d %b %Y %H:%M}")
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=minutes.title, author="Attendance Partnership Portal",
                            leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=18 * mm)
    doc.build(story, onFirstPage=marking, onLaterPages=marking)
    return buffer.getvalue()
