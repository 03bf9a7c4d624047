"""Charts and small formats for the dashboard and the public progress page (no JavaScript, no CDN).

Each chart is rows of real HTML text (the label, at the page's font size on every screen) over a bar
drawn by a small inline SVG whose geometry is in percentages and which has no viewBox: nothing in it
scales, and no text is inside it. The CSP forbids inline styles, so widths cannot be CSS; SVG
attributes are not styles. The numbers are also in the tables beside the charts.
"""

from dataclasses import dataclass

from django import template
from django.utils.translation import gettext_lazy as _

from evaluations import rules

register = template.Library()


def _percent(part, whole) -> float:
    """``part`` of ``whole`` as a percentage for a bar's geometry, 0–100, one decimal."""
    if not whole:
        return 0.0
    return round(100 * min(max(part / whole, 0.0), 1.0), 1)


# --- The pace of a target ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pace:
    key: str  # the CSS class suffix: pace-not_started, pace-on_track, …
    label: str


PACES = {
    "not_started": _("chưa bắt đầu"),
    "on_track": _("đúng tiến độ"),
    "behind": _("chậm tiến độ"),
    "met": _("đạt chỉ tiêu"),
    "missed": _("không đạt chỉ tiêu"),
}


@register.filter
def pace_in(target, phase) -> Pace:
    """A target's pace in its phase: not started yet, on track or behind while it runs, met or missed once ended.

    ``TargetProgress.pace`` compares the achieved share with the elapsed one, which calls a phase that has not
    started "on track"; the page says what a reader expects instead.
    """
    state = phase.state
    if state == "not_started":
        key = "not_started"
    elif state == "ended":
        key = "met" if target.on_track else "missed"
    else:
        key = target.pace
    return Pace(key=key, label=str(PACES[key]))


@register.filter
def star_range(target) -> str:
    """The stars a target counts: "5★" when both bounds are equal, "3–4★" otherwise."""
    if target.min_stars == target.max_stars:
        return f"{target.min_stars}★"
    return f"{target.min_stars}–{target.max_stars}★"


# --- Charts ----------------------------------------------------------------------------------------


@register.inclusion_tag("evaluations/charts/progress.html")
def progress_chart(phase):
    """Per target: achieved against target, with a mark at the share the elapsed time calls for."""
    expected = _percent(phase.elapsed_days, phase.total_days)
    bars = [
        {"target": target, "pace": pace_in(target, phase), "fill": _percent(target.achieved, target.target)}
        for target in phase.targets
    ]
    return {"phase": phase, "bars": bars, "expected": expected, "show_expected": phase.state == "in_progress"}


@register.inclusion_tag("evaluations/charts/hbar.html")
def hbar_chart(rows, label, limit=15):
    """Horizontal bars: recognised (light) with the valid part (dark) over it."""
    rows = list(rows)[:limit]
    peak = max((r.recognised for r in rows), default=0)
    bars = [
        {"row": row, "recognised": _percent(row.recognised, peak), "valid": _percent(row.valid, peak)}
        for row in rows
    ]
    return {"bars": bars, "label": label}


@register.inclusion_tag("evaluations/charts/years.html")
def year_chart(years, label):
    """A bar per year: new products, then re-recognised ones after them."""
    peak = max((y.tally.products for y in years), default=0)
    bars = []
    for year in years:
        new = _percent(year.tally.new, peak)
        bars.append({"year": year, "new": new, "renewed_x": new, "renewed": _percent(year.tally.rerecognised, peak)})
    return {"bars": bars, "label": label}


@register.inclusion_tag("evaluations/charts/stars.html")
def stars_chart(standing, label):
    """One stacked bar: valid at each certified star (``s3``, ``s4``, ``s5``), then expired and revoked."""
    parts = [
        *((f"s{stars}", standing.valid_by_stars.get(stars, 0)) for stars in rules.CERTIFIED_STARS),
        ("expired", standing.expired),
        ("revoked", standing.revoked),
    ]
    total = sum(n for _key, n in parts)
    x = 0.0
    segments = []
    for key, n in parts:
        w = _percent(n, total)
        segments.append({"key": key, "n": n, "x": round(x, 1), "w": w})
        x += w
    return {"segments": segments, "label": label}
