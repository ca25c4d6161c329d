"""A letter as an A4 PDF (reportlab, set up as the panel minutes are: A4, 20 mm margins)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from portal.letters.merge import paragraphs


@dataclass(frozen=True)
class LetterPage:
    title: str       # the PDF's title: the template's name and the recipient
    sender: str      # the sending organisation, at the top
    recipient: str
    dated: str
    subject: str
    text: str
    draft: bool


def render_pdf(page: LetterPage) -> bytes:
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("letter", fontSize=11, leading=15, spaceAfter=8)
    right = body.clone("right", alignment=TA_RIGHT)
    story = [Paragraph(escape(page.sender), right), Paragraph(escape(page.dated), right), Spacer(1, 8 * mm),
             Paragraph(escape(page.recipient), body), Spacer(1, 6 * mm),
             Paragraph(f"<b>{escape(page.subject)}</b>", body)]
    for block in paragraphs(page.text):
        story.append(Paragraph("<br/>".join(escape(line) for line in block), body))

    def marking(canvas, doc):
        canvas.saveState()
        if page.draft:
            canvas.setFont("Helvetica-Bold", 10)
            canvas.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, "DRAFT – not sent")
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=page.title, author=page.sender,
                            leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=18 * mm,
                            pageCompression=0, invariant=1)
    doc.build(story, onFirstPage=marking, onLaterPages=marking)
    return buffer.getvalue()
