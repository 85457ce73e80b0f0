"""QR codes of join and team links, drawn here as SVG (the `qrcode` library; nothing is fetched)."""

from __future__ import annotations

import base64
from functools import lru_cache

import qrcode
import qrcode.image.svg


@lru_cache(maxsize=256)
def qr_address(link: str) -> str:
    """A QR code of `link` as an SVG `data:` address for an image (medium error correction, a quiet border)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(link)
    svg = code.make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
