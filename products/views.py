"""The public catalogue: thin views over products.selectors and products.filters."""

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_ratelimit.core import is_ratelimited

from evaluations import rules
from ocop_registry.exports import csv_response
from ocop_registry.site_url import absolute_url

from . import selectors
from .filters import ORDERING_CHOICES, PAGE_SIZE, CatalogueFilterSet
from .models import Commune, LegacyDistrict


def _page(request, queryset, count=None):
    """The requested page of ``queryset`` as product cards (of ``count`` rows, when the caller knows); a malformed
    or out-of-range page shows the nearest one, with a notice, never an error."""
    paginator = Paginator(selectors.as_cards(queryset), PAGE_SIZE)
    if count is not None:
        paginator.count = count  # instead of counting the rows again
    raw = request.GET.get("page", "")
    page = paginator.get_page(raw)
    notice = ""
    if raw and raw != str(page.number):
        notice = gettext("Không có trang “%(page)s”; đang hiển thị trang %(number)s.") % {
            "page": raw[:20],
            "number": page.number,
        }
    return page, notice


def _canonical(request, path=None, page=None):
    url = absolute_url(path or request.path, request)
    if page and page.number > 1:
        url += f"?page={page.number}"
    return url


@require_GET
def home(request):
    return render(
        request,
        "products/home.html",
        {
            "headline": selectors.headline_counts(),
            "newest": selectors.newest_recognitions(limit=6),
            "canonical_url": _canonical(request),
        },
    )


@require_GET
def product_list(request):
    filterset = CatalogueFilterSet(request.GET)
    facets = filterset.facets()
    page, page_notice = _page(request, filterset.qs, count=filterset.total)
    return render(
        request,
        "products/product_list.html",
        {
            "filterset": filterset,
            "facets": facets,
            "select_facets": [facets[name] for name in ("group", "commune", "district", "producer_kind", "year")],
            "ordering_choices": ORDERING_CHOICES,
            "ordering": filterset.form.cleaned_data.get("ordering") or "relevance",
            "invalid_fields": filterset.invalid_fields,
            "page_obj": page,
            "page_notice": page_notice,
            "query": filterset.form.cleaned_data.get("q", ""),
            "canonical_url": _canonical(request, page=page),
        },
    )


CSV_COLUMNS = [
    "Mã sản phẩm",
    "Tên sản phẩm",
    "Hạng sao",
    "Mã nhóm",
    "Nhóm sản phẩm",
    "Chủ thể",
    "Loại chủ thể",
    "Mã xã/phường",
    "Xã/phường hiện nay",
    "Xã theo hồ sơ gốc",
    "Huyện theo hồ sơ gốc",
    "Số quyết định",
    "Ngày quyết định",
    "Hiệu lực đến",
    "Tình trạng chứng nhận",
    "Địa chỉ trang",
    "Dữ liệu minh họa",  # is_demo: a demo product, or one of a demo producer (load_demo; manage.py remove_demo)
]


def status_csv_labels() -> dict:
    """The certificate statuses (``rules.CertificateStatus``) as the CSV writes them: in Vietnamese whatever the
    interface's language, as its columns; an expiring certificate is valid, and says so."""
    with translation.override("vi"):
        labels = {status.value: str(status.label) for status in rules.CertificateStatus}
    valid, expiring = rules.CertificateStatus.VALID, rules.CertificateStatus.EXPIRING
    labels[expiring] = f"{labels[valid]} (sắp hết hạn)"
    return labels


@require_GET
def product_csv(request):
    """The current filter as CSV (UTF-8 with BOM, so spreadsheet software reads the Vietnamese)."""
    filterset = CatalogueFilterSet(request.GET)
    statuses = status_csv_labels()
    # Product URLs differ only by slug: build the absolute prefix once, not per row.
    marker = "slug-placeholder"
    url_template = absolute_url(reverse("products:product_detail", kwargs={"slug": marker}), request)

    def rows():
        for product in filterset.qs.iterator(chunk_size=500):
            legacy = product.legacy_commune
            yield [
                product.code,
                product.name,
                product.cert_stars,
                product.group.code if product.group else "",
                product.group.name if product.group else "",
                product.producer.name,
                product.producer.get_kind_display(),
                product.commune.code,
                product.commune.full_name,
                f"{legacy.get_kind_display()} {legacy.name}" if legacy else "",
                str(legacy.district) if legacy else "",
                product.cert_decision_no,
                product.cert_decision_date.isoformat(),
                selectors.valid_until(product.cert_decision_date).isoformat(),
                statuses.get(product.cert_status, product.cert_status),
                url_template.replace(marker, product.slug),
                "Có" if product.is_demo or product.producer.is_demo else "Không",
            ]

    return csv_response("san-pham-ocop-thanh-hoa.csv", CSV_COLUMNS, rows())


