"""Product-like pictures for the demo catalogue, drawn with Pillow (no downloads): cloth
in the corak insang motif, shirts and bags, bottles, cups, coffee pouches, snack boxes and
jars, rattan baskets and souvenirs. Each product gets a drawing of its kind on a soft
background, coloured from its name, so the same name always gives the same picture."""
from __future__ import annotations

import functools
import io
import math
import zlib

from PIL import Image, ImageDraw, ImageFilter

SIZE = 800
THUMB = 400

# Colours of the demo: the river green, equator gold, and the dyes of corak insang cloth.
DYES = [(11, 93, 81), (157, 23, 77), (30, 64, 175), (180, 83, 9), (88, 28, 135), (21, 128, 61), (124, 45, 18)]
GOLD = (242, 183, 5)
CREAM = (250, 244, 230)
KRAFT = (196, 154, 108)
RATTAN = (205, 160, 95)

# (kind, words in the product name that say it), the first match wins.
KINDS = [
    ("shirt", ("kemeja", "blus", "kaos")),
    ("bag", ("tas ",)),
    ("cloth", ("kain", "batik", "tenun", "selendang", "syal")),
    ("basket", ("keranjang", "tatakan", "lampu", "rotan")),
    ("bottle", ("botol", " ml", "liter", "cold brew", "sirup", "minuman")),
    ("cup", ("cup", "jeli", "tumbler", "nata")),
    ("pouch", ("kopi", "teh ", "sachet", "amplang", "kerupuk", "stik")),
    ("jar", ("nastar", "kastengel", "putri salju", "semprit", "toples", "tempoyak")),
    ("box", ("nasi kotak", "snack box", "prasmanan", "bingke", "lempok", "dodol", "pancake", "lapis", "paket")),
    ("souvenir", ("tugu", "plakat", "gantungan", "magnet", "nampan", "miniatur")),
]


def kind_of(name: str) -> str:
    lowered = f" {name.lower()} "
    for kind, words in KINDS:
        if any(word in lowered for word in words):
            return kind
    return "box"


