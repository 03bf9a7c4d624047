"""The communes map (``/xa-phuong/``): the province's communes projected onto an SVG, the communes with certified
products as tappable links spread apart, an outline and labels. Works on the communes the view read: no query."""

import functools
import math
from dataclasses import dataclass

from .models import Commune

MAP_WIDTH = 600  # user units; the map is drawn 326–638 CSS px wide (a 360 px phone to a laptop, inside its border)
MAP_PADDING = 28
# A commune's link is a circle of HIT_RADIUS, and links are pushed at least 2 × HIT_RADIUS apart: 46 units are
# 25 CSS px on the narrowest map (326 px), above the 24 px touch target WCAG 2.5.8 and Lighthouse ask for.
HIT_RADIUS = 23
MAX_DOT_RADIUS = 18
OUTLINE_MARGIN = 10  # the outline passes this far outside the outermost communes
LABEL_SIZE = 22  # user units: 12–23 CSS px
LABEL_CHAR_WIDTH = 0.6  # a label's width per character, in font sizes (an estimate, for avoiding overlaps)
DISPLACED = 8  # a link moved further than this from its commune gets a line back to the real place


@dataclass
class MapPoint:
    commune: object
    x: float
    y: float
    count: int = 0
    r: float = 2
    true_x: float = 0
    true_y: float = 0

    @property
    def displaced(self):
        return math.hypot(self.x - self.true_x, self.y - self.true_y) > DISPLACED


class Projection:
    """Equirectangular projection of the communes' coordinates onto a MAP_WIDTH-wide SVG."""

    def __init__(self, placed):
        self.lat_max = max(c.latitude for c in placed)
        self.lon_min = min(c.longitude for c in placed)
        lat_min = min(c.latitude for c in placed)
        lon_max = max(c.longitude for c in placed)
        self.x_scale = math.cos(math.radians((lat_min + self.lat_max) / 2))
        span_x = max((lon_max - self.lon_min) * self.x_scale, 1e-6)
        self.unit = (MAP_WIDTH - 2 * MAP_PADDING) / span_x  # SVG units per degree of latitude
        self.height = round(max(self.lat_max - lat_min, 1e-6) * self.unit) + 2 * MAP_PADDING

    def __call__(self, latitude, longitude):
        return (
            MAP_PADDING + (longitude - self.lon_min) * self.x_scale * self.unit,
            MAP_PADDING + (self.lat_max - latitude) * self.unit,
        )


def convex_hull(points):
    """The convex hull of ``points`` ((x, y) tuples), counter-clockwise (Andrew's monotone chain)."""
    points = sorted(set(points))
    if len(points) < 3:
        return points

    def half(sequence):
        chain = []
        for p in sequence:
            while len(chain) >= 2:
                (ax, ay), (bx, by) = chain[-2], chain[-1]
                if (bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax) > 0:
                    break
                chain.pop()
            chain.append(p)
        return chain

    lower, upper = half(points), half(reversed(points))
    return lower[:-1] + upper[:-1]


def outline_path(points) -> str:
    """An SVG path around ``points``: their convex hull, pushed OUTLINE_MARGIN outwards from its centre."""
    hull = convex_hull(points)
    if len(hull) < 3:
        return ""
    cx = sum(x for x, _ in hull) / len(hull)
    cy = sum(y for _, y in hull) / len(hull)
    spread = []
    for x, y in hull:
        distance = math.hypot(x - cx, y - cy) or 1
        grow = 1 + OUTLINE_MARGIN / distance
        spread.append(f"{cx + (x - cx) * grow:.1f},{cy + (y - cy) * grow:.1f}")
    return "M" + " L".join(spread) + " Z"


def spread_apart(points, *, gap, width, height):
    """Move the points (in place) until no two are closer than ``gap``, staying inside the map (see
    :func:`_spread_positions`). The positions depend only on the points' starting positions and the sizes, which
    change with the data a few times a week: each process keeps the last few answers (the relaxation takes about
    100 ms for Thanh Hóa's 166 communes, more than the rest of the communes page)."""
    start = tuple((p.x, p.y) for p in points)
    for p, (x, y) in zip(points, _spread_positions(start, gap=gap, width=width, height=height)):
        p.x, p.y = x, y


@functools.lru_cache(maxsize=8)
def _spread_positions(start: tuple, *, gap, width, height) -> list:
    points = [_Spot(x, y) for x, y in start]
    _relax(points, gap=gap, width=width, height=height)
    return [(p.x, p.y) for p in points]


@dataclass
class _Spot:
    x: float
    y: float


