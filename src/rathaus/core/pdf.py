"""Plain, structured PDF documents (receipts, decision letters, reports) with fpdf2.

Uses the PDF core font Helvetica in Windows-1252, which covers German text, € and typographic
quotes; characters outside it are replaced by "?" instead of failing. Every module builds its PDFs
with :class:`Document`, so that all documents of a municipality look alike.

    doc = Document(municipality_name="Stadt Zeitz", title="Eingangsbestätigung")
    doc.fields([("Aktenzeichen", "ZZ-2026-000123"), ("Eingang", "25.11.2026 14:03")])
    doc.heading("Ihre Angaben")
    doc.table(["Feld", "Wert"], rows)
    pdf_bytes = doc.output()
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

_ENCODING = "windows-1252"


def clean(text: object) -> str:
    """Text the core font can show: unknown characters become "?", control characters vanish."""
    value = "" if text is None else str(text)
    value = "".join(ch for ch in value if ch in "\n\t" or ord(ch) >= 32)
    return value.encode(_ENCODING, errors="replace").decode(_ENCODING)


def _new_pdf(*, title: str, author: str, subject: str, lang: str) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_title(clean(title))
    pdf.set_author(clean(author))
    pdf.set_subject(clean(subject or title))
    pdf.set_creator("Rathaus")
    pdf.set_lang(lang)
    pdf.set_creation_date(datetime.now().astimezone())
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(20, 18, 20)
    pdf.add_page()
    return pdf


class Document:
    def __init__(self, *, municipality_name: str, title: str, subject: str = "", lang: str = "de") -> None:
        pdf = _new_pdf(title=title, author=municipality_name, subject=subject, lang=lang)
        pdf.set_font("helvetica", size=9)
        pdf.cell(0, 5, clean(municipality_name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        pdf.set_font("helvetica", style="B", size=16)
        pdf.multi_cell(0, 8, clean(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        self.pdf = pdf

    def heading(self, text: str) -> None:
        self.pdf.ln(3)
        self.pdf.set_font("helvetica", style="B", size=12)
        self.pdf.multi_cell(0, 6, clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1)

    def paragraph(self, text: str) -> None:
        self.pdf.set_font("helvetica", size=10)
        self.pdf.multi_cell(0, 5, clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(2)

    def fields(self, pairs: Iterable[tuple[str, object]]) -> None:
        """Label/value lines (label bold, value wrapped beside it)."""
        width = self.pdf.epw
        for label, value in pairs:
            self.pdf.set_font("helvetica", style="B", size=10)
            self.pdf.multi_cell(
                width * 0.35, 5, clean(label), new_x=XPos.RIGHT, new_y=YPos.TOP, max_line_height=5
            )
            self.pdf.set_font("helvetica", size=10)
            self.pdf.multi_cell(width * 0.65, 5, clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(2)

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        self.pdf.set_font("helvetica", size=9)
        with self.pdf.table(text_align="LEFT", line_height=5) as table:
            head = table.row()
            for h in headers:
                head.cell(clean(h))
            for values in rows:
                row = table.row()
                for v in values:
                    row.cell(clean(v))
        self.pdf.ln(2)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


class Letter(Document):
    """A letter laid out after DIN 5008 (form B) for window envelopes; the body is then written with
    :meth:`paragraph` and :meth:`heading` like any :class:`Document`.

        letter = Letter(letterhead=["Stadt Zeitz", "Bürgerservice", "Altmarkt 1", "06712 Zeitz"],
                        return_line="Stadt Zeitz · Altmarkt 1 · 06712 Zeitz",
                        recipient=["Frau Erika Mustermann", "Musterweg 5", "06712 Zeitz"],
                        info=[("Aktenzeichen", "ZZ-2026-000123"), ("Telefon", "03441 83-0")],
                        place_date="Zeitz, 06.12.2026", subject="Bescheid über Ihren Antrag")
        letter.paragraph("Sehr geehrte Frau Mustermann,")

    Letterhead top left (first line bold), return line and address field 45–90 mm from the top and
    25 mm from the left (the window of a DL envelope), information block at 125 mm, place and date
    right-aligned, then the subject in bold.
    """

    LEFT = 25.0
    INFO_X = 125.0

    def __init__(
        self,
        *,
        letterhead: Sequence[str],
        return_line: str,
        recipient: Sequence[str],
        info: Sequence[tuple[str, object]],
        place_date: str,
        subject: str,
        title: str = "",
        lang: str = "de",
    ) -> None:
        author = letterhead[0] if letterhead else ""
        pdf = _new_pdf(title=title or subject, author=author, subject=subject, lang=lang)
        pdf.set_margins(self.LEFT, 18, 20)
        pdf.set_xy(self.LEFT, 15)
        for n, line in enumerate(letterhead):
            pdf.set_font("helvetica", style="B" if n == 0 else "", size=12 if n == 0 else 9)
            pdf.cell(0, 6 if n == 0 else 4.5, clean(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        # Address field (Anschriftfeld): return line in the first 5 mm, then the recipient.
        pdf.set_xy(self.LEFT, 50)
        pdf.set_font("helvetica", size=7)
        pdf.cell(85, 4, clean(return_line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_xy(self.LEFT, 63)
        pdf.set_font("helvetica", size=10)
        for line in recipient:
            pdf.cell(85, 5, clean(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        # Information block beside the address field.
        y = 50.0
        for label, value in info:
            pdf.set_xy(self.INFO_X, y)
            pdf.set_font("helvetica", size=7)
            pdf.cell(65, 3.5, clean(label))
            pdf.set_xy(self.INFO_X, y + 3.5)
            pdf.set_font("helvetica", size=9)
            pdf.multi_cell(65, 4.5, clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            y = pdf.get_y() + 1.5
        # Fold mark (Falzmarke) at 105 mm.
        pdf.line(5, 105, 9, 105)
        pdf.set_xy(self.LEFT, max(100.0, y + 4))
        pdf.set_font("helvetica", size=10)
        pdf.cell(0, 5, clean(place_date), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        pdf.set_font("helvetica", style="B", size=11)
        pdf.multi_cell(0, 5.5, clean(subject), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        self.pdf = pdf
