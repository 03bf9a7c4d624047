"""Benchmark: `import_register` of a 10,000-row council list on a fresh database (target: under 60 s).

Run by hand: .venv/bin/python bench/bench_import.py [--rows N]
Uses DATABASE_URL if set (PostgreSQL: give it a throw-away database), otherwise a fresh SQLite file
in /tmp. The generated CSV (real legacy and current unit names, illustrative products and
decisions) is written to /tmp/ocop_bench_import.csv. Times the first import (everything new)
and a second import of the same file (everything unchanged).
"""

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from fresh_database import BASE_DIR, fresh_database
CSV_PATH = Path("/tmp/ocop_bench_import.csv")
HEADER = ("STT,Tên sản phẩm,Chủ thể,Loại hình chủ thể,Xã,Huyện,Nhóm sản phẩm,Điểm,Hạng sao,Cấp công nhận,"
          "Số quyết định,Ngày quyết định")
PRODUCT_TYPES = ["Nước mắm", "Mắm tôm", "Nem chua", "Chè lam", "Bánh gai", "Mật ong", "Gạo nếp", "Chiếu cói",
                 "Rượu men lá", "Dầu lạc", "Bưởi", "Cam", "Măng khô", "Mộc nhĩ", "Tinh dầu sả", "Trà hoa vàng"]
GROUPS = ["I.1", "I.2", "I.3", "I.4", "I.5", "II.1", "III.1", "IV.1", "Thực phẩm chế biến", "Thảo dược"]
KINDS = [("Công ty TNHH", "Doanh nghiệp"), ("HTX", "HTX"), ("Tổ hợp tác", "THT"), ("Hộ SXKD", "Hộ SXKD")]


def generate(rows: int, env) -> None:
    """A realistic list: real unit names, about 2.5 decisions per producer, a few 5★ proposals."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocop_registry.settings")
    import django

    django.setup()
    from products.models import Commune, LegacyCommune
    from products.normalise import fold

    from collections import Counter

    legacy = list(LegacyCommune.objects.select_related("district").order_by("code"))
    # Legacy names that are unique within their district even without diacritics, as real lists are not.
    folded = Counter((unit.district_id, fold(unit.name)) for unit in legacy)
    legacy = [unit for unit in legacy if folded[(unit.district_id, fold(unit.name))] == 1]
    current_names = Counter(fold(c.name) for c in Commune.objects.all())
    current = [c for c in Commune.objects.order_by("code") if current_names[fold(c.name)] == 1]
    rng = random.Random(38)
    lines = [HEADER]
    for n in range(1, rows + 1):
        producer_no = n // 3 + 1
        prefix, kind = KINDS[producer_no % len(KINDS)]
        producer = f"{prefix} Sản xuất {producer_no}"
        product = f"{PRODUCT_TYPES[n % len(PRODUCT_TYPES)]} {n}"
        year = rng.choice([2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026])
        if year < 2025 or rng.random() < 0.3:
            unit = legacy[producer_no % len(legacy)]
            place = (unit.name, unit.district.name)
            day = f"{rng.randint(1, 28):02d}/{rng.randint(1, 6):02d}/{year}"
        else:
            place = (current[producer_no % len(current)].name, "")
            year = 2026 if year < 2026 else year
            day = f"{rng.randint(1, 28):02d}/{rng.randint(1, 3):02d}/{year}"
        roll = rng.random()
        if roll < 0.01:
            stars, level, score = 5, "Tỉnh", rng.randint(90, 96)  # a provincial proposal for 5★
        elif roll < 0.015:
            stars, level, score = 5, "Trung ương", rng.randint(90, 98)
        elif roll < 0.2:
            stars, level, score = 4, "Tỉnh", rng.randint(70, 89)
        else:
            stars, level, score = 3, "Tỉnh", rng.randint(50, 69)
        decision = f"{rng.randint(100, 999)}/QĐ-UBND"
        group = GROUPS[n % len(GROUPS)]
        lines.append(",".join(str(v) for v in (
            n, product, producer, kind, place[0], place[1], group, score if n % 2 else "", stars, level, decision, day,
        )))
    CSV_PATH.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    options = parser.parse_args()
    env = fresh_database("ocop_bench_import.sqlite3")
    generate(options.rows, env)
    backend = env["DATABASE_URL"].split(":")[0]

    for label in ("first import (all new)", "re-import (all unchanged)"):
        started = time.perf_counter()
        subprocess.run([sys.executable, "manage.py", "import_register", str(CSV_PATH)], cwd=BASE_DIR, env=env,
                       check=True)
        elapsed = time.perf_counter() - started
        print(f"import_register {options.rows} rows, {label}: {elapsed:.1f} s "
              f"({options.rows / elapsed:,.0f} rows/s) on {backend}", flush=True)


if __name__ == "__main__":
    main()
