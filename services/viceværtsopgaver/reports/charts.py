"""Horizontal bar charts as SVG and PNG (no plotting library needed), and CSV for spreadsheets."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from services.viceværtsopgaver.reports.service import Report

MAX_BARS = 15
BAR_COLOUR = "#1f5f8b"


def _bars(report: Report) -> list[tuple[str, float]]:
    bars = []
    for row in report.rows:
        value = row.get(report.chart_value)
        if isinstance(value, int | float):
            bars.append((str(row.get(report.chart_label, "")), float(value)))
    return bars[:MAX_BARS]


def _number(value: float) -> str:
    text = f"{value:,.1f}" if value % 1 else f"{value:,.0f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def svg(report: Report, *, subtitle: str = "") -> str:
    """The report's main figure as an SVG bar chart."""
    bars = _bars(report)
    width, label_w, row_h, top = 900, 320, 28, 70
    height = top + row_h * max(len(bars), 1) + 30
    peak = max((v for _, v in bars), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="sans-serif">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="20" y="30" font-size="20" font-weight="bold">{escape(report.chart_title)}</text>',
        f'<text x="20" y="52" font-size="13" fill="#555">{escape(subtitle)}</text>',
    ]
    if not bars:
        parts.append(f'<text x="20" y="{top + 20}" font-size="14">Ingen data i perioden.</text>')
    for i, (label, value) in enumerate(bars):
        y = top + i * row_h
        bar_w = (width - label_w - 90) * value / peak
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 18}" font-size="13" text-anchor="end">{escape(label[:45])}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w:.1f}" height="{row_h - 8}" fill="{BAR_COLOUR}"/>'
            f'<text x="{label_w + bar_w + 6:.1f}" y="{y + 18}" font-size="13">{_number(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def png(report: Report, *, subtitle: str = "") -> bytes:
    """The report's main figure as a PNG bar chart."""
    bars = _bars(report)
    width, label_w, row_h, top = 900, 320, 28, 70
    height = top + row_h * max(len(bars), 1) + 30
    peak = max((v for _, v in bars), default=0) or 1
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    title, text, small = (ImageFont.load_default(size=s) for s in (20, 13, 13))
    draw.text((20, 14), report.chart_title, fill="black", font=title)
    draw.text((20, 40), subtitle, fill="#555555", font=small)
    if not bars:
        draw.text((20, top + 6), "Ingen data i perioden.", fill="black", font=text)
    for i, (label, value) in enumerate(bars):
        y = top + i * row_h
        bar_w = (width - label_w - 90) * value / peak
        draw.text((label_w - 8, y + 14), label[:45], fill="black", font=text, anchor="rm")
        draw.rectangle((label_w, y + 4, label_w + max(bar_w, 1), y + row_h - 4), fill=BAR_COLOUR)
        draw.text((label_w + bar_w + 6, y + 14), _number(value), fill="black", font=text, anchor="lm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    text = str(value)
    # Keep spreadsheet programs from reading text as a formula (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(columns: Sequence[tuple[str, str]], rows: Sequence[dict[str, object]]) -> str:
    """CSV as Danish spreadsheets expect it: semicolons, decimal comma, UTF-8 with BOM."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([title for _, title in columns])
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key, _ in columns])
    return "\ufeff" + out.getvalue()
