"""Demo data: a small Zeitz collection — Museum Schloss Moritzburg with the Deutsches Kinderwagenmuseum,
the Stadtarchiv Zeitz (charters, maps, photographs) — with synthetic images drawn here (no downloads).

Idempotent: objects are found by inventory number and only created (and tiled) when missing.
"""

from __future__ import annotations

import io
import math
import random
from typing import Any

from rathaus.core.tenancy.models import Municipality
from rathaus.demo.registry import demo_step

from . import services
from .models import Collection, HeritageObject, Status

MUSEUM = "Museum Schloss Moritzburg Zeitz"
ARCHIVE = "Stadtarchiv Zeitz"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
PDM = "http://creativecommons.org/publicdomain/mark/1.0/"
BY = "http://creativecommons.org/licenses/by/4.0/"
BY_SA = "http://creativecommons.org/licenses/by-sa/4.0/"
INC = "http://rightsstatements.org/vocab/InC/1.0/"
ZEITZ = {"label": "Zeitz"}

# (collection key, inventory, type, title de, title en, dating, actors, materials, subjects, rights, status,
#  drawing)
OBJECTS: list[tuple[Any, ...]] = [
    (
        "museum",
        "MSM-G-001",
        "painting",
        "Bildnis Herzog Moritz von Sachsen-Zeitz",
        "Portrait of Duke Moritz of Saxe-Zeitz",
        "um 1670",
        [("unbekannter Hofmaler", "Maler")],
        ["Leinwand", "Ölfarbe"],
        ["Porträt", "Herzogtum Sachsen-Zeitz"],
        PDM,
        "published",
        "portrait",
    ),
    (
        "museum",
        "MSM-G-002",
        "painting",
        "Schloss Moritzburg und Dom St. Peter und Paul von der Elster aus",
        "Moritzburg Castle and the Cathedral seen from the Elster",
        "um 1720",
        [("unbekannt", "Maler")],
        ["Leinwand", "Ölfarbe"],
        ["Schloss Moritzburg", "Dom St. Peter und Paul"],
        PDM,
        "published",
        "castle",
    ),
    (
        "museum",
        "MSM-GR-003",
        "graphic",
        "Zeitz von Südwesten, aus der Topographia Superioris Saxoniae",
        "Zeitz from the south-west",
        "1650",
        [("Merian, Matthäus", "Kupferstecher")],
        ["Papier"],
        ["Stadtansicht"],
        PDM,
        "published",
        "townview",
    ),
    (
        "museum",
        "MSM-SK-004",
        "sculpture",
        "Apostelfigur aus dem Dom",
        "Figure of an apostle from the cathedral",
        "16. Jh.",
        [],
        ["Lindenholz"],
        ["Apostel", "Dom St. Peter und Paul"],
        BY,
        "published",
        "figure",
    ),
    (
        "museum",
        "MSM-M-005",
        "coin",
        "Groschen des Herzogtums Sachsen-Zeitz",
        "Groschen of Saxe-Zeitz",
        "um 1680",
        [("Münzstätte Zeitz", "Münzstätte")],
        ["Silber"],
        ["Numismatik"],
        BY,
        "published",
        "coin",
    ),
    (
        "museum",
        "MSM-T-006",
        "textile",
        "Kasel aus dem Domschatz",
        "Chasuble from the cathedral treasury",
        "17. Jh.",
        [],
        ["Seide", "Goldfaden"],
        ["Paramente"],
        BY,
        "published",
        "textile",
    ),
    (
        "museum",
        "MSM-A-007",
        "archaeology",
        "Keramikscherben vom Domberg",
        "Pottery sherds from the cathedral hill",
        "09XX",
        [],
        ["Keramik"],
        ["Slawen", "Archäologie"],
        BY,
        "published",
        "sherds",
    ),
    (
        "museum",
        "MSM-G-008",
        "painting",
        "Blick über die Weiße Elster",
        "View across the White Elster",
        "1890er",
        [("Zeitzer Malerkreis", "Maler")],
        ["Pappe", "Ölfarbe"],
        ["Landschaft", "Weiße Elster"],
        BY,
        "published",
        "landscape",
    ),
    (
        "museum",
        "MSM-G-009",
        "painting",
        "Bildnis einer Dame mit Fächer",
        "Portrait of a lady with a fan",
        "18. Jh.",
        [],
        ["Leinwand"],
        ["Porträt"],
        BY,
        "draft",
        "portrait",
    ),
    (
        "kinderwagen",
        "KWM-001",
        "technical",
        "Korbkinderwagen mit Verdeck",
        "Wicker pram with hood",
        "um 1900",
        [("Naether, Ernst Albert (Firma)", "Hersteller")],
        ["Weide", "Holz", "Stahl"],
        ["Kinderwagen"],
        BY,
        "published",
        "pram",
    ),
    (
        "kinderwagen",
        "KWM-002",
        "technical",
        "Sportwagen „Zekiwa“",
        "Pushchair “Zekiwa”",
        "1960er",
        [("VEB Zekiwa Zeitz", "Hersteller")],
        ["Stahlrohr", "Kunstleder"],
        ["Kinderwagen", "DDR"],
        BY,
        "published",
        "pram",
    ),
    (
        "kinderwagen",
        "KWM-003",
        "everyday",
        "Puppenwagen",
        "Doll's pram",
        "1930er",
        [("Naether, Ernst Albert (Firma)", "Hersteller")],
        ["Holz", "Blech"],
        ["Spielzeug"],
        BY,
        "published",
        "pram",
    ),
    (
        "kinderwagen",
        "KWM-004",
        "technical",
        "Kinderwagen Modell „Luxus“",
        "Pram model “Luxus”",
        "1912",
        [("Naether, Ernst Albert (Firma)", "Hersteller")],
        ["Holz", "Leder", "Stahl"],
        ["Kinderwagen"],
        BY,
        "published",
        "pram",
    ),
    (
        "kinderwagen",
        "KWM-005",
        "graphic",
        "Werbeplakat der Kinderwagenfabrik E. A. Naether",
        "Advertising poster of the E. A. Naether pram factory",
        "1925",
        [("unbekannt", "Grafiker")],
        ["Papier"],
        ["Werbung", "Kinderwagenindustrie"],
        PDM,
        "published",
        "poster",
    ),
    (
        "kinderwagen",
        "KWM-006",
        "book",
        "Verkaufskatalog Kinderwagen und Sportwagen",
        "Sales catalogue of prams and pushchairs",
        "1938",
        [("Naether, Ernst Albert (Firma)", "Herausgeber")],
        ["Papier"],
        ["Kinderwagenindustrie"],
        PDM,
        "published",
        "document",
    ),
    (
        "kinderwagen",
        "KWM-007",
        "technical",
        "Zwillingskinderwagen",
        "Twin pram",
        "1970er",
        [("VEB Zekiwa Zeitz", "Hersteller")],
        ["Stahlrohr", "Textil"],
        ["Kinderwagen", "DDR"],
        BY,
        "published",
        "pram",
    ),
    (
        "kinderwagen",
        "KWM-008",
        "photograph",
        "Montagehalle des VEB Zekiwa",
        "Assembly hall of VEB Zekiwa",
        "1975",
        [("Betriebsfotograf VEB Zekiwa", "Fotograf")],
        ["Silbergelatinepapier"],
        ["Industriegeschichte", "DDR"],
        INC,
        "published",
        "photo",
    ),
    (
        "kinderwagen",
        "KWM-009",
        "technical",
        "Prototyp eines Klappkinderwagens",
        "Prototype folding pram",
        "1980er",
        [("VEB Zekiwa Zeitz", "Hersteller")],
        ["Aluminium"],
        ["Kinderwagen"],
        BY,
        "review",
        "pram",
    ),
    (
        "urkunden",
        "StAZ-U-001",
        "document",
        "Privileg für die Stadt Zeitz",
        "Privilege for the town of Zeitz",
        "14. Jh.",
        [],
        ["Pergament"],
        ["Stadtrecht"],
        PDM,
        "published",
        "charter",
    ),
    (
        "urkunden",
        "StAZ-U-002",
        "document",
        "Ratsprotokollbuch",
        "Minutes of the town council",
        "1540/1548",
        [("Rat der Stadt Zeitz", "Urheber")],
        ["Papier"],
        ["Stadtverwaltung"],
        PDM,
        "published",
        "document",
    ),
    (
        "urkunden",
        "StAZ-U-003",
        "document",
        "Innungsbrief der Zeitzer Tuchmacher",
        "Charter of the Zeitz clothmakers",
        "1592",
        [("Rat der Stadt Zeitz", "Aussteller")],
        ["Pergament", "Wachssiegel"],
        ["Zünfte", "Handwerk"],
        PDM,
        "published",
        "charter",
    ),
    (
        "plaene",
        "StAZ-K-001",
        "map",
        "Stadtplan von Zeitz",
        "Town map of Zeitz",
        "1845",
        [],
        ["Papier"],
        ["Stadtplan"],
        PDM,
        "published",
        "map",
    ),
    (
        "plaene",
        "StAZ-K-002",
        "map",
        "Plan des Schlossgartens der Moritzburg",
        "Plan of the Moritzburg castle garden",
        "um 1700",
        [],
        ["Papier", "Tusche"],
        ["Gartenkunst", "Schloss Moritzburg"],
        PDM,
        "published",
        "map",
    ),
    (
        "fotos",
        "StAZ-F-001",
        "photograph",
        "Altmarkt mit Rathaus",
        "Altmarkt with the town hall",
        "um 1910",
        [("Atelier am Altmarkt", "Fotograf")],
        ["Albuminpapier"],
        ["Rathaus", "Altmarkt"],
        PDM,
        "published",
        "photo",
    ),
    (
        "fotos",
        "StAZ-F-002",
        "photograph",
        "Krypta des Doms St. Peter und Paul",
        "Crypt of the cathedral",
        "1930er",
        [],
        ["Silbergelatinepapier"],
        ["Dom St. Peter und Paul"],
        PDM,
        "published",
        "photo",
    ),
    (
        "fotos",
        "StAZ-F-003",
        "photograph",
        "Roßmarkt mit Blick zur Michaeliskirche",
        "Roßmarkt with a view of St Michael's Church",
        "1925",
        [],
        ["Silbergelatinepapier"],
        ["Michaeliskirche", "Stadtbild"],
        PDM,
        "published",
        "photo",
    ),
    (
        "fotos",
        "StAZ-F-004",
        "photograph",
        "Gang im Unterirdischen Zeitz",
        "Passage of the Zeitz underground",
        "1995",
        [("Stadtverwaltung Zeitz", "Fotograf")],
        ["Farbdia"],
        ["Unterirdisches Zeitz", "Bierkeller"],
        BY_SA,
        "published",
        "tunnel",
    ),
    (
        "fotos",
        "StAZ-F-005",
        "photograph",
        "Hochwasser der Weißen Elster",
        "Flood of the White Elster",
        "1954-07",
        [],
        ["Silbergelatinepapier"],
        ["Hochwasser", "Weiße Elster"],
        INC,
        "published",
        "landscape",
    ),
    (
        "fotos",
        "StAZ-F-006",
        "photograph",
        "Zuckerfabrik Zeitz",
        "Zeitz sugar factory",
        "1990er",
        [],
        ["Farbfoto"],
        ["Industriegeschichte"],
        INC,
        "draft",
        "photo",
    ),
    (
        "urkunden",
        "StAZ-A-001",
        "document",
        "Bauakte Rathaus, Umbau des Ratskellers",
        "Building file: town hall, rebuilding of the council cellar",
        "1909/1911",
        [("Stadtbauamt Zeitz", "Urheber")],
        ["Papier"],
        ["Rathaus", "Bauwesen"],
        PDM,
        "published",
        "document",
    ),
]

