"""Template context shared by every page."""

from django.utils.functional import SimpleLazyObject

from evaluations import rules

from . import selectors


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
    (:func:`products.selectors.demo_published`): no query on most requests."""
    return {"demo_published": SimpleLazyObject(selectors.demo_published)}
