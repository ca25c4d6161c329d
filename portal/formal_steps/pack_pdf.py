"""A prosecution's evidence pack as an A4 PDF (reportlab, as the panel minutes), marked
OFFICIAL-SENSITIVE on every page."""
from __future__ import annotations

import io
from datetime import date
from xml.sax.saxutils import escape

from portal.formal_steps.pack import Pack
from portal.timeutil import LONDON, as_utc, utcnow

MARKING = "OFFICIAL-SENSITIVE: evidence pack, for the court and the LA's legal team only"


def _long(day: date | None) -> str:
    return day.strftime("%-d %B %Y") if day else "–"


def filename(pack: Pack) -> str:
    return f"evidence-pack-case-{pack.case.id}.pdf"


def render_pdf(pack: Pack) -> bytes:
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

    def heading(value: str):
        story.append(Spacer(1, 4 * mm))
        story.append(Paragraph(escape(value), styles["Heading2"]))

    step, case, pupil = pack.step, pack.case, pack.case.pupil
    title = f"Evidence pack: {pupil.legal_name}"
    story.append(Paragraph(escape(title), styles["Title"]))
    para(f"Prosecution under s{step.section or '444'} of the Education Act 1996. {pupil.legal_name}, born "
         f"{_long(pupil.date_of_birth)}, {pupil.school.name}. Lead professional: {case.lead.name}, "
         f"{case.lead.organisation.name}.")
    para(f"Status: {step.status.label}. File prepared: {_long(step.file_prepared_on)}. First hearing: "
         f"{_long(step.hearing_on)}. Support first: {step.evidence_summary}.")

    heading(f"Register extract, {_long(pack.period[0])} to {_long(pack.period[1])}")
    if pack.extract:
        rows = [["Date", "AM", "PM"]] + [[row.day.strftime("%a %-d %B %Y"), row.am or "–", row.pm or "–"]
                                         for row in pack.extract]
        table = Table(rows, colWidths=[70 * mm, 20 * mm, 20 * mm], repeatRows=1)
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                                   ("FONTSIZE", (0, 0), (-1, -1), 9),
                                   ("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
        story.append(table)
        para("; ".join(f"{code}: {meaning}" for code, meaning in pack.meanings.items()), small)
        para(" ".join(f"{category.capitalize()}: {n} sessions." for category, n in pack.totals.items()), small)
    else:
        para("No register marks are held for this period.")

    heading("Notices")
    if pack.notices:
        for notice in pack.notices:
            para(f"{notice.title}, issued {_long(notice.issued_on)}: {notice.status_label}")
    else:
        para("No notices to improve or penalty notices on this case.")

    heading("Letters and documents")
    if pack.documents:
        for document in pack.documents:
            added = as_utc(document.uploaded_at).astimezone(LONDON)
            para(f"{document.title} ({document.filename}, added {added:%-d %B %Y})")
    else:
        para("No documents on the case.")

    heading("Chronology")
    for entry in pack.chronology:
        when = as_utc(entry.occurred_at).astimezone(LONDON)
        shown = f"{when:%-d %b %Y %H:%M}" if entry.time_given else f"{when:%-d %b %Y}"
        para(f"{shown} – {entry.text}" + (f" ({entry.author.name})" if entry.author else ""), small)

    produced = as_utc(utcnow()).astimezone(LONDON)

    def marking(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 9)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, MARKING)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(20 * mm, 10 * mm, f"Produced {produced:%-d %b %Y %H:%M}")
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title, author="Attendance Partnership Portal",
                            leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=18 * mm)
    doc.build(story, onFirstPage=marking, onLaterPages=marking)
    return buffer.getvalue()
