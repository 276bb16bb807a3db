"""A minimal PDF 1.4 writer for text documents (Helvetica, WinAnsi encoding: æ, ø, å are covered).

No PDF library is in the pinned set; the forklaringsark is plain text and tables, so a small, tested writer
suffices: A4 pages, word wrap by Helvetica character widths, headings in bold.
"""

from __future__ import annotations

# Helvetica advance widths (1/1000 em) for the characters we print; others use the average.
_WIDTHS = {
    " ": 278, ".": 278, ",": 278, ":": 278, "-": 333, "(": 333, ")": 333, "%": 889, "/": 278,
    "i": 222, "l": 222, "j": 222, "t": 278, "f": 278, "r": 333, "I": 278, "m": 833, "w": 722,
    "M": 833, "W": 944, "æ": 889, "Æ": 1000, "ø": 611, "Ø": 778, "å": 556, "Å": 667,
}  # fmt: skip
_AVERAGE = 556
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 595, 842, 56


def _width(text: str, size: float) -> float:
    return sum(_WIDTHS.get(ch, _AVERAGE) for ch in text) * size / 1000


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def wrap(text: str, size: float, width: float) -> list[str]:
    """Split text into lines that fit the width."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = word if not current else f"{current} {word}"
            if _width(candidate, size) <= width or not current:
                current = candidate
            else:
                lines.append(current)
                current = word
        lines.append(current)
    return lines


def render(blocks: list[tuple[str, str]], *, title: str) -> bytes:
    """Render (style, text) blocks, style in {"h1", "h2", "p", "small"}, to PDF bytes."""
    styles = {"h1": ("F2", 16, 22), "h2": ("F2", 12, 18), "p": ("F1", 10, 13), "small": ("F1", 8, 10)}
    pages: list[list[bytes]] = [[]]
    y = PAGE_HEIGHT - MARGIN
    for style, text in blocks:
        font, size, leading = styles[style]
        if style in ("h1", "h2"):
            y -= 6
        for line in wrap(text, size, PAGE_WIDTH - 2 * MARGIN):
            if y < MARGIN + leading:
                pages.append([])
                y = PAGE_HEIGHT - MARGIN
            pages[-1].append(b"BT /%s %d Tf %d %d Td (%s) Tj ET" % (font.encode(), size, MARGIN, int(y), _escape(line)))
            y -= leading
    objects: list[bytes] = []
    # 1 catalog, 2 pages, 3 font regular, 4 font bold, 5 info, then page/content pairs.
    page_ids = [6 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = b" ".join(b"%d 0 R" % pid for pid in page_ids)
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)))
    for base in (b"Helvetica", b"Helvetica-Bold"):
        objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>" % base)
    objects.append(b"<< /Title (%s) /Producer (Kontrol, Koebenhavns Kommune) >>" % _escape(title))
    for index, lines in enumerate(pages):
        footer = b"BT /F1 8 Tf %d 30 Td (%s) Tj ET" % (MARGIN, _escape(f"{title} - side {index + 1} af {len(pages)}"))
        stream = b"\n".join([*lines, footer])
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> "
            b"/Contents %d 0 R >>" % (PAGE_WIDTH, PAGE_HEIGHT, page_ids[index] + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = bytearray(b"%PDF-1.4\n%\xe6\xf8\xe5\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
