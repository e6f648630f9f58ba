"""The certificate as a PDF: ReportLab draws it, segno makes its QR code.

Both are pure Python, so a fresh machine needs nothing else. The text is set in
DejaVu Sans (the `dejavu-fonts-ttf` npm package, COURSES_CERTIFICATE_FONT_DIR),
which covers the names people have in Latin, Greek and Cyrillic scripts; the PDF
embeds the letters it uses. The QR code is drawn as vector squares, so it stays
sharp at any print size.
"""

import io
import logging
from pathlib import Path

import segno
from django.conf import settings
from django.utils import timezone
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from core.formatting import format_day
from core.links import absolute_url

from .models import Certificate

logger = logging.getLogger(__name__)

GREEN = HexColor("#2f6b5e")
INK = HexColor("#1f2a2e")
GREY = HexColor("#5b6770")
SAND = HexColor("#f4efe6")
FONTS = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
_registered: dict[str, str] = {}


def _fonts() -> dict[str, str]:
    """The font names to draw with, registered with ReportLab once."""
    if not _registered:
        folder = Path(settings.COURSES_CERTIFICATE_FONT_DIR)
        try:
            for role, filename in FONTS.items():
                name = f"Certificate-{role}"
                pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
                _registered[role] = name
        except Exception:  # ReportLab raises its own TTFError or OSError
            # Still a certificate, but only Western European letters print.
            logger.warning(
                "Certificate fonts not found in %s; using Helvetica.", folder
            )
            _registered.update(regular="Helvetica", bold="Helvetica-Bold")
    return _registered


def _centred(canvas: Canvas, text: str, y: float, font: str, size: float, width):
    """Draw `text` centred at height `y`, shrunk to fit the page if it is long."""
    while size > 8 and pdfmetrics.stringWidth(text, font, size) > width - 40 * mm:
        size -= 1
    canvas.setFont(font, size)
    canvas.drawCentredString(width / 2, y, text)


def _qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    code = segno.make(url, error="m")
    rows = list(code.matrix_iter(scale=1, border=2))
    module = size / len(rows)
    canvas.setFillColor(HexColor("#ffffff"))
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(INK)
    path = canvas.beginPath()
    for row_index, row in enumerate(rows):
        top = y + size - (row_index + 1) * module
        for column, dark in enumerate(row):
            if dark:
                path.rect(x + column * module, top, module, module)
    canvas.drawPath(path, stroke=0, fill=1)


def certificate_pdf(certificate: Certificate) -> bytes:
    """The PDF the graduate downloads and prints (A4, landscape)."""
    fonts = _fonts()
    regular, bold = fonts["regular"], fonts["bold"]
    width, height = landscape(A4)
    buffer = io.BytesIO()
    # invariant: no creation time inside, so the same certificate is the same file.
    canvas = Canvas(buffer, pagesize=(width, height), invariant=True)
    canvas.setTitle(f"Certificate {certificate.number}: {certificate.full_name}")
    canvas.setAuthor(settings.SITE_NAME)
    canvas.setSubject(f"{certificate.course_title}, {certificate.dates_display}")

    canvas.setFillColor(SAND)
    canvas.rect(0, 0, width, height, stroke=0, fill=1)
    canvas.setStrokeColor(GREEN)
    canvas.setLineWidth(3)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    canvas.setLineWidth(0.8)
    canvas.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)

    canvas.setFillColor(GREEN)
    _centred(canvas, settings.SITE_NAME, height - 38 * mm, bold, 15, width)
    canvas.setFillColor(INK)
    _centred(canvas, "Certificate of completion", height - 58 * mm, bold, 30, width)
    canvas.setFillColor(GREY)
    _centred(canvas, "This is to certify that", height - 75 * mm, regular, 13, width)
    canvas.setFillColor(INK)
    _centred(canvas, certificate.full_name, height - 92 * mm, bold, 28, width)
    canvas.setFillColor(GREY)
    _centred(canvas, "has completed", height - 106 * mm, regular, 13, width)
    canvas.setFillColor(INK)
    _centred(canvas, certificate.course_title, height - 120 * mm, bold, 20, width)
    _centred(
        canvas,
        f"{certificate.venue_town}, {certificate.dates_display} · "
        f"{certificate.hours} teaching hours",
        height - 131 * mm,
        regular,
        12,
        width,
    )
    techniques = ", ".join(t.name for t in certificate.techniques.all())
    if techniques:
        _centred(
            canvas, f"Techniques: {techniques}", height - 141 * mm, regular, 12, width
        )

    url = absolute_url(certificate.get_absolute_url())
    qr_size = 32 * mm
    _qr(canvas, url, width - 22 * mm - qr_size, 22 * mm, qr_size)
    canvas.setFillColor(INK)
    canvas.setFont(bold, 11)
    canvas.drawString(24 * mm, 40 * mm, f"Certificate number {certificate.number}")
    canvas.setFont(regular, 10)
    issued = timezone.localdate(certificate.issued_at)
    canvas.drawString(24 * mm, 34 * mm, f"Issued {format_day(issued)}")
    canvas.setFillColor(GREY)
    canvas.drawString(24 * mm, 26 * mm, f"Check this certificate at {url}")
    canvas.drawRightString(
        width - 22 * mm - qr_size - 4 * mm, 24 * mm, "Scan to check it"
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
