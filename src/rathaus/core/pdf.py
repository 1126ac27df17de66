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


class Document:
    def __init__(self, *, municipality_name: str, title: str, subject: str = "", lang: str = "de") -> None:
        pdf = FPDF(format="A4")
        pdf.core_fonts_encoding = _ENCODING
        pdf.set_title(clean(title))
        pdf.set_author(clean(municipality_name))
        pdf.set_subject(clean(subject or title))
        pdf.set_creator("Rathaus")
        pdf.set_lang(lang)
        pdf.set_creation_date(datetime.now().astimezone())
        pdf.set_auto_page_break(auto=True, margin=18)
        pdf.set_margins(20, 18, 20)
        pdf.add_page()
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
