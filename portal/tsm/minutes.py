"""The minutes of a Targeting Support Meeting: who was there, the key groups' counts, what was
agreed per pupil and per cohort (owner, due date, status), the overall notes and the school's
own actions, and the previous meeting's actions with their status.

Pupil names only for the school side (the LA, the EWO, the school's own staff:
`access.sees_tsm_pupils`); a partner reads the cohort items, and a pupil's item only when the
pupil's case is shared with them (`access.tsm_items_for`), the child by initials and the names
taken out of the note. `build_minutes` gathers the content once; the page and `render_pdf`
show it."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.sax.saxutils import escape

from portal import access, disclosure
from portal.panels.minutes import initials, redact
from portal.pupils.models import Pupil
from portal.timeutil import LONDON, as_utc, utcnow
from portal.tsm import prepare, service
from portal.tsm.models import SupportMeeting, TsmItem

MARKING = "OFFICIAL-SENSITIVE – Targeting Support Meeting"
HEADLINE = (("Attendance", "attendance_text"), ("Overall absence", "absence_text"),
            ("Unauthorised absence", "unauthorised_text"), ("Persistent absence (pupils)", "pa_text"),
            ("Severe absence (pupils)", "sa_text"))


def pupil_label(pupil: Pupil | None, names: bool) -> str:
    if pupil is None:
        return "–"
    return f"{pupil.display_name} ({pupil.year_label})" if names else f"{initials(pupil)} (pupil)"


@dataclass
class MinutesItem:
    subject: str
    discussed: bool
    step: str
    owner: str
    due: date | None
    status: str
    note: str


@dataclass
class Minutes:
    meeting: SupportMeeting
    school: str
    when: str
    place: str
    ewo: str
    school_lead: str
    partners: list[str]
    names: bool
    groups: list[tuple[str, int | str]]
    items: list[MinutesItem]
    previous_when: str | None
    previous_items: list[MinutesItem]
    notes: str
    school_actions: str
    draft: bool
    produced_at: datetime
    hidden_items: int = 0  # pupil items the reader may not see
    period: str = ""
    headline: list[tuple[str, str, str]] = field(default_factory=list)  # (measure, school, LA)
    cohorts: list[tuple[str, str, str, str]] = field(default_factory=list)  # (cohort, rate, without, gap)

    @property
    def title(self) -> str:
        return f"Targeting Support Meeting minutes: {self.school}, {self.when}"

    @property
    def filename(self) -> str:
        day = as_utc(self.meeting.held_at).astimezone(LONDON).date().isoformat()
        return f"tsm-minutes-{self.meeting.school_id}-{day}.pdf"


def _items(user, meeting: SupportMeeting, names: bool) -> tuple[list[MinutesItem], int]:
    from sqlalchemy import func, select

    from portal.extensions import db

    cohorts = prepare.cohort_choices()
    visible = access.tsm_items_for(user, meeting)
    total = db.session.scalar(select(func.count()).select_from(TsmItem).where(TsmItem.meeting_id == meeting.id)) or 0
    out = []
    for item in visible:
        if item.pupil_id is None:
            subject, note = f"Cohort: {cohorts.get(item.cohort or '', item.cohort)}", item.note
        else:
            subject = pupil_label(item.pupil, names)
            note = item.note if names else redact(item.note, item.pupil)
        out.append(MinutesItem(subject, item.discussed, item.next_step.label, item.owner_label, item.due_date,
                               item.status.label, note))
    return out, total - len(visible)


def build_minutes(user, meeting: SupportMeeting) -> Minutes:
    names = access.sees_tsm_pupils(user, meeting)
    exact = access.can(user, "view_exact_figures")
    groups = prepare.key_groups(user, meeting.school_id, with_pupils=False)
    items, hidden = _items(user, meeting, names)
    previous = service.previous_meeting(meeting)
    previous_items = _items(user, previous, names)[0] if previous is not None else []
    figures = prepare.school_figures(user, meeting)
    period, headline, cohorts = "", [], []
    if figures is not None and figures.school.has_data:
        period = figures.period.label
        if figures.exact:
            headline = [(label, getattr(figures.school, attr), getattr(figures.la, attr)) for label, attr in HEADLINE]
            cohorts = [(c.label, c.measures.attendance_text if c.measures.has_data else "no pupils",
                        c.without.attendance_text if c.without and c.without.has_data else "–",
                        f"{c.gap:+.1f}" if c.gap is not None else "–") for c in figures.cohorts]
        else:
            headline = [("Pupils", str(figures.count(figures.school.pupils)), ""),
                        ("In persistent absence", str(figures.count(figures.school.pa)), "")]
    minutes = Minutes(
        meeting=meeting, school=meeting.school.name, when=service.when_label(meeting),
        place=meeting.place or "Not given", ewo=meeting.ewo.name,
        school_lead=meeting.school_lead.name if meeting.school_lead else "not named",
        partners=[p.organisation.name for p in meeting.partners], names=names,
        groups=[(g.label, g.count if names else disclosure.count(g.count, exact=exact)) for g in groups],
        items=items, previous_when=service.when_label(previous) if previous else None,
        previous_items=previous_items, notes=meeting.notes, school_actions=meeting.school_actions,
        draft=not meeting.held, produced_at=utcnow(), hidden_items=hidden, period=period, headline=headline,
        cohorts=cohorts)
    return minutes


def render_pdf(minutes: Minutes) -> bytes:
    """The minutes as an A4 PDF (reportlab), with the protective marking on every page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=9, leading=11)
    story: list = []

    def para(value: str, style=body):
        story.append(Paragraph(escape(value), style))

    def table(rows, widths):
        t = Table(rows, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"), ("FONTSIZE", (0, 0), (-1, -1), 9),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(Spacer(1, 2 * mm))
        story.append(t)

    def item_rows(items: list[MinutesItem]):
        return [["For", "Agreed next step", "Owner", "Due", "Status"]] + [
            [Paragraph(escape(i.subject), small), Paragraph(escape(i.step), small), Paragraph(escape(i.owner), small),
             service.day_label(i.due) if i.due else "–", i.status] for i in items]

    widths = [45 * mm, 35 * mm, 50 * mm, 22 * mm, 18 * mm]
    story.append(Paragraph(escape(minutes.title), styles["Title"]))
    if minutes.draft:
        para("Draft: the meeting has not been marked as held.", styles["Heading3"])
    if not minutes.names:
        para("Pupils are shown by initials; only items of pupils whose case is shared with your organisation "
             "are included.", small)
    para(f"Place: {minutes.place}. Education welfare officer: {minutes.ewo}. "
         f"School's attendance lead: {minutes.school_lead}.")
    para(f"Invited partners: {'; '.join(minutes.partners) if minutes.partners else 'none'}.")
    if minutes.headline:
        story.append(Paragraph(escape(f"The school's figures: {minutes.period}"), styles["Heading2"]))
        if minutes.cohorts:
            table([["Measure", "School", "All schools in the LA"]] + [list(r) for r in minutes.headline],
                  [80 * mm, 45 * mm, 45 * mm])
            table([["Cohort", "Attendance", "Without", "Gap (points)"]] + [
                [Paragraph(escape(r[0]), small), r[1], r[2], r[3]] for r in minutes.cohorts],
                [80 * mm, 30 * mm, 30 * mm, 30 * mm])
        else:
            para("Partner agencies see counts, not percentages; a count below 5 is not shown. "
                 + "; ".join(f"{label}: {n}" for label, n, _ in minutes.headline) + ".")
    story.append(Paragraph("Key groups", styles["Heading2"]))
    table([["Key group", "Pupils"]] + [[Paragraph(escape(label), small), str(n)] for label, n in minutes.groups],
          [130 * mm, 40 * mm])
    story.append(Paragraph("Agreed", styles["Heading2"]))
    if minutes.items:
        table(item_rows(minutes.items), widths)
        for i in minutes.items:
            if i.note:
                para(f"{i.subject}: {i.note}", small)
    else:
        para("Nothing recorded yet.")
    story.append(Paragraph("Overall notes", styles["Heading2"]))
    para(minutes.notes or "None.")
    story.append(Paragraph("The school's own actions", styles["Heading2"]))
    para(minutes.school_actions or "None.")
    if minutes.previous_when:
        story.append(Paragraph(f"Actions from the previous meeting ({minutes.previous_when})", styles["Heading2"]))
        if minutes.previous_items:
            table(item_rows(minutes.previous_items), widths)
        else:
            para("No actions were recorded.")

    def marking(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 9)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, MARKING)
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
