"""QR codes for printed notice boards, as inline SVG (segno: a kept, dependency-free encoder;
inline so a printed page needs no extra request)."""
from __future__ import annotations

import segno


def qr_svg(url: str, label: str) -> str:
    """An <svg> pointing at url. `label` becomes the accessible title. Both are escaped by segno."""
    code = segno.make(url, error="m", micro=False)
    # omitsize: a viewBox and no width/height, so CSS sizes it (small on screen, 4 cm on paper)
    return code.svg_inline(scale=4, border=2, title=label, svgclass="qr", omitsize=True)
