"""Server-drawn inline SVG charts for the dashboard (no JavaScript, no CDN).

Each tag computes the geometry in Python and renders a small template; the numbers are also
in the accompanying tables, so the charts are decoration for people who would rather look.
"""

from django import template

from evaluations import rules

register = template.Library()

BAR_HEIGHT = 22
GAP = 10
WIDTH = 600


@register.inclusion_tag("evaluations/charts/progress.html")
def progress_chart(phase):
    """Per target: achieved against target, with a marker at the share the elapsed time calls for."""
    bars = []
    y = 0
    for target in phase.targets:
        share = min(target.achieved_share, 1.0)
        bars.append({
            "target": target,
            "y": y,
            "label_y": y + 14,
            "bar_y": y + 20,
            "width": round(WIDTH * share, 1),
            "expected_x": round(WIDTH * min(phase.elapsed_share, 1.0), 1),
        })
        y += 20 + BAR_HEIGHT + GAP
    return {"phase": phase, "bars": bars, "width": WIDTH, "height": max(y, 1), "bar_height": BAR_HEIGHT}


@register.inclusion_tag("evaluations/charts/hbar.html")
def hbar_chart(rows, label, limit=15):
    """Horizontal bars: recognised (light) with the valid part (dark) over it."""
    rows = list(rows)[:limit]
    peak = max((r.recognised for r in rows), default=0) or 1
    bars = []
    y = 0
    for row in rows:
        bars.append({
            "row": row,
            "label_y": y + 14,
            "bar_y": y + 18,
            "recognised_w": round(WIDTH * row.recognised / peak, 1),
            "valid_w": round(WIDTH * row.valid / peak, 1),
        })
        y += 18 + 14 + 8
    return {"bars": bars, "width": WIDTH, "height": max(y, 1), "label": label}


@register.inclusion_tag("evaluations/charts/years.html")
def year_chart(years, label):
    """Columns per year: new products stacked under re-recognised ones."""
    height = 180
    peak = max((y.tally.products for y in years), default=0) or 1
    count = max(len(years), 1)
    step = WIDTH / count
    col = min(step * 0.7, 60)
    columns = []
    for index, year in enumerate(years):
        new_h = round(height * year.tally.new / peak, 1)
        re_h = round(height * year.tally.rerecognised / peak, 1)
        x = round(index * step + (step - col) / 2, 1)
        columns.append({
            "year": year,
            "x": x,
            "center": round(x + col / 2, 1),
            "new_y": round(20 + height - new_h, 1),
            "new_h": new_h,
            "re_y": round(20 + height - new_h - re_h, 1),
            "re_h": re_h,
            "top_y": round(20 + height - new_h - re_h - 4, 1),
        })
    return {"columns": columns, "width": WIDTH, "height": height + 40, "col": round(col, 1),
            "axis_y": 20 + height, "label": label}


@register.inclusion_tag("evaluations/charts/stars.html")
def stars_chart(standing, label):
    """One stacked bar: valid at each certified star (``s3``, ``s4``, ``s5``), then expired and revoked."""
    parts = [
        *((f"s{stars}", standing.valid_by_stars.get(stars, 0)) for stars in rules.CERTIFIED_STARS),
        ("expired", standing.expired),
        ("revoked", standing.revoked),
    ]
    total = sum(n for _, n in parts) or 1
    x = 0.0
    segments = []
    for key, n in parts:
        w = WIDTH * n / total
        segments.append({"key": key, "n": n, "x": round(x, 1), "w": round(w, 1)})
        x += w
    return {"segments": segments, "width": WIDTH, "label": label}