def _product_or_404(slug):
    product = selectors.catalogue_product_detail(slug=slug)
    if product is None:
        raise Http404(gettext("Không có sản phẩm OCOP này trong danh mục công khai."))
    return product


@require_GET
def product_detail(request, slug):
    product = _product_or_404(slug)
    canonical = _canonical(request, product.get_absolute_url())
    certificate = product.recognitions[0]
    og_image = ""
    if product.image:
        try:
            og_image = absolute_url(product.thumb_1024.url, request)
        except (OSError, ValueError):
            og_image = ""
    return render(
        request,
        "products/product_detail.html",
        {
            "og_image_url": og_image,
            "product": product,
            "certificate": certificate,
            "valid_until": certificate.valid_until,
            "history": product.recognitions,
            "images": product.gallery,
            "canonical_url": canonical,
            "expiring_soon_days": rules.EXPIRING_SOON_DAYS,
        },
    )


@require_GET
def product_print(request, slug):
    """A print-friendly certificate card with the QR code, for labels and notice boards."""
    product = _product_or_404(slug)
    certificate = product.recognitions[0]
    return render(
        request,
        "products/product_print.html",
        {
            "product": product,
            "certificate": certificate,
            "valid_until": certificate.valid_until,
            "canonical_url": _canonical(request, product.get_absolute_url()),
        },
    )


@require_GET
def producer_detail(request, slug):
    producer = selectors.public_producer(slug=slug)
    if producer is None:
        raise Http404(gettext("Không có chủ thể này trong danh mục công khai."))
    page, page_notice = _page(request, selectors.catalogue_products().filter(producer=producer))
    return render(
        request,
        "products/producer_detail.html",
        {
            "producer": producer,
            "page_obj": page,
            "page_notice": page_notice,
            "canonical_url": _canonical(request, producer.get_absolute_url(), page),
        },
    )


@require_GET
def commune_list(request):
    communes = selectors.communes_with_counts()
    listed = [c for c in communes if c.listed_count]
    listed.sort(key=lambda c: (-c.valid_count, -c.listed_count, c.name_key))
    return render(
        request,
        "products/commune_list.html",
        {
            "communes": communes,
            "listed": listed,
            "map_places": LegacyDistrict.objects.filter(latitude__isnull=False),  # the map's labels
            "canonical_url": _canonical(request),
        },
    )


@require_GET
def commune_detail(request, slug):
    commune = get_object_or_404(Commune, slug=slug)
    page, page_notice = _page(request, selectors.catalogue_products().filter(commune=commune))
    return render(
        request,
        "products/commune_detail.html",
        {
            "commune": commune,
            "legacy_communes": commune.legacy_communes.select_related("district"),
            "page_obj": page,
            "page_notice": page_notice,
            "canonical_url": _canonical(request, commune.get_absolute_url(), page),
        },
    )


def _client_ip(group, request):
    """The visitor's address as django-axes reads it (behind DJANGO_PROXY_COUNT proxies): one budget per visitor."""
    return get_client_ip_address(request) or ""


@require_GET
@never_cache  # each lookup is counted, and the answer is read the moment it is asked
def verify(request):
    """Is this product's OCOP certificate valid? One line for a consumer holding a label."""
    typed = request.GET.get("ma", "").strip()[:40]
    code = selectors.product_code_from(typed) if typed else None
    context = {"typed": typed, "code": code, "canonical_url": _canonical(request)}
    if typed:
        if is_ratelimited(request, group="verify", key=_client_ip, rate=settings.VERIFY_RATE, increment=True):
            context["limited"] = True
            return render(request, "products/verify.html", context, status=429)
        product = selectors.verified_certificate(code) if code else None
        context["product"] = product
        if product is not None:
            context["valid_until"] = selectors.valid_until(product.cert_decision_date)
    return render(request, "products/verify.html", context)


@require_GET
def help_page(request):
    bands = [
        {"low": low, "high": high, "stars": stars, "certified": stars >= rules.CERTIFIED_MIN_STARS}
        for low, high, stars in rules.STAR_BANDS
    ]
    return render(
        request,
        "products/help.html",
        {
            "bands": bands,
            "part_maxima": [(rule_set.label, rules.PART_MAXIMA[rule_set]) for rule_set in rules.RuleSet],
            "page_size": PAGE_SIZE,
            "canonical_url": _canonical(request),
        },
    )


@require_GET
def robots_txt(request):
    return render(
        request,
        "robots.txt",
        {"sitemap_url": absolute_url(reverse("sitemap"), request)},
        content_type="text/plain; charset=utf-8",
    )
