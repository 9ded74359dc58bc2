"""Avatars made here, from the salted key of a commenter's email: an identicon as inline SVG.

No request to Gravatar or anyone else, and nothing in the page from which the email or its key
could be read back: the picture is drawn from a further hash of the key, 15 bits of pattern and
a hue, the same for every comment of one commenter.
"""

from __future__ import annotations

import colorsys
import hashlib

from django.utils.safestring import SafeString, mark_safe

GRID = 5
SIZE = 40
NEUTRAL = "#9aa0a6"


def _colour(hue: int) -> str:
    # A mid lightness that reads on the light and the dark theme alike.
    red, green, blue = colorsys.hls_to_rgb(hue / 360, 0.45, 0.55)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def identicon(email_key: str, size: int = SIZE) -> SafeString:
    """An SVG identicon for ``email_key`` (a neutral disc for a commenter without an email)."""
    frame = (f'<svg class="avatar" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {GRID} {GRID}"'
             f' width="{size}" height="{size}" aria-hidden="true" focusable="false">')
    if not email_key:
        return mark_safe(f'{frame}<circle cx="2.5" cy="2.5" r="2.5" fill="{NEUTRAL}"/></svg>')
    digest = hashlib.sha256(b"gazette-avatar\0" + email_key.encode()).digest()
    bits = int.from_bytes(digest[:4], "big")
    hue = int.from_bytes(digest[4:6], "big") % 360
    cells = []
    # Left three columns from the bits, mirrored onto the right two.
    for column in range(3):
        for row in range(GRID):
            if bits & 1:
                cells.append((column, row))
                if column < 2:
                    cells.append((GRID - 1 - column, row))
            bits >>= 1
    rects = "".join(f'<rect x="{x}" y="{y}" width="1" height="1"/>' for x, y in sorted(cells))
    return mark_safe(f'{frame}<rect width="{GRID}" height="{GRID}" fill="#eef0f2"/>'
                     f'<g fill="{_colour(hue)}">{rects}</g></svg>')