def _relax(points, *, gap, width, height):
    """A few rounds of pushing each close pair apart along the line between them, neighbours found through a grid
    of ``gap`` cells, staying inside the map."""
    low_x, low_y, high_x, high_y = gap / 2, gap / 2, width - gap / 2, height - gap / 2
    order = {id(p): index for index, p in enumerate(points)}
    for _ in range(60):
        grid = {}
        for p in points:
            grid.setdefault((int(p.x // gap), int(p.y // gap)), []).append(p)
        moved = False
        for index, a in enumerate(points):
            cell_x, cell_y = int(a.x // gap), int(a.y // gap)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for b in grid.get((cell_x + dx, cell_y + dy), ()):
                        if order[id(b)] <= index:
                            continue
                        distance = math.hypot(b.x - a.x, b.y - a.y)
                        if distance >= gap:
                            continue
                        ux, uy = ((b.x - a.x) / distance, (b.y - a.y) / distance) if distance else (1.0, 0.0)
                        push = (gap - distance) / 2 + 0.01
                        a.x, a.y = a.x - ux * push, a.y - uy * push
                        b.x, b.y = b.x + ux * push, b.y + uy * push
                        moved = True
        for p in points:
            p.x, p.y = min(max(p.x, low_x), high_x), min(max(p.y, low_y), high_y)
        if not moved:
            return


def place_labels(places, project, *, width, height, avoid=()):
    """Labels for ``places`` (objects with ``name``, ``latitude``, ``longitude``), in the order given, leaving out
    any that would overlap a label already placed."""
    boxes, labels = [], []
    for place in places:
        if place.latitude is None or place.longitude is None:
            continue
        x, y = project(place.latitude, place.longitude)
        half_width = len(place.name) * LABEL_CHAR_WIDTH * LABEL_SIZE / 2
        x = min(max(x, half_width + 2), width - half_width - 2)
        y = min(max(y, LABEL_SIZE), height - 4)
        box = (x - half_width, y - LABEL_SIZE * 0.8, x + half_width, y + LABEL_SIZE * 0.25)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
            continue
        boxes.append(box)
        labels.append({"text": place.name, "x": f"{x:.1f}", "y": f"{y:.1f}"})
    return labels


def province_map(communes, places=None) -> dict:
    """What the communes map draws: every commune with coordinates as a small dot, and the communes with valid
    certified products (``valid_count``) as links sized by that count, spread apart so each can be tapped; the
    province's outline; labels for ``places`` (the legacy districts, when the view supplies them), else for
    the wards (the towns).

    No package installed here ships Thanh Hóa's boundary (``vietnamadminunits`` has only centres and bounding
    boxes), so the outline is the convex hull of the communes' own coordinates: a sketch, not the legal border.
    """
    communes = list(communes)
    placed = [c for c in communes if c.latitude is not None and c.longitude is not None]
    valid_communes = sum(1 for c in communes if getattr(c, "valid_count", 0))
    if not placed:
        return {"points": [], "links": [], "valid_communes": valid_communes}
    project = Projection(placed)
    width, height = MAP_WIDTH, project.height
    dots, links = [], []
    for commune in placed:
        x, y = project(commune.latitude, commune.longitude)
        count = getattr(commune, "valid_count", 0)
        point = MapPoint(commune=commune, x=x, y=y, count=count, true_x=x, true_y=y)
        if count:
            point.r = min(4 + 3 * math.sqrt(count), MAX_DOT_RADIUS)
            links.append(point)
        else:
            dots.append(point)
    spread_apart(links, gap=2 * HIT_RADIUS, width=width, height=height)
    links.sort(key=lambda p: p.count)  # big circles last, drawn on top
    district_labels = bool(places)
    if not district_labels:  # the view gave no places (a missing variable is ""): label the towns
        places = [c for c in placed if c.kind == Commune.Kind.WARD]
        places.sort(key=lambda c: -(c.area_km2 or 0))
    return {
        "width": width,
        "height": height,
        "outline": outline_path([project(c.latitude, c.longitude) for c in placed]),
        "points": [_svg(p) for p in dots],
        "links": [_svg(p) for p in links],
        "labels": place_labels(places, project, width=width, height=height),
        "district_labels": district_labels,
        "displaced": any(p.displaced for p in links),
        "hit_radius": HIT_RADIUS,
        "valid_communes": valid_communes,
    }


def _svg(point: MapPoint) -> dict:
    """A point with its numbers written for SVG (a dot, never a localised comma)."""
    return {
        "commune": point.commune,
        "count": point.count,
        "x": f"{point.x:.1f}",
        "y": f"{point.y:.1f}",
        "r": f"{point.r:.1f}",
        "true_x": f"{point.true_x:.1f}",
        "true_y": f"{point.true_y:.1f}",
        "displaced": point.displaced,
    }
