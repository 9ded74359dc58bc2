"""The demo newsroom's pictures, drawn with Pillow at load time so the repository carries no
image files: section illustrations (a gradient, a motif and the section's name) and author
portraits (initials on a coloured circle)."""

from __future__ import annotations

import io
import math
import random
import re
from functools import lru_cache

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

IMAGE_SIZE = (1200, 675)
AVATAR_SIZE = (400, 400)
RGB = tuple[int, int, int]
SUPERSAMPLE = 2  # draw at twice the size and scale down: smooth edges without antialiasing


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):  # Pillow without FreeType: small bitmap font
        return ImageFont.load_default()


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    red, green, blue = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return red, green, blue


def _rgba(colour: RGB, alpha: int) -> tuple[int, int, int, int]:
    return (*colour[:3], alpha)


def render_illustration(motif: str, label: str, colours: tuple[RGB, RGB], *,
                        seed: str) -> bytes:
    """A 1200x675 JPEG: a gradient, a motif drawn from ``seed`` and the section name."""
    rng = random.Random(seed)
    w, h = IMAGE_SIZE
    dark, light = colours
    dark = _mix(dark, (0, 0, 0), rng.uniform(0, 0.25))
    light = _mix(light, (255, 255, 255), rng.uniform(0, 0.2))
    # A tilted gradient: rotate a larger square and keep its middle, so no corner is left bare.
    mask = (PILImage.linear_gradient("L").resize((512, 512)).rotate(rng.uniform(-35, 35))
            .crop((128, 128, 384, 384)).resize((w, h)))
    image = PILImage.composite(PILImage.new("RGB", (w, h), dark),
                               PILImage.new("RGB", (w, h), light), mask)
    # The motif is drawn at twice the size and scaled down, for smooth edges. (Drawing onto an
    # RGB image in "RGBA" mode blends the translucent shapes.)
    s = SUPERSAMPLE
    image = image.resize((w * s, h * s), PILImage.Resampling.NEAREST)
    MOTIFS.get(motif, _draw_waves)(ImageDraw.Draw(image, "RGBA"), w * s, h * s, rng, dark, light)
    image = image.reduce(s)
    draw = ImageDraw.Draw(image, "RGBA")
    band = h - 120
    draw.rectangle((0, band, w, h), fill=(0, 0, 0, 110))
    draw.text((48, band + 22), label.upper(), font=_font(44), fill=(255, 255, 255))
    small = _font(20)
    text = "GAZETTE DEMO"
    width = draw.textlength(text, font=small)
    draw.text((w - 48 - width, band + 44), text, font=small, fill=(255, 255, 255, 200))
    return _jpeg(image)


def render_avatar(name: str, colour: tuple[int, int, int]) -> bytes:
    """A 400x400 JPEG portrait placeholder: initials on a coloured circle."""
    s = SUPERSAMPLE
    w, h = AVATAR_SIZE[0] * s, AVATAR_SIZE[1] * s
    image = PILImage.new("RGB", (w, h), _mix(colour, (255, 255, 255), 0.82))
    draw = ImageDraw.Draw(image, "RGBA")
    margin = 24 * s
    draw.ellipse((margin, margin, w - margin, h - margin), fill=colour)
    draw.ellipse((margin, margin, w - margin, h - margin), outline=(255, 255, 255, 90),
                 width=6 * s)
    initials = "".join(part[0] for part in re.split(r"[\s-]+", name) if part)[:2].upper()
    font = _font(150 * s)
    left, top, right, bottom = draw.textbbox((0, 0), initials, font=font)
    draw.text(((w - (right - left)) / 2 - left, (h - (bottom - top)) / 2 - top), initials,
              font=font, fill=(255, 255, 255))
    return _jpeg(image.reduce(s))


def _jpeg(image: PILImage.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _draw_globe(draw: ImageDraw.ImageDraw, w: int, h: int, rng: random.Random, dark: RGB,
                light: RGB) -> None:
    cx, cy, r = w * rng.uniform(0.62, 0.74), h * 0.47, h * rng.uniform(0.3, 0.36)
    line = (255, 255, 255, 150)
    width = max(2, w // 600)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_rgba(light, 70), outline=line,
                 width=width * 2)
    for k in range(1, 5):
        rx = r * math.cos(k * math.pi / 10)
        draw.ellipse((cx - rx, cy - r, cx + rx, cy + r), outline=(255, 255, 255, 80), width=width)
    for latitude in (-60, -30, 0, 30, 60):
        y = cy + r * math.sin(math.radians(latitude))
        half = r * math.cos(math.radians(latitude))
        draw.line((cx - half, y, cx + half, y), fill=(255, 255, 255, 80), width=width)
    points = []
    start, end = (w * 0.08, h * rng.uniform(0.5, 0.7)), (cx - r * 0.3, cy - r * 0.2)
    control = (w * 0.35, h * 0.1)
    for i in range(41):
        t = i / 40
        points.append(((1 - t) ** 2 * start[0] + 2 * (1 - t) * t * control[0] + t * t * end[0],
                       (1 - t) ** 2 * start[1] + 2 * (1 - t) * t * control[1] + t * t * end[1]))
    for a, b in zip(points[::2], points[1::2], strict=False):
        draw.line((a, b), fill=(255, 240, 200, 220), width=width * 2)
    for _ in range(9):
        angle, dist = rng.uniform(0, 2 * math.pi), r * math.sqrt(rng.random()) * 0.9
        x, y, dot = cx + dist * math.cos(angle), cy + dist * math.sin(angle), w / 300
        draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=(255, 240, 200, 230))


