"""Seed Thanh Hóa's programme phases and targets (DOMAIN.md, "Programme targets").

Later phases (2026–2030, …) are added by staff in the admin; this only records the two
phases the coordination office had stated when the registry started.
"""

import datetime

from django.db import migrations

PHASES = [
    (
        "2018–2020",
        datetime.date(2018, 1, 1),
        datetime.date(2020, 12, 31),
        [
            ("Sản phẩm được công nhận cấp tỉnh (3–4 sao)", "recognised", 3, 4, 53),
            ("Sản phẩm đề xuất công nhận 5 sao quốc gia", "proposed_national", 5, 5, 1),
        ],
    ),
    (
        "2021–2025",
        datetime.date(2021, 1, 1),
        datetime.date(2025, 12, 31),
        [
            ("Sản phẩm đạt 3–4 sao", "recognised", 3, 4, 120),
            ("Sản phẩm đạt 5 sao", "recognised", 5, 5, 3),
        ],
    ),
]


def seed(apps, schema_editor):
    Phase = apps.get_model("evaluations", "Phase")
    Target = apps.get_model("evaluations", "Target")
    for name, start, end, targets in PHASES:
        phase, _ = Phase.objects.update_or_create(name=name, defaults={"start": start, "end": end})
        for position, (label, measure, min_stars, max_stars, count) in enumerate(targets, start=1):
            Target.objects.update_or_create(
                phase=phase,
                label=label,
                defaults={
                    "measure": measure,
                    "min_stars": min_stars,
                    "max_stars": max_stars,
                    "target_count": count,
                    "position": position,
                },
            )


def unseed(apps, schema_editor):
    apps.get_model("evaluations", "Phase").objects.filter(name__in=[p[0] for p in PHASES]).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