COLLECTIONS = [
    # key, slug, parent key, level, title de, title en, description
    (
        "museum",
        "museum",
        None,
        "collection",
        "Museum Schloss Moritzburg",
        "Moritzburg Castle Museum",
        "Gemälde, Grafik, Skulptur und Kunsthandwerk aus Schloss und Dom.",
    ),
    (
        "kinderwagen",
        "kinderwagen",
        "museum",
        "collection",
        "Deutsches Kinderwagenmuseum",
        "German Pram Museum",
        "Kinderwagen aus Zeitzer Produktion von Naether bis Zekiwa.",
    ),
    (
        "archiv",
        "stadtarchiv",
        None,
        "fonds",
        "Stadtarchiv Zeitz",
        "Zeitz Town Archives",
        "Urkunden, Akten, Karten und Fotografien zur Stadtgeschichte.",
    ),
    ("urkunden", "urkunden", "archiv", "series", "Urkunden und Akten", "Charters and files", ""),
    ("plaene", "karten", "archiv", "series", "Karten und Pläne", "Maps and plans", ""),
    ("fotos", "fotos", "archiv", "series", "Fotosammlung", "Photograph collection", ""),
]


def draw(kind: str, inv: str, seed: int) -> bytes:
    """A small synthetic picture in the manner of the object (Pillow), JPEG bytes."""
    from PIL import Image, ImageDraw, ImageFilter

    rnd = random.Random(seed)  # noqa: S311 - drawing shapes, not cryptography
    w, h = 960, 720
    palettes = {
        "portrait": ((60, 40, 30), (150, 110, 70)),
        "castle": ((120, 150, 180), (230, 210, 170)),
        "townview": ((235, 225, 200), (120, 100, 80)),
        "figure": ((70, 60, 50), (190, 150, 100)),
        "coin": ((40, 40, 50), (200, 200, 205)),
        "textile": ((90, 20, 40), (210, 170, 60)),
        "sherds": ((200, 190, 170), (130, 90, 60)),
        "landscape": ((140, 180, 210), (80, 120, 60)),
        "pram": ((235, 230, 220), (40, 50, 70)),
        "poster": ((230, 200, 80), (150, 30, 30)),
        "document": ((240, 232, 210), (60, 50, 40)),
        "charter": ((225, 210, 170), (90, 60, 30)),
        "map": ((235, 228, 205), (70, 90, 120)),
        "photo": ((200, 190, 170), (60, 50, 40)),
        "tunnel": ((30, 25, 20), (170, 140, 100)),
    }
    bg, fg = palettes.get(kind, ((220, 220, 220), (60, 60, 60)))
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    for y in range(h):  # vertical gradient
        t = y / h
        d.line([(0, y), (w, y)], fill=tuple(int(bg[i] * (1 - 0.35 * t) + fg[i] * 0.35 * t) for i in range(3)))
    if kind == "pram":
        d.rounded_rectangle([250, 220, 720, 470], 60, fill=fg)
        d.pieslice([230, 120, 520, 420], 180, 300, fill=tuple(min(255, c + 40) for c in fg))
        for cx in (330, 640):
            d.ellipse([cx - 85, 470, cx + 85, 640], outline=fg, width=14)
            for a in range(0, 360, 30):
                d.line(
                    [cx, 555, cx + 80 * math.cos(math.radians(a)), 555 + 80 * math.sin(math.radians(a))],
                    fill=fg,
                    width=3,
                )
        d.line([720, 240, 820, 120], fill=fg, width=12)
    elif kind in ("castle", "townview"):
        for i in range(9):
            x = 60 + i * 100
            top = rnd.randint(250, 420)
            d.rectangle([x, top, x + 80, 620], fill=fg)
            d.polygon([(x - 10, top), (x + 40, top - rnd.randint(40, 120)), (x + 90, top)], fill=fg)
        d.rectangle([0, 620, w, h], fill=tuple(max(0, c - 30) for c in bg))
    elif kind in ("portrait", "figure"):
        d.ellipse([380, 120, 580, 360], fill=fg)
        d.rounded_rectangle([300, 330, 660, 720], 80, fill=fg)
    elif kind == "coin":
        d.ellipse([230, 110, 730, 610], fill=fg, outline=(150, 150, 150), width=12)
        d.ellipse([330, 210, 630, 510], outline=(120, 120, 130), width=6)
    elif kind in ("document", "charter", "poster"):
        d.rectangle([140, 60, 820, 660], fill=tuple(min(255, c + 10) for c in bg), outline=fg, width=3)
        for y in range(130, 600, 28):
            d.line([190, y, 190 + rnd.randint(400, 580), y], fill=fg, width=4)
        if kind == "charter":
            d.ellipse([420, 560, 540, 680], fill=(150, 40, 30))
    elif kind == "map":
        for _ in range(40):
            x, y = rnd.randint(0, w), rnd.randint(0, h)
            d.line([x, y, x + rnd.randint(-200, 200), y + rnd.randint(-200, 200)], fill=fg, width=3)
        d.ellipse([380, 260, 580, 460], outline=(160, 40, 40), width=6)
    elif kind == "tunnel":
        for r in range(10, 0, -1):
            c = tuple(int(bg[i] + (fg[i] - bg[i]) * r / 10) for i in range(3))
            d.ellipse([w / 2 - r * 40, h / 2 - r * 34, w / 2 + r * 40, h / 2 + r * 34], fill=c)
    else:
        for _ in range(25):
            x, y = rnd.randint(0, w), rnd.randint(0, h)
            s = rnd.randint(30, 160)
            d.rectangle([x, y, x + s, y + s], fill=tuple(rnd.randint(0, 255) for _ in range(3)))
    d.text((24, h - 40), inv, fill=(255, 255, 255))
    if kind in ("photo", "tunnel", "landscape"):
        img = img.convert("L").convert("RGB").filter(ImageFilter.GaussianBlur(1))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


