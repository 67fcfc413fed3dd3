"""Barcodes the back office prints: Code 128, which every counter and warehouse scanner reads
(member cards at the till, order numbers on packing slips)."""

import io

import barcode
from barcode.writer import SVGWriter


def barcode_svg(code: str) -> str:
    """`code` as a Code 128 barcode, an SVG document without the XML prologue (ready to inline)."""
    buffer = io.BytesIO()
    barcode.get("code128", code, writer=SVGWriter()).write(
        buffer, options={"module_height": 12.0, "font_size": 8, "text_distance": 4.0, "quiet_zone": 4.0}
    )
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]