def _draw_columns(draw: ImageDraw.ImageDraw, w: int, h: int, rng: random.Random, dark: RGB,
                  light: RGB) -> None:
    sun = h * 0.2
    sx, sy = w * rng.uniform(0.55, 0.8), h * 0.28
    draw.ellipse((sx - sun, sy - sun, sx + sun, sy + sun), fill=(255, 236, 200, 120))
    stone = _rgba(_mix(dark, (0, 0, 0), 0.3), 215)
    left, right, ground = w * 0.3, w * 0.92, h * 0.8
    count = rng.choice((6, 7, 8))
    for step in range(3):
        inset = step * w * 0.012
        y = ground - step * h * 0.025
        draw.rectangle((left + inset, y - h * 0.025, right - inset, y), fill=stone)
    top, base = h * 0.36, ground - 3 * h * 0.025
    span = (right - left - w * 0.08) / count
    for i in range(count):
        x = left + w * 0.04 + i * span + span * 0.2
        draw.rectangle((x, top, x + span * 0.6, base), fill=stone)
        draw.rectangle((x + span * 0.08, top, x + span * 0.14, base), fill=(255, 255, 255, 35))
    draw.rectangle((left + w * 0.02, top - h * 0.06, right - w * 0.02, top), fill=stone)
    draw.polygon([(left, top - h * 0.06), (right, top - h * 0.06),
                  ((left + right) / 2, top - h * 0.2)], fill=stone)
    draw.rectangle((0, ground, w, h), fill=_rgba(dark, 160))