@demo_step(620)
def heritage_demo(cmd: Any) -> None:
    muni = Municipality.objects.filter(slug="zeitz").first()
    if muni is None:
        return
    colls: dict[str, Collection] = {}
    for key, slug, parent, level, title_de, title_en, description in COLLECTIONS:
        parent_obj = colls.get(parent) if parent else None
        spec = f"{parent_obj.set_spec}:{slug}" if parent_obj else slug
        existing = Collection.objects.for_tenant(muni).filter(set_spec=spec).first()
        colls[key] = existing or services.save_collection(
            muni,
            {
                "slug": slug,
                "title_de": title_de,
                "title_en": title_en,
                "description": description,
                "level": level,
                "is_public": True,
                "parent": parent_obj,
            },
        )
    known = set(HeritageObject.objects.for_tenant(muni).values_list("inventory_number", flat=True))
    created = 0
    for n, (
        ckey,
        inv,
        otype,
        title_de,
        title_en,
        dating,
        actors,
        materials,
        subjects,
        rights,
        status,
        drawing,
    ) in enumerate(OBJECTS):
        if inv in known:
            continue
        institution = ARCHIVE if inv.startswith("StAZ") else MUSEUM
        obj = services.save_object(
            muni,
            {
                "inventory_number": inv,
                "object_type": otype,
                "title_de": title_de,
                "title_en": title_en,
                "description": f"{title_de}. Aus dem Bestand {colls[ckey].title_de} ({institution}).",
                "actors": [{"name": a, "role": r} for a, r in actors],
                "dating": dating,
                "places": [ZEITZ],
                "materials": [{"label": m} for m in materials],
                "subjects": [{"label": s} for s in subjects],
                "institution": institution,
                "credit_line": f"{institution}, Inv.-Nr. {inv}",
                "metadata_rights": CC0,
                "image_rights": rights,
                "dimensions": [{"type": "Höhe", "value": str(20 + n * 3), "unit": "cm"}],
            },
            collections=[colls[ckey]],
        )
        if status in ("review", "published"):
            services.transition(obj, Status.REVIEW)
        if status == "published":
            services.transition(obj, Status.PUBLISHED)
        data = draw(drawing, inv, n)
        services.add_image(
            obj,
            io.BytesIO(data),
            size=len(data),
            name=f"{inv}.jpg",
            alt_text=f"{title_de} ({inv})",
            rights=rights,
            tile_now=True,
            photographer="Digitalisierungsteam Zeitz" if otype != "photograph" else "",
        )
        created += 1
    if created:
        cmd.stdout.write(f"  Digitale Sammlung: {created} Objekte mit Abbildungen angelegt")
