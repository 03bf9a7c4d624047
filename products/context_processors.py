"""Template context shared by every page."""

from django.db.models import Q
from django.utils.functional import SimpleLazyObject

from evaluations import rules
from ocop_registry import data_version

from .models import Product


def ocop_rules(request):
    """The figures of ``evaluations.rules`` that page texts state, as ``{{ ocop_rules.validity_months }}``:
    templates quote the thresholds instead of re-typing "3 sao" or "36 tháng"."""
    validity = rules.CERTIFICATE_VALIDITY
    return {
        "ocop_rules": {
            "certified_min_stars": rules.CERTIFIED_MIN_STARS,
            "certified_stars": rules.CERTIFIED_STARS,
            "below_central_max_stars": rules.BELOW_CENTRAL_MAX_STARS,
            "national_stars": rules.NATIONAL_STARS,
            "national_min_points": rules.NATIONAL_MIN_POINTS,
            "max_total": rules.MAX_TOTAL,
            "validity_months": 12 * validity.years + validity.months,
            "expiring_soon_days": rules.EXPIRING_SOON_DAYS,
            "renewal_notice_days": rules.RENEWAL_NOTICE_DAYS,
        }
    }


def demo_data(request):
    """``demo_published``: whether any demo record is public (base.html's site-wide banner, the home page's
    wording). Read only by a page that shows it, and then once per data version per process
    (:func:`demo_published`): no query on most requests."""
    return {"demo_published": SimpleLazyObject(demo_published)}


# (data version, answer) of this process's last look at the database.
_demo_memo: tuple[int | None, bool] = (None, False)


def demo_published() -> bool:
    """Whether a published product is demo data or made by a demo producer (``is_demo``): the public can see
    demo data. One EXISTS query per data version in each process, then none until the next write bumps the
    version (``ocop_registry.data_version``); the version is one cache read."""
    global _demo_memo
    version = data_version.current()
    seen, published = _demo_memo
    if seen != version:
        published = Product.objects.published().filter(Q(is_demo=True) | Q(producer__is_demo=True)).exists()
        _demo_memo = (version, published)
    return published