@functools.lru_cache(maxsize=128)
def picture(name: str) -> tuple[bytes, bytes]:
    """(large WebP 800×800, thumbnail WebP 400×400) of a product called ``name``. The same
    name always draws the same picture, so a process keeps what it drew (a test process seeds
    the demo many times; drawing and encoding ~65 pictures is most of a seed's time)."""
    seed = zlib.crc32(name.encode())
    dye = DYES[seed % len(DYES)]
    image = _background(dye)
    draw = ImageDraw.Draw(image)
    DRAWERS[kind_of(name)](image, draw, dye, seed, name.lower())
    return _webp(image), _webp(image.reduce(SIZE // THUMB))


def _webp(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=80, method=0)  # method 0: the demo makes ~70 of them quickly
    return out.getvalue()


def _mix(a, b, t):
    return tuple(int(a[i] + (b[i] - a[i]) * t) for i in range(3))


def _background(dye):
    """A light backdrop tinted by the dye, and a soft floor the object stands on."""
    top, bottom = _mix(dye, (255, 255, 255), 0.88), _mix(dye, (255, 255, 255), 0.74)
    image = Image.new("RGB", (SIZE, SIZE), top)
    draw = ImageDraw.Draw(image)
    for y in range(SIZE // 2, SIZE):
        draw.line((0, y, SIZE, y), fill=_mix(top, bottom, (y - SIZE / 2) / (SIZE / 2)))
    return image


def _shadow(image, box):
    """A blurred ellipse under an object (blurred small, in its own corner of the image)."""
    margin = 40
    x0, y0, x1, y1 = (int(v) for v in box)
    width, height = x1 - x0 + 2 * margin, y1 - y0 + 2 * margin
    layer = Image.new("L", (width // 4, height // 4), 0)
    ImageDraw.Draw(layer).ellipse((margin // 4, margin // 4, (width - margin) // 4, (height - margin) // 4), fill=45)
    layer = layer.filter(ImageFilter.GaussianBlur(4)).resize((width, height), Image.Resampling.BILINEAR)
    image.paste((0, 0, 0), (x0 - margin, y0 - margin), mask=layer)


def insang(draw, box, ground, line, scale=40):
    """The corak insang (fish gill) motif: rows of nested arcs, every other row shifted."""
    x0, y0, x1, y1 = box
    draw.rectangle(box, fill=ground)
    row = 0
    y = y0 - scale // 2
    while y < y1 + scale:
        shift = (scale // 2) if row % 2 else 0
        x = x0 - scale + shift
        while x < x1 + scale:
            for inset, width in ((0, 5), (scale // 4, 3)):
                draw.arc((x + inset, y + inset, x + scale - inset, y + scale - inset), 180, 360,
                         fill=line, width=width)
            x += scale
        y += scale // 2
        row += 1


def _clip_motif(image, mask_shape, ground, line, scale=40):
    """Fill a shape (a function drawing on an L mask) with the insang motif."""
    mask = Image.new("L", image.size, 0)
    mask_shape(ImageDraw.Draw(mask))
    motif = Image.new("RGB", image.size, ground)
    insang(ImageDraw.Draw(motif), (0, 0, SIZE, SIZE), ground, line, scale)
    image.paste(motif, mask=mask)


def draw_cloth(image, draw, dye, seed, name=""):
    """A folded length of cloth: a large panel, a fold over it, gold borders and fringe."""
    _shadow(image, (150, 640, 650, 720))
    _clip_motif(image, lambda m: m.polygon([(170, 170), (630, 150), (650, 660), (150, 680)], fill=255),
                dye, GOLD, scale=44 + seed % 12)
    draw.line([(170, 170), (630, 150)], fill=GOLD, width=14)
    draw.line([(150, 680), (650, 660)], fill=GOLD, width=14)
    for i in range(21):  # fringe
        x = 155 + i * 24.5
        draw.line([(x, 682 - i), (x - 4, 720 - i)], fill=_mix(dye, (0, 0, 0), 0.2), width=5)
    fold = _mix(dye, (255, 255, 255), 0.25)
    _clip_motif(image, lambda m: m.polygon([(420, 158), (640, 148), (655, 520), (470, 430)], fill=255),
                fold, _mix(GOLD, (255, 255, 255), 0.2), scale=36)
    draw.line([(420, 158), (470, 430), (655, 520)], fill=_mix(dye, (0, 0, 0), 0.35), width=6)


def draw_shirt(image, draw, dye, seed, name=""):
    _shadow(image, (190, 660, 610, 730))
    outline = [(300, 150), (360, 180), (440, 180), (500, 150), (640, 230), (590, 360), (540, 330), (540, 690),
               (260, 690), (260, 330), (210, 360), (160, 230)]
    _clip_motif(image, lambda m: m.polygon(outline, fill=255), dye, GOLD, scale=42)
    draw.line(outline + [outline[0]], fill=_mix(dye, (0, 0, 0), 0.4), width=6)
    draw.polygon([(360, 180), (400, 260), (440, 180)], fill=CREAM)  # collar opening
    draw.line([(400, 260), (400, 690)], fill=_mix(dye, (0, 0, 0), 0.4), width=4)
    for y in range(300, 680, 70):
        draw.ellipse((393, y, 407, y + 14), fill=CREAM)


def draw_bag(image, draw, dye, seed, name=""):
    _shadow(image, (170, 650, 630, 730))
    draw.arc((280, 150, 520, 420), 180, 360, fill=_mix(dye, (0, 0, 0), 0.3), width=26)
    _clip_motif(image, lambda m: m.rounded_rectangle((180, 290, 620, 690), 30, fill=255), dye, GOLD, scale=46)
    draw.rounded_rectangle((180, 290, 620, 690), 30, outline=_mix(dye, (0, 0, 0), 0.4), width=6)
    draw.rectangle((180, 290, 620, 350), fill=_mix(dye, (0, 0, 0), 0.25))


def draw_bottle(image, draw, dye, seed, name=""):
    """Two bottles, a tall one and a short one, with labels."""
    coffee = "kopi" in name or "brew" in name
    glass = _mix((90, 50, 20), (255, 255, 255), 0.15) if coffee else (235, 245, 240)
    drink = (70, 40, 20) if coffee else _mix(dye, (255, 255, 255), 0.35)
    for x, top, width in ((250, 150, 190), (470, 300, 150)):
        _shadow(image, (x - 20, 680, x + width + 20, 730))
        neck = width // 3
        cx = x + width // 2
        draw.rounded_rectangle((cx - neck // 2, top, cx + neck // 2, top + 110), 10, fill=glass,
                               outline=(120, 120, 120), width=3)
        draw.rectangle((cx - neck // 2 - 4, top - 30, cx + neck // 2 + 4, top), fill=GOLD)
        draw.rounded_rectangle((x, top + 100, x + width, 700), 40, fill=glass, outline=(120, 120, 120), width=3)
        draw.rounded_rectangle((x + 10, top + 200, x + width - 10, 690), 32, fill=drink)
        label_top = top + 260
        draw.rectangle((x, label_top, x + width, label_top + 150), fill=CREAM)
        draw.rectangle((x, label_top + 10, x + width, label_top + 26), fill=dye)
        draw.ellipse((cx - 30, label_top + 50, cx + 30, label_top + 110), outline=dye, width=6)
        draw.rectangle((x + 16, top + 110, x + 30, 660), fill=(255, 255, 255))  # glint


def draw_cup(image, draw, dye, seed, name=""):
    """Three cups with sealed lids."""
    jelly = _mix(dye, (255, 255, 255), 0.45)
    for i, (x, y) in enumerate(((170, 380), (440, 380), (305, 250))):
        _shadow(image, (x - 10, y + 300, x + 200, y + 340)) if y > 300 else None
        draw.polygon([(x, y), (x + 190, y), (x + 165, y + 300), (x + 25, y + 300)], fill=(240, 248, 245),
                     outline=(130, 130, 130))
        draw.polygon([(x + 8, y + 80), (x + 182, y + 80), (x + 165, y + 295), (x + 25, y + 295)], fill=jelly)
        for k in range(6):
            cx, cy = x + 50 + (k * 37) % 110, y + 130 + (k * 53) % 140
            draw.rectangle((cx, cy, cx + 22, cy + 22), fill=(255, 255, 255))
        draw.ellipse((x - 8, y - 22, x + 198, y + 22), fill=GOLD if i != 1 else dye)


def draw_pouch(image, draw, dye, seed, name=""):
    """A stand-up pouch (coffee, snacks) with a window and a zip."""
    _shadow(image, (200, 660, 600, 730))
    draw.polygon([(230, 170), (570, 170), (600, 690), (200, 690)], fill=dye)
    draw.rectangle((230, 170, 570, 205), fill=_mix(dye, (0, 0, 0), 0.3))
    for x in range(240, 565, 22):
        draw.line([(x, 170), (x + 11, 160)], fill=_mix(dye, (0, 0, 0), 0.3), width=5)
    draw.rounded_rectangle((290, 270, 510, 420), 20, fill=CREAM)
    draw.rectangle((290, 300, 510, 318), fill=GOLD)
    window = (110, 70, 40) if "kopi" in name else (230, 190, 120)  # beans or crackers
    draw.ellipse((320, 470, 480, 620), fill=CREAM)
    for k in range(9):
        cx, cy = 345 + (k * 41) % 110, 495 + (k * 29) % 100
        draw.ellipse((cx, cy, cx + 28, cy + 20), fill=window)


def draw_jar(image, draw, dye, seed, name=""):
    """Two toples of biscuits."""
    biscuit = (222, 170, 90)
    for x, top, width in ((180, 260, 240), (420, 340, 200)):
        _shadow(image, (x - 10, 690, x + width + 10, 735))
        draw.rounded_rectangle((x + 15, top - 60, x + width - 15, top), 14, fill=dye)
        draw.rounded_rectangle((x, top, x + width, 700), 30, fill=(236, 246, 246), outline=(150, 150, 150), width=3)
        for row in range(6):
            for col in range(4):
                cx = x + 25 + col * (width - 50) / 3.5
                cy = top + 40 + row * 58
                if cy + 40 < 690:
                    draw.ellipse((cx, cy, cx + 42, cy + 38), fill=biscuit, outline=(180, 120, 50), width=2)
        draw.rectangle((x, top + 130, x + width, top + 210), fill=CREAM)
        draw.rectangle((x, top + 140, x + width, top + 152), fill=GOLD)


def draw_box(image, draw, dye, seed, name=""):
    """A kraft box with an open lid showing what is inside, tied with a ribbon."""
    _shadow(image, (150, 650, 650, 735))
    draw.polygon([(150, 330), (650, 330), (650, 690), (150, 690)], fill=KRAFT)
    draw.polygon([(150, 330), (250, 210), (750, 210), (650, 330)], fill=_mix(KRAFT, (255, 255, 255), 0.25))
    draw.polygon([(650, 330), (750, 210), (750, 570), (650, 690)], fill=_mix(KRAFT, (0, 0, 0), 0.2))
    # what is inside, seen over the front edge
    food = [(230, 150, 70), (120, 170, 80), (240, 210, 150), (180, 60, 40)]
    for k in range(5):
        cx = 220 + k * 95
        draw.ellipse((cx, 250, cx + 110, 340), fill=food[(seed + k) % len(food)])
    draw.rectangle((150, 330, 650, 690), fill=KRAFT)
    draw.rectangle((370, 330, 430, 690), fill=dye)  # ribbon
    draw.rectangle((150, 470, 650, 520), fill=dye)
    draw.ellipse((360, 455, 440, 535), fill=GOLD)
    draw.rounded_rectangle((200, 560, 340, 640), 10, fill=CREAM)


def draw_basket(image, draw, dye, seed, name=""):
    """A woven rattan basket with a handle."""
    _shadow(image, (150, 660, 650, 735))
    draw.arc((230, 130, 570, 560), 180, 360, fill=_mix(RATTAN, (0, 0, 0), 0.3), width=28)
    basket = [(150, 340), (650, 340), (590, 700), (210, 700)]
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).polygon(basket, fill=255)
    weave = Image.new("RGB", image.size, RATTAN)
    w = ImageDraw.Draw(weave)
    for y in range(340, 700, 36):
        for x in range(140, 660, 48):
            offset = 24 if (y // 36) % 2 else 0
            w.rounded_rectangle((x + offset, y + 4, x + offset + 40, y + 30), 10,
                                fill=_mix(RATTAN, (255, 255, 255), 0.2), outline=_mix(RATTAN, (0, 0, 0), 0.35))
    image.paste(weave, mask=mask)
    draw.rounded_rectangle((140, 320, 660, 360), 18, fill=_mix(RATTAN, (0, 0, 0), 0.25))
    draw.rectangle((150, 560, 650, 590), fill=dye)


def draw_souvenir(image, draw, dye, seed, name=""):
    """The Tugu Khatulistiwa on a wooden plaque."""
    wood = (150, 95, 50)
    _shadow(image, (160, 660, 640, 735))
    draw.rounded_rectangle((170, 560, 630, 700), 16, fill=wood)
    draw.rectangle((190, 580, 610, 600), fill=_mix(wood, (255, 255, 255), 0.25))
    pillar = _mix(dye, (0, 0, 0), 0.1)
    for x in (300, 360, 420, 480):
        draw.rectangle((x, 300, x + 22, 560), fill=pillar)
    draw.ellipse((330, 170, 470, 310), outline=GOLD, width=12)  # the globe
    draw.line([(400, 160), (400, 320)], fill=GOLD, width=8)
    draw.line([(320, 240), (480, 240)], fill=GOLD, width=8)
    draw.polygon([(395, 110), (405, 110), (420, 175), (380, 175)], fill=GOLD)  # the arrow
    for angle in range(0, 360, 45):
        r = math.radians(angle)
        draw.line([(400, 240), (400 + 60 * math.cos(r), 240 + 60 * math.sin(r))], fill=GOLD, width=2)


DRAWERS = {
    "cloth": draw_cloth, "shirt": draw_shirt, "bag": draw_bag, "bottle": draw_bottle, "cup": draw_cup,
    "pouch": draw_pouch, "jar": draw_jar, "box": draw_box, "basket": draw_basket, "souvenir": draw_souvenir,
}
