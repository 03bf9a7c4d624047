"""Plain factory helpers for tests: ``make_product(**overrides)`` and friends.

They build valid records through the same services the application uses (``products.services``,
``evaluations.services``), so a test never depends on a JSON fixture or on demo data.
"""

import datetime
import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from evaluations.models import Evaluation, Phase, Target
from evaluations.rules import CouncilLevel
from evaluations.services import evaluation_recognise, evaluation_record
from products.models import Commune, LegacyCommune, Producer, ProducerKind, Product, ProductGroup
from products.services import producer_create, product_create

_sequence = itertools.count(1)

# The staff roles (groups) made by evaluations/migrations/0003_roles.py.
OFFICE, CLERK = "Văn phòng điều phối", "Cán bộ nhập liệu"


def make_staff(username: str, *, role: str | None = None, superuser: bool = False):
    """A staff account (password "pw"), in the group ``role`` if given."""
    user = get_user_model().objects.create_user(
        username, password="pw", is_staff=True, is_superuser=superuser, first_name=username.title()
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def any_commune(**filters) -> Commune:
    return Commune.objects.filter(**filters).order_by("code").first()


def make_producer(**overrides) -> Producer:
    n = next(_sequence)
    values = {
        "name": f"HTX Thử nghiệm {n}",
        "kind": ProducerKind.COOPERATIVE,
        "commune": any_commune(),
        "phone": "0912345678",
    }
    values.update(overrides)
    return producer_create(**values)


def make_product(**overrides) -> Product:
    n = next(_sequence)
    legacy = overrides.get("legacy_commune")
    values = {
        "name": f"Sản phẩm thử {n}",
        "producer": overrides.pop("producer", None) or make_producer(),
        "commune": legacy.successor if legacy else any_commune(),
        "group": ProductGroup.objects.get(code="I.3"),
    }
    values.update(overrides)
    return product_create(**values)


def make_evaluation(product=None, *, level=CouncilLevel.PROVINCE, evaluated_on=None, scores=(20, 15, 20), **kw):
    """A scored evaluation (55 points, 3★ by default)."""
    a, b, c = scores if scores else (None, None, None)
    return evaluation_record(
        product=product or make_product(),
        level=level,
        evaluated_on=evaluated_on or datetime.date(2024, 5, 1),
        score_a=a,
        score_b=b,
        score_c=c,
        **kw,
    )


def make_recognition(
    product=None,
    *,
    stars=3,
    decision_date=datetime.date(2024, 6, 1),
    decision_no=None,
    level=None,
    scores=None,
) -> Evaluation:
    """A recognised evaluation at ``stars`` (scored in the middle of the band unless ``scores`` are given)."""
    scores = scores or {3: (20, 15, 25), 4: (28, 20, 30), 5: (38, 24, 33)}[stars]
    level = level or (CouncilLevel.CENTRAL if stars == 5 else CouncilLevel.PROVINCE)
    evaluation = make_evaluation(
        product, level=level, evaluated_on=decision_date - datetime.timedelta(days=10), scores=scores
    )
    return evaluation_recognise(
        evaluation=evaluation,
        decision_no=decision_no or f"{next(_sequence)}/QĐ-UBND",
        decision_date=decision_date,
    )


def make_phase(name="2026–2030", start=datetime.date(2026, 1, 1), end=datetime.date(2030, 12, 31), targets=()):
    phase = Phase.objects.create(name=name, start=start, end=end)
    for position, (label, measure, min_stars, max_stars, count) in enumerate(targets, start=1):
        Target.objects.create(
            phase=phase, label=label, measure=measure, min_stars=min_stars, max_stars=max_stars,
            target_count=count, position=position,
        )
    return phase


def legacy_commune(district: str, name: str) -> LegacyCommune:
    return LegacyCommune.objects.select_related("successor").get(district__name=district, name=name)


def reference_data_load():
    """What migrations and ``load_communes`` put into a new database: the administrative units, the product
    groups, the programme's phases and targets, and the office's roles. A transactional test (a live server)
    empties every table when it ends; this puts the reference data back."""
    import os
    from importlib import import_module

    from django.apps import apps
    from django.core.management import call_command

    with open(os.devnull, "w") as devnull:
        call_command("load_communes", verbosity=0, stdout=devnull)
    import_module("products.migrations.0002_seed_product_groups").seed(apps, None)
    import_module("evaluations.migrations.0002_seed_phases_and_targets").seed(apps, None)
    import_module("evaluations.migrations.0007_seed_target_labels_en").seed(apps, None)
    import_module("evaluations.migrations.0003_roles").seed_roles(apps)
    import_module("evaluations.migrations.0009_renewal_notice_roles").grant(apps)