def _draw_chart(draw: ImageDraw.ImageDraw, w: int, h: int, rng: random.Random, dark: RGB,
                light: RGB) -> None:
    left, right, top, bottom = w * 0.08, w * 0.92, h * 0.12, h * 0.78
    for i in range(6):
        y = top + (bottom - top) * i / 5
        draw.line((left, y, right, y), fill=(255, 255, 255, 45), width=max(2, w // 800))
    count = rng.randint(9, 14)
    value, values = rng.uniform(0.3, 0.6), []
    for _ in range(count):
        value = min(0.95, max(0.1, value + rng.uniform(-0.15, 0.18)))
        values.append(value)
    slot = (right - left) / count
    points = []
    for i, v in enumerate(values):
        x = left + i * slot
        y = bottom - (bottom - top) * v
        draw.rectangle((x + slot * 0.18, y, x + slot * 0.82, bottom), fill=_rgba(light, 150))
        points.append((x + slot / 2, y - (bottom - top) * 0.08))
    draw.line(points, fill=(255, 245, 210, 230), width=max(3, w // 300), joint="curve")
    dot = w / 260
    for x, y in points:
        draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=(255, 245, 210, 255))
    draw.line((left, bottom, right, bottom), fill=(255, 255, 255, 160), width=max(2, w // 600))


def _draw_waves(draw: ImageDraw.ImageDraw, w: int, h: int, rng: random.Random, dark: RGB,
                light: RGB) -> None:
    sun = h * rng.uniform(0.12, 0.18)
    sx, sy = w * rng.uniform(0.55, 0.8), h * rng.uniform(0.22, 0.35)
    draw.ellipse((sx - sun, sy - sun, sx + sun, sy + sun), fill=(255, 214, 150, 210))
    layers = 5
    for i in range(layers):
        base = h * (0.5 + i * 0.085)
        amplitude = h * rng.uniform(0.015, 0.045)
        frequency = rng.uniform(1.5, 3.5) * 2 * math.pi / w
        phase = rng.uniform(0, 2 * math.pi)
        step = max(4, w // 200)
        points = [(x, base + amplitude * math.sin(x * frequency + phase))
                  for x in range(0, w + step, step)]
        colour = _mix(light, dark, (i + 1) / (layers + 1))
        draw.polygon([*points, (w, h), (0, h)], fill=_rgba(colour, 190))


def _draw_circuit(draw: ImageDraw.ImageDraw, w: int, h: int, rng: random.Random, dark: RGB,
                  light: RGB) -> None:
    grid = w // 16
    width = max(3, w // 400)
    columns, rows = w // grid, h // grid
    for _ in range(22):
        x, y = rng.randrange(1, columns), rng.randrange(1, rows)
        points = [(x * grid, y * grid)]
        for _ in range(rng.randint(2, 6)):
            dx, dy = rng.choice(((1, 0), (1, 0), (0, 1), (0, -1), (1, 1), (1, -1)))
            length = rng.randint(1, 3)
            x, y = min(columns, x + dx * length), min(rows - 1, max(1, y + dy * length))
            points.append((x * grid, y * grid))
        colour = (255, 255, 255, 120) if rng.random() < 0.6 else _rgba(light, 220)
        draw.line(points, fill=colour, width=width, joint="curve")
        for px, py in (points[0], points[-1]):
            dot = grid * 0.16
            draw.ellipse((px - dot, py - dot, px + dot, py + dot), fill=_rgba(light, 240),
                         outline=(255, 255, 255, 200), width=width)
    chip = grid * 2.2
    cx, cy = w * rng.uniform(0.55, 0.75), h * 0.42
    draw.rounded_rectangle((cx - chip, cy - chip * 0.7, cx + chip, cy + chip * 0.7),
                           radius=grid * 0.3, fill=_rgba(dark, 230), outline=_rgba(light, 255),
                           width=width * 2)


def _draw_bubbles(draw: ImageDraw.ImageDraw, w: int, h: int, rng: random.Random, dark: RGB,
                  light: RGB) -> None:
    for i in range(4):
        bw, bh = w * rng.uniform(0.22, 0.34), h * rng.uniform(0.18, 0.28)
        x = w * (0.1 + 0.2 * i + rng.uniform(-0.04, 0.04))
        y = h * rng.uniform(0.1, 0.45)
        fill = (255, 255, 255, 150) if i % 2 else _rgba(light, 200)
        draw.rounded_rectangle((x, y, x + bw, y + bh), radius=bh * 0.25, fill=fill)
        tail_x = x + bw * (0.25 if i % 2 else 0.7)
        draw.polygon([(tail_x, y + bh - 2), (tail_x + bw * 0.1, y + bh - 2),
                      (tail_x + (bw * 0.02 if i % 2 else bw * 0.14), y + bh + bh * 0.3)],
                     fill=fill)
        for line in range(3):
            ly = y + bh * (0.25 + line * 0.2)
            length = bw * (0.75 if line < 2 else 0.45)
            draw.rounded_rectangle((x + bw * 0.1, ly, x + bw * 0.1 + length, ly + bh * 0.08),
                                   radius=bh * 0.04, fill=_rgba(dark, 110))


def _draw_skyline(draw: ImageDraw.ImageDraw, w: int, h: int, rng: random.Random, dark: RGB,
                  light: RGB) -> None:
    water = h * 0.74
    sun = h * 0.14
    sx = w * rng.uniform(0.15, 0.4)
    draw.ellipse((sx - sun, h * 0.3 - sun, sx + sun, h * 0.3 + sun), fill=(255, 220, 170, 170))
    building = _rgba(_mix(dark, (0, 0, 0), 0.35), 235)
    x = 0.0
    while x < w * 0.78:
        bw, bh = w * rng.uniform(0.035, 0.08), h * rng.uniform(0.12, 0.42)
        draw.rectangle((x, water - bh, x + bw, water), fill=building)
        for wy in range(int(water - bh + h * 0.03), int(water - h * 0.02), int(h * 0.045)):
            for wx in range(int(x + bw * 0.15), int(x + bw * 0.8), int(bw * 0.3) or 1):
                if rng.random() < 0.45:
                    draw.rectangle((wx, wy, wx + bw * 0.12, wy + h * 0.015),
                                   fill=(255, 230, 170, 170))
        x += bw + w * rng.uniform(0.002, 0.012)
    width = max(3, w // 400)
    for crane in range(2):
        cx = w * (0.83 + crane * 0.08)
        top = water - h * rng.uniform(0.38, 0.5)
        draw.line((cx, water, cx, top), fill=building, width=width * 2)
        draw.line((cx - w * 0.05, top + h * 0.02, cx + w * 0.06, top + h * 0.02), fill=building,
                  width=width * 2)
        draw.line((cx + w * 0.04, top + h * 0.02, cx + w * 0.04, top + h * 0.2), fill=building,
                  width=width)
    draw.rectangle((0, water, w, h), fill=_rgba(dark, 200))
    for i in range(8):
        y = water + (h - water) * (i + 0.5) / 8
        draw.line((w * rng.uniform(0, 0.3), y, w * rng.uniform(0.5, 1), y),
                  fill=_rgba(light, 70), width=width)


MOTIFS = {
    "globe": _draw_globe,
    "columns": _draw_columns,
    "chart": _draw_chart,
    "waves": _draw_waves,
    "circuit": _draw_circuit,
    "bubbles": _draw_bubbles,
    "skyline": _draw_skyline,
}


# --- Search index, cache, output ----------------------------------------------------------------
