"""The PDF report's page layout with fpdf2: A4 pages with a running header and page numbers, text that
wraps, tables that continue over pages with their headings repeated, and pictures scaled to the page.

Fonts are the DejaVu TTFs matplotlib ships, so every character (en dashes, degrees, ²) prints and
nothing is downloaded.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any

from skillsight.webapp.report_content import ReportContent, plain_text

A4 = "A4"
MARGIN_MM = 15.0
FONT = "DejaVu"
BODY_PT = 10
SMALL_PT = 8.5
LINE_MM = 5.0
CAVEAT_FILL = (255, 244, 214)
BADGE_FILL = (180, 83, 9)
# Relative column widths of the metrics tables (metric, you, experts, median, where, better).
METRIC_COLUMNS = (30, 13, 17, 12, 17, 13)
# A picture never takes more than this share of the page height, so its caption stays beside it.
MAX_FIGURE_SHARE = 0.62


def _font_file(bold: bool) -> Path:
    import matplotlib

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's header."""
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def _base() -> Any:
    from fpdf import FPDF

    class _Pdf(FPDF):  # type: ignore[misc]
        running_title = ""

        def header(self) -> None:
            if self.page_no() > 1:
                self.set_font(FONT, size=SMALL_PT)
                self.set_text_color(110)
                self.cell(0, 5, self.running_title, new_x="LMARGIN", new_y="NEXT")
                self.ln(2)
                self.set_text_color(0)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT, size=SMALL_PT)
            self.set_text_color(110)
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")
            self.set_text_color(0)

    return _Pdf


class ReportPdf:
    """Builds the report page by page; each *_block adds one section."""

    def __init__(self, content: ReportContent) -> None:
        pdf = _base()(orientation="P", unit="mm", format=A4)
        pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        pdf.set_auto_page_break(True, margin=MARGIN_MM + 3)
        pdf.add_font(FONT, "", str(_font_file(bold=False)))
        pdf.add_font(FONT, "B", str(_font_file(bold=True)))
        meta = dict(content.meta)
        pdf.running_title = (
            f"SkillSight practice report · {meta.get('Procedure', '')} · {meta.get('Trainee', '')} · "
            f"{meta.get('Date', '')}"
        )
        pdf.set_title(f"SkillSight report ({content.procedure})")
        pdf.set_creator("SkillSight")
        pdf.add_page()
        self.pdf = pdf
        self.content = content
        self._title_block()

    def _title_block(self) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "B", 17)
        pdf.cell(0, 9, "SkillSight practice report", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=BODY_PT)
        for label, value in self.content.meta:
            pdf.set_font(FONT, "B", BODY_PT)
            pdf.cell(26, LINE_MM, f"{label}:")
            pdf.set_font(FONT, size=BODY_PT)
            pdf.multi_cell(0, LINE_MM, value, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)

    def heading(self, text: str) -> None:
        pdf = self.pdf
        if pdf.will_page_break(20):
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font(FONT, "B", 12.5)
        pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_draw_color(200)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(2)
        pdf.set_font(FONT, size=BODY_PT)

    def paragraph(self, text: str, bold: bool = False, size: float = BODY_PT) -> None:
        self.pdf.set_font(FONT, "B" if bold else "", size)
        self.pdf.multi_cell(0, LINE_MM, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font(FONT, size=BODY_PT)

    def bullets(self, items: list[str], numbered: bool = False) -> None:
        pdf = self.pdf
        for i, item in enumerate(items, start=1):
            pdf.cell(7, LINE_MM, f"{i}." if numbered else "•")
            pdf.multi_cell(0, LINE_MM, item, align="L", new_x="LMARGIN", new_y="NEXT")

    def headline_block(self) -> None:
        """The headline sentence with the caveat right beside it, then the score in words or why not."""
        content, pdf = self.content, self.pdf
        self.paragraph(content.headline, bold=True, size=14)
        if content.caveat:
            pdf.ln(1)
            pdf.set_fill_color(*CAVEAT_FILL)
            pdf.set_font(FONT, "B", SMALL_PT + 0.5)
            pdf.multi_cell(
                0,
                4.6,
                f"{content.badge}. {plain_text(content.caveat)}",
                fill=True,
                align="L",
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.set_font(FONT, size=BODY_PT)
        pdf.ln(2)
        if content.scored:
            self.paragraph(content.explanation)
            return
        self.paragraph(content.withheld_title, bold=True)
        if content.withheld_lead:
            self.paragraph(content.withheld_lead)
        self.bullets(content.reasons)
        if content.advice:
            self.paragraph("What to change:", bold=True)
            self.bullets(content.advice)

    def feedback_block(self) -> None:
        if not self.content.feedback_shown:
            return
        self.heading("Feedback, most important first")
        if not self.content.feedback:
            self.paragraph("No feedback items: every metric is within the expert range.")
        for i, item in enumerate(self.content.feedback, start=1):
            self.paragraph(f"{i}. {item.message}", bold=True)
            self.paragraph(f"Tip: {item.tip}")
            if item.evidence:
                self.paragraph(item.evidence, size=SMALL_PT)
            self.pdf.ln(1)

    def table_block(self, title: str, table: tuple[list[str], list[list[Any]]]) -> None:
        """A table that continues over as many pages as it needs, headings repeated on each."""
        from fpdf.fonts import FontFace

        headers, rows = table
        self.heading(title)
        if not rows:
            self.paragraph("None.")
            return
        widths = METRIC_COLUMNS if len(headers) == len(METRIC_COLUMNS) else None
        self.pdf.set_font(FONT, size=SMALL_PT)
        with self.pdf.table(
            col_widths=widths,
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 238, 243)),
            line_height=4.2,
            text_align="LEFT",
            repeat_headings=1,
        ) as pdf_table:
            for row in [headers, *rows]:
                cells = pdf_table.row()
                for value in row:
                    cells.cell(str(value))
        self.pdf.set_font(FONT, size=BODY_PT)
        self.pdf.ln(3)

    def figure_block(self, png: bytes, caption: str) -> None:
        """A picture scaled to the page width (and at most MAX_FIGURE_SHARE of its height), caption below."""
        pdf = self.pdf
        width_px, height_px = png_size(png)
        width = pdf.epw
        height = width * height_px / max(width_px, 1)
        max_height = MAX_FIGURE_SHARE * pdf.eph
        if height > max_height:
            width, height = width * max_height / height, max_height
        if pdf.will_page_break(height + 12):
            pdf.add_page()
        x = pdf.l_margin + (pdf.epw - width) / 2
        pdf.image(io.BytesIO(png), x=x, y=pdf.get_y(), w=width, h=height)
        pdf.set_y(pdf.get_y() + height + 1)
        pdf.set_font(FONT, size=SMALL_PT)
        pdf.set_text_color(90)
        pdf.multi_cell(0, 4, caption, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
        pdf.set_font(FONT, size=BODY_PT)
        pdf.ln(3)

    def list_block(self, title: str, lines: list[str]) -> None:
        self.heading(title)
        self.bullets([plain_text(line) for line in lines] or ["–"])

    def to_bytes(self) -> bytes:
        return bytes(self.pdf.output())
