"""The public HTML pages, the CSV download, sitemap.xml and robots.txt."""

import csv
import io
import re

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from evaluations import rules
from products import selectors
from products.filters import PAGE_SIZE
from products.models import Commune, Producer, ProductGroup, ProductImage
from products.templatetags.catalogue import certificate_badge
from products.tests.test_selectors import LISTED, NEVER_LISTED, days_ago
from tests.factories import make_producer, make_product, make_recognition


def png_upload(name="photo.png", size=(1600, 1200)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def make_many_products(n, start=0):
    """``n`` recognised products spread over groups, communes and producer kinds."""
    groups = list(ProductGroup.objects.filter(parent__isnull=False))
    communes = list(Commune.objects.order_by("code")[:40])
    kinds = list(Producer.Kind.values)
    for i in range(start, start + n):
        product = make_product(
            name=f"Sản phẩm {i:03d}",
            producer=make_producer(commune=communes[i % len(communes)], kind=kinds[i % len(kinds)]),
            commune=communes[i % len(communes)],
            group=groups[i % len(groups)],
        )
        make_recognition(product, stars=3 + i % 2, decision_date=days_ago(10 + i))


def get_page(client, url, **params):
    """The response to a GET that must succeed."""
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response


def page_html(client, url, **params) -> str:
    return get_page(client, url, **params).content.decode()


# Home ---------------------------------------------------------------------------------------------


def test_home_explains_ocop_and_shows_headline_counts_newest_and_a_search_box(client, catalogue):
    response = get_page(client, reverse("products:home"))

    html = response.content.decode()
    assert "Mỗi xã một sản phẩm" in html
    assert response.context["headline"].valid_products == 5
    assert response.context["headline"].by_stars[4] == 2
    assert 'name="q"' in html
    newest = [p.name for p in response.context["newest"]]
    assert newest[0] == "Bánh gai Tứ Trụ"  # decided 50 days ago
    assert "Rượu men lá" not in newest


@pytest.mark.parametrize(
    "url, queries, shown",
    [
        (lambda catalogue: reverse("products:home"), 2, "Bánh gai Tứ Trụ"),
        # the product with its latest recognition, its images, its rating history
        (lambda catalogue: catalogue["rerated"].get_absolute_url(), 3, "Bánh gai Tứ Trụ"),
        # the communes with their counts, the legacy districts labelling the map
        (lambda catalogue: reverse("products:commune_list"), 3, '<svg class="commune-map"'),
    ],
    ids=["home", "product", "communes"],
)
def test_page_takes_a_constant_number_of_queries(client, catalogue, django_assert_num_queries, url, queries, shown):
    client.get(reverse("products:help"))  # the demo banner's check, once per data version (context_processors)
    selectors.facet_labels()  # the facets' reference data, once per data version
    with django_assert_num_queries(queries):
        html = page_html(client, url(catalogue))

    assert shown in html


# List ---------------------------------------------------------------------------------------------


def test_list_shows_valid_products_by_default_with_facet_counts(client, catalogue):
    response = get_page(client, reverse("products:product_list"))

    html = response.content.decode()
    assert response.context["page_obj"].paginator.count == 5
    assert "Mắm tôm Ngư Lộc" in html
    assert "Rượu men lá" not in html
    assert re.search(r'value="4"[^>]*> 4 sao <span class="count">\(2\)</span>', html)


def test_list_search_and_star_filter_together(client, catalogue):
    response = get_page(client, reverse("products:product_list"), q="nuoc mam", stars="3")

    assert [p.name for p in response.context["page_obj"]] == ["Nước mắm Hải Tiến"]


def test_list_bad_filter_values_show_a_message_not_an_error(client, catalogue):
    response = get_page(client, reverse("products:product_list"), stars="nine", year="20x4", page="abc")

    assert "không hợp lệ nên đã bị bỏ qua" in response.content.decode()
    assert "Hạng sao" in response.context["invalid_fields"]


def test_list_page_out_of_range_shows_the_last_page_with_a_notice(client, catalogue):
    response = get_page(client, reverse("products:product_list"), page="999")

    assert response.context["page_obj"].number == 1
    assert "Không có trang “999”" in response.content.decode()


def test_list_with_a_five_thousand_character_query_is_an_empty_list(client, catalogue):
    response = get_page(client, reverse("products:product_list"), q="x" * 5000)

    assert response.context["page_obj"].paginator.count == 0


def test_csv_link_keeps_the_current_filter(client, catalogue):
    html = page_html(client, reverse("products:product_list"), q="mam", stars="4")

    assert reverse("products:product_csv") + "?q=mam&amp;stars=4" in html


# Product page -------------------------------------------------------------------------------------


def test_product_page_shows_certificate_history_qr_and_links(client, catalogue):
    product = catalogue["rerated"]

    response = get_page(client, product.get_absolute_url())

    html = response.content.decode()
    latest = response.context["certificate"]
    assert latest.decision_date == days_ago(50)
    assert latest.decision_no in html
    assert rules.certificate_valid_until(latest.decision_date).strftime("%d/%m/%Y") in html
    assert "badge-valid" in html
    assert 'aria-label="3 sao"' in html
    assert len(response.context["history"]) == 2
    assert product.producer.get_absolute_url() in html
    assert product.commune.get_absolute_url() in html
    assert "<svg" in html
    assert 'class="qr"' in html
    assert f'<link rel="canonical" href="http://testserver{product.get_absolute_url()}">' in html
    assert 'property="og:title"' in html
    assert reverse("products:product_print", args=[product.slug]) in html


def test_product_page_shows_the_commune_as_recorded_before_2025(client, catalogue):
    html = page_html(client, catalogue["valid3"].get_absolute_url())

    assert "Nga Thanh" in html
    assert "Huyện Nga Sơn" in html


@pytest.mark.parametrize(("key", "badge"), [
    ("expiring", "badge-expiring"), ("expired", "badge-expired"), ("revoked", "badge-revoked"),
])
def test_product_page_badges_an_expiring_expired_or_revoked_certificate(client, catalogue, key, badge):
    assert badge in page_html(client, catalogue[key].get_absolute_url())


def test_certificate_badges_say_the_status_labels():
    assert certificate_badge("valid") == '<span class="badge badge-valid">Còn hiệu lực</span>'
    assert certificate_badge("expiring") == '<span class="badge badge-expiring">Sắp hết hiệu lực</span>'
    assert certificate_badge("expired") == '<span class="badge badge-expired">Hết hiệu lực</span>'
    assert certificate_badge("revoked") == '<span class="badge badge-revoked">Đã thu hồi</span>'
    assert certificate_badge("") == certificate_badge("expired")  # anything else reads as expired, as before


def test_print_view_shows_the_certificate_card_with_qr(client, catalogue):
    html = page_html(client, reverse("products:product_print", args=[catalogue["valid4"].slug]))

    assert "certificate-card" in html
    assert "<svg" in html


@pytest.mark.parametrize("key", sorted(NEVER_LISTED))
def test_a_product_outside_the_catalogue_has_no_public_page(client, catalogue, key):
    product = catalogue[key]

    for url in (product.get_absolute_url(), reverse("products:product_print", args=[product.slug])):
        response = client.get(url)
        assert response.status_code == 404, url
        assert product.name not in response.content.decode(), url


def test_a_proposal_never_shows_as_five_stars(client, catalogue):
    html = page_html(client, catalogue["proposed"].get_absolute_url())

    assert 'aria-label="4 sao"' in html
    assert 'aria-label="5 sao"' not in html


# Producers and communes ---------------------------------------------------------------------------


def test_producer_page_lists_its_catalogue_products(client, catalogue):
    response = get_page(client, catalogue["valid4"].producer.get_absolute_url())

    assert [p.name for p in response.context["page_obj"]] == ["Nem chua Đông Sơn"]


def test_producer_without_a_listed_product_has_no_public_page(client, catalogue):
    producer = catalogue["draft"].producer

    response = client.get(producer.get_absolute_url())

    assert response.status_code == 404
    assert producer.name not in response.content.decode()


def test_commune_page_lists_the_products_of_one_commune(client, catalogue):
    response = get_page(client, catalogue["valid3"].commune.get_absolute_url())

    names = {p.name for p in response.context["page_obj"]}
    assert "Nước mắm Hải Tiến" in names
    assert not names & {catalogue[k].name for k in NEVER_LISTED}
    assert "Nga Thanh" in response.content.decode()  # the legacy commune merged into it


def test_communes_overview_plots_communes_as_inline_svg(client, catalogue):
    html = page_html(client, reverse("products:commune_list"))

    assert '<svg class="commune-map"' in html
    assert catalogue["valid3"].commune.get_absolute_url() in html
    valid = ("valid3", "valid4", "expiring", "rerated", "proposed")
    assert html.count('class="map-hit"') == len({catalogue[k].commune_id for k in valid})
    assert "tile" not in html.lower()
    assert not re.search(r'cx="[0-9]+,[0-9]', html)  # coordinates are never localised with commas



def test_help_page_states_the_rules_from_the_rules_module(client, catalogue):
    html = page_html(client, reverse("products:help"))

    assert f"{rules.EXPIRING_SOON_DAYS} ngày" in html
    assert "36 tháng" in html
    assert "/api/v1/products/" in html


# CSV, sitemap, robots -----------------------------------------------------------------------------


def csv_rows(response) -> list:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # the byte order mark Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_is_utf8_with_bom_and_follows_the_filter(client, catalogue):
    rows = csv_rows(get_page(client, reverse("products:product_csv"), status="all"))
    filtered = csv_rows(get_page(client, reverse("products:product_csv"), stars="4"))

    assert rows[0][0] == "Mã sản phẩm"
    assert {row[1] for row in rows[1:]} == {catalogue[k].name for k in LISTED}
    assert {row[1] for row in filtered[1:]} == {"Nem chua Đông Sơn", "Mắm tôm Ngư Lộc"}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_csv_states_each_certificate_status_in_vietnamese(client, catalogue, language):
    """The status column says what it always said, whatever the interface's language."""
    response = client.get(reverse("products:product_csv"), {"status": "all"}, HTTP_ACCEPT_LANGUAGE=language)
    rows = csv_rows(response)
    status = {row[1]: row[14] for row in rows[1:]}

    assert status[catalogue["valid3"].name] == "Còn hiệu lực"
    assert status[catalogue["expiring"].name] == "Còn hiệu lực (sắp hết hạn)"
    assert status[catalogue["expired"].name] == "Hết hiệu lực"
    assert status[catalogue["revoked"].name] == "Đã thu hồi"


def test_csv_takes_one_query(client, catalogue, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = csv_rows(get_page(client, reverse("products:product_csv"), status="all"))

    assert len(rows) == 1 + len(LISTED)


def test_sitemap_lists_catalogue_pages_only(client, catalogue):
    xml = page_html(client, "/sitemap.xml")

    assert catalogue["revoked"].get_absolute_url() in xml
    assert catalogue["valid3"].producer.get_absolute_url() in xml
    assert catalogue["valid3"].commune.get_absolute_url() in xml
    for key in NEVER_LISTED:
        assert catalogue[key].get_absolute_url() not in xml, key


def test_robots_txt_points_to_the_sitemap(client, catalogue):
    response = get_page(client, "/robots.txt")

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()
    assert "Disallow: /admin/" in response.content.decode()


PAGES = {
    "home": lambda p: reverse("products:home"),
    "list": lambda p: reverse("products:product_list"),
    "product": lambda p: p.get_absolute_url(),
    "producer": lambda p: p.producer.get_absolute_url(),
    "commune": lambda p: p.commune.get_absolute_url(),
    "communes": lambda p: reverse("products:commune_list"),
    "help": lambda p: reverse("products:help"),
}


@pytest.mark.parametrize("page", PAGES)
def test_pages_have_titles_descriptions_and_canonical_urls(client, catalogue, page):
    html = page_html(client, PAGES[page](catalogue["valid3"]))

    assert re.search(r"<title>[^<]{5,}</title>", html)
    assert re.search(r'<meta name="description" content="[^"]{20,}">', html)
    assert '<link rel="canonical" href="http://testserver' in html
    assert '<meta property="og:url"' in html


# The list page's query count depends neither on the page size nor on the data ----------------------


def count_queries(client, url) -> int:
    client.get(reverse("products:help"))  # the demo banner's check, once per data version (context_processors)
    selectors.facet_labels()  # the facets' reference data, once per data version
    with CaptureQueriesContext(connection) as ctx:
        get_page(client, url)
    return len(ctx.captured_queries)


def test_list_query_count_is_constant_in_page_size_and_data(client, db, django_assert_num_queries):
    url = reverse("products:product_list") + "?stars=3&stars=4&ordering=stars"
    make_many_products(3)
    small = count_queries(client, url)
    make_many_products(PAGE_SIZE * 2, start=3)
    large = count_queries(client, url)

    assert small == large
    with django_assert_num_queries(small):
        response = client.get(url)
    assert len(response.context["page_obj"]) == PAGE_SIZE
    assert large <= 12


def test_pagination_is_24_per_page_and_keeps_the_filters(client, db):
    make_many_products(PAGE_SIZE + 3)
    filters = {"q": "san pham", "stars": ["3", "4"]}

    response = get_page(client, reverse("products:product_list"), **filters)
    page2 = get_page(client, reverse("products:product_list"), **filters, page=2)

    assert len(response.context["page_obj"]) == PAGE_SIZE
    assert 'href="?q=san+pham&amp;stars=3&amp;stars=4&amp;page=2"' in response.content.decode()
    assert len(page2.context["page_obj"]) == 3


def test_commune_and_producer_pages_do_not_grow_with_the_data(client, db):
    make_many_products(2)
    commune = Commune.objects.order_by("code").first()
    small = count_queries(client, commune.get_absolute_url())
    make_many_products(PAGE_SIZE * 2, start=2)

    assert count_queries(client, commune.get_absolute_url()) == small


# Thumbnails (imagekit remembers which files exist in Django's cache, cleared for each test by conftest.py) --


def test_list_pages_use_generated_thumbnails_never_the_full_upload(client, db):
    product = make_product(name="Nước mắm có ảnh", image=png_upload())
    make_recognition(product, stars=4, decision_date=days_ago(5))
    ProductImage.objects.create(product=product, image=png_upload("second.png"), caption="Chai 500 ml")

    html = page_html(client, reverse("products:product_list"))
    detail = page_html(client, product.get_absolute_url())

    assert product.image.url not in html
    srcset = re.search(r'srcset="([^"]+)"', html).group(1)
    assert "320w" in srcset
    assert "1024w" in srcset
    assert f'src="{product.image.url}"' not in detail
    assert 'alt="Chai 500 ml"' in detail


def test_thumbnails_are_generated_when_the_image_is_saved_never_by_a_page(client, db, monkeypatch):
    from imagekit.cachefiles import ImageCacheFile

    generated = []
    original = ImageCacheFile._generate

    def spy(self, *args, **kwargs):
        generated.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ImageCacheFile, "_generate", spy)
    product = make_product(name="Mắm có ảnh", image=png_upload())
    on_save = len(generated)
    make_recognition(product, stars=3, decision_date=days_ago(5))
    get_page(client, reverse("products:product_list"))
    get_page(client, product.get_absolute_url())

    assert on_save == 3  # 320, 640 and 1024 px
    assert len(generated) == on_save  # the pages generated nothing
    assert product.thumb_320.storage.exists(product.thumb_320.name)


# CSV injection ------------------------------------------------------------------------------------


def test_formula_like_text_reaches_the_csv_prefixed_with_an_apostrophe(client, db):
    """Text typed into the registry reaches the public CSV neutralised. The other columns cannot start with a
    formula character: codes are constrained, and place names are written with their "Xã"/"Phường"/"Huyện"
    prefix."""
    group = ProductGroup.objects.create(code="IX", name="@SUM(A1:A9)")
    product = make_product(
        name='=HYPERLINK("http://evil.example","x")', producer=make_producer(name="+Lê Văn A"), group=group
    )
    make_recognition(product, stars=3, decision_date=days_ago(10))

    header, *rows = csv_rows(get_page(client, reverse("products:product_csv")))

    assert len(rows) == 1
    record = dict(zip(header, rows[0]))
    assert record["Tên sản phẩm"] == '\'=HYPERLINK("http://evil.example","x")'
    assert record["Chủ thể"] == "'+Lê Văn A"
    assert record["Nhóm sản phẩm"] == "'@SUM(A1:A9)"
    assert (record["Mã nhóm"], record["Hạng sao"]) == ("IX", "3")


# The home and help pages quote evaluations.rules (through the ``ocop_rules`` context processor) ----------

HOME_RULE = "Sản phẩm đạt từ {stars} sao trở lên được cấp giấy chứng nhận, có hiệu lực {months} tháng."
HELP_RULES = (
    "Sản phẩm được chấm trên thang {total} điểm, gồm ba phần:",
    "Chỉ sản phẩm đạt từ {stars} sao trở lên mới là sản phẩm OCOP. Cấp tỉnh công nhận {stars} và 4 sao (có giai "
    "đoạn cấp huyện công nhận {stars} sao); sản phẩm đạt từ {points} điểm được tỉnh đề xuất lên Hội đồng Trung "
    "ương, và chỉ quyết định của Trung ương mới công nhận 5 sao. Danh mục không hiển thị đề xuất 5 sao như một "
    "chứng nhận.",
    "Giấy chứng nhận có hiệu lực {months} tháng kể từ ngày quyết định công nhận.",
)


CHANGED_RULES = {  # what the pages must follow if rules.py changed
    "CERTIFIED_MIN_STARS": 2,
    "CERTIFICATE_VALIDITY": relativedelta(years=4),
    "STAR_BANDS": ((0, 29, 1), (30, 49, 2), (50, 69, 3), (70, 94, 4), (95, 100, 5)),
    "NATIONAL_MIN_POINTS": 95,  # derived from STAR_BANDS when rules.py is imported
    "MAX_TOTAL": 120,
}


@pytest.mark.parametrize(
    "changes, figures",
    [
        ({}, {"stars": 3, "months": 36, "total": 100, "points": 90}),
        (CHANGED_RULES, {"stars": 2, "months": 48, "total": 120, "points": 95}),
    ],
    ids=["wording-unchanged", "figures-follow-the-rules-module"],
)
def test_the_pages_state_the_rules_from_the_rules_module(client, db, monkeypatch, changes, figures):
    for name, value in changes.items():
        monkeypatch.setattr(rules, name, value)

    home = page_html(client, reverse("products:home"))
    help_page = page_html(client, reverse("products:help"))

    assert HOME_RULE.format(**figures) in home
    for sentence in HELP_RULES:
        assert sentence.format(**figures) in help_page
