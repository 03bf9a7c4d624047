"""The public HTML pages, the CSV download, sitemap.xml and robots.txt."""

import csv
import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from evaluations import rules
from products.filters import PAGE_SIZE
from products.models import Commune, Producer, ProductGroup, ProductImage
from products.tests.test_selectors import LISTED, NEVER_LISTED, build_catalogue, days_ago
from tests.factories import make_producer, make_product, make_recognition


def png_upload(name="photo.png", size=(1600, 1200)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


class CataloguePagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = build_catalogue()

    def get(self, url, **params):
        response = self.client.get(url, params)
        self.assertEqual(response.status_code, 200, url)
        return response

    # Home ---------------------------------------------------------------------

    def test_home_explains_ocop_and_shows_headline_counts_newest_and_a_search_box(self):
        response = self.get(reverse("products:home"))
        html = response.content.decode()
        self.assertIn("Mỗi xã một sản phẩm", html)
        self.assertEqual(response.context["headline"].valid_products, 5)
        self.assertEqual(response.context["headline"].by_stars[4], 2)
        self.assertIn('name="q"', html)
        newest = [p.name for p in response.context["newest"]]
        self.assertEqual(newest[0], "Bánh gai Tứ Trụ")  # decided 50 days ago
        self.assertNotIn("Rượu men lá", newest)

    def test_home_takes_a_constant_number_of_queries(self):
        with self.assertNumQueries(2):
            self.get(reverse("products:home"))

    # List -----------------------------------------------------------------------

    def test_list_shows_valid_products_by_default_with_facet_counts(self):
        response = self.get(reverse("products:product_list"))
        html = response.content.decode()
        self.assertEqual(response.context["page_obj"].paginator.count, 5)
        self.assertIn("Mắm tôm Ngư Lộc", html)
        self.assertNotIn("Rượu men lá", html)
        self.assertRegex(html, r'value="4"[^>]*> 4 sao <span class="count">\(2\)</span>')

    def test_list_search_and_star_filter_together(self):
        response = self.get(reverse("products:product_list"), q="nuoc mam", stars="3")
        names = [p.name for p in response.context["page_obj"]]
        self.assertEqual(names, ["Nước mắm Hải Tiến"])

    def test_list_bad_filter_values_show_a_message_not_an_error(self):
        response = self.get(reverse("products:product_list"), stars="nine", year="20x4", page="abc")
        html = response.content.decode()
        self.assertIn("không hợp lệ nên đã bị bỏ qua", html)
        self.assertIn("Hạng sao", response.context["invalid_fields"])

    def test_list_page_out_of_range_shows_the_last_page_with_a_notice(self):
        response = self.get(reverse("products:product_list"), page="999")
        self.assertEqual(response.context["page_obj"].number, 1)
        self.assertIn("Không có trang “999”", response.content.decode())

    def test_list_with_a_five_thousand_character_query_is_an_empty_list(self):
        response = self.get(reverse("products:product_list"), q="x" * 5000)
        self.assertEqual(response.context["page_obj"].paginator.count, 0)

    def test_csv_link_keeps_the_current_filter(self):
        html = self.get(reverse("products:product_list"), q="mam", stars="4").content.decode()
        self.assertIn(reverse("products:product_csv") + "?q=mam&amp;stars=4", html)

    # Product page -----------------------------------------------------------------------

    def test_product_page_shows_certificate_history_qr_and_links(self):
        product = self.p["rerated"]
        response = self.get(product.get_absolute_url())
        html = response.content.decode()
        latest = response.context["certificate"]
        self.assertEqual(latest.decision_date, days_ago(50))
        self.assertIn(latest.decision_no, html)
        self.assertIn(rules.certificate_valid_until(latest.decision_date).strftime("%d/%m/%Y"), html)
        self.assertIn("badge-valid", html)
        self.assertIn('aria-label="3 sao"', html)
        self.assertEqual(len(response.context["history"]), 2)
        self.assertIn(product.producer.get_absolute_url(), html)
        self.assertIn(product.commune.get_absolute_url(), html)
        self.assertIn("<svg", html)
        self.assertIn('class="qr"', html)
        self.assertIn(f'<link rel="canonical" href="http://testserver{product.get_absolute_url()}">', html)
        self.assertIn('property="og:title"', html)
        self.assertIn(reverse("products:product_print", args=[product.slug]), html)

    def test_product_page_shows_the_commune_as_recorded_before_2025(self):
        html = self.get(self.p["valid3"].get_absolute_url()).content.decode()
        self.assertIn("Nga Thanh", html)
        self.assertIn("Huyện Nga Sơn", html)

    def test_product_badges_for_expiring_expired_and_revoked(self):
        for key, badge in (("expiring", "badge-expiring"), ("expired", "badge-expired"), ("revoked", "badge-revoked")):
            html = self.get(self.p[key].get_absolute_url()).content.decode()
            self.assertIn(badge, html, key)

    def test_product_page_takes_a_constant_number_of_queries(self):
        with self.assertNumQueries(3):  # product with its latest recognition, images, history
            self.get(self.p["rerated"].get_absolute_url())

    def test_print_view_shows_the_certificate_card_with_qr(self):
        html = self.get(reverse("products:product_print", args=[self.p["valid4"].slug])).content.decode()
        self.assertIn("certificate-card", html)
        self.assertIn("<svg", html)

    def test_products_outside_the_catalogue_have_no_public_page(self):
        for key in NEVER_LISTED:
            response = self.client.get(self.p[key].get_absolute_url())
            self.assertEqual(response.status_code, 404, key)
            response = self.client.get(reverse("products:product_print", args=[self.p[key].slug]))
            self.assertEqual(response.status_code, 404, key)

    def test_a_proposal_never_shows_as_five_stars(self):
        html = self.get(self.p["proposed"].get_absolute_url()).content.decode()
        self.assertIn('aria-label="4 sao"', html)
        self.assertNotIn('aria-label="5 sao"', html)

    # Producers and communes ------------------------------------------------------------

    def test_producer_page_lists_its_catalogue_products(self):
        producer = self.p["valid4"].producer
        response = self.get(producer.get_absolute_url())
        self.assertEqual([p.name for p in response.context["page_obj"]], ["Nem chua Đông Sơn"])

    def test_producer_without_a_listed_product_has_no_public_page(self):
        self.assertEqual(self.client.get(self.p["draft"].producer.get_absolute_url()).status_code, 404)

    def test_commune_page_lists_the_products_of_one_commune(self):
        commune = self.p["valid3"].commune
        response = self.get(commune.get_absolute_url())
        names = {p.name for p in response.context["page_obj"]}
        self.assertIn("Nước mắm Hải Tiến", names)
        self.assertFalse(names & {self.p[k].name for k in NEVER_LISTED})
        self.assertIn("Nga Thanh", response.content.decode())  # the legacy commune merged into it

    def test_communes_overview_plots_communes_as_inline_svg(self):
        response = self.get(reverse("products:commune_list"))
        html = response.content.decode()
        self.assertIn('<svg class="commune-map"', html)
        self.assertIn(self.p["valid3"].commune.get_absolute_url(), html)
        self.assertEqual(html.count('class="map-hit"'), len({self.p[k].commune_id for k in ("valid3", "valid4", "expiring", "rerated", "proposed")}))
        self.assertNotIn("tile", html.lower())
        self.assertNotRegex(html, r'cx="[0-9]+,[0-9]')  # coordinates are never localised with commas

    def test_communes_overview_takes_two_queries(self):
        with self.assertNumQueries(2):
            self.get(reverse("products:commune_list"))

    def test_help_page_states_the_rules_from_the_rules_module(self):
        html = self.get(reverse("products:help")).content.decode()
        self.assertIn(f"{rules.EXPIRING_SOON_DAYS} ngày", html)
        self.assertIn("36 tháng", html)
        self.assertIn("/api/v1/products/", html)

    # CSV, sitemap, robots ------------------------------------------------------------------

    def test_csv_is_utf8_with_bom_and_follows_the_filter(self):
        response = self.get(reverse("products:product_csv"), status="all")
        body = response.content.decode("utf-8")
        self.assertTrue(body.startswith("\ufeff"))
        rows = list(csv.reader(io.StringIO(body[1:])))
        self.assertEqual(rows[0][0], "Mã sản phẩm")
        self.assertEqual({row[1] for row in rows[1:]}, {self.p[k].name for k in LISTED})
        filtered = list(csv.reader(io.StringIO(self.get(reverse("products:product_csv"), stars="4").content.decode()[1:])))
        self.assertEqual({row[1] for row in filtered[1:]}, {"Nem chua Đông Sơn", "Mắm tôm Ngư Lộc"})

    def test_csv_takes_one_query(self):
        with self.assertNumQueries(1):
            self.get(reverse("products:product_csv"), status="all")

    def test_sitemap_lists_catalogue_pages_only(self):
        xml = self.get("/sitemap.xml").content.decode()
        self.assertIn(self.p["revoked"].get_absolute_url(), xml)
        self.assertIn(self.p["valid3"].producer.get_absolute_url(), xml)
        self.assertIn(self.p["valid3"].commune.get_absolute_url(), xml)
        for key in NEVER_LISTED:
            self.assertNotIn(self.p[key].get_absolute_url(), xml)

    def test_robots_txt_points_to_the_sitemap(self):
        response = self.get("/robots.txt")
        self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
        self.assertIn("Sitemap: http://testserver/sitemap.xml", response.content.decode())
        self.assertIn("Disallow: /admin/", response.content.decode())

    def test_pages_have_titles_descriptions_and_canonical_urls(self):
        urls = [
            reverse("products:home"),
            reverse("products:product_list"),
            self.p["valid3"].get_absolute_url(),
            self.p["valid3"].producer.get_absolute_url(),
            self.p["valid3"].commune.get_absolute_url(),
            reverse("products:commune_list"),
            reverse("products:help"),
        ]
        for url in urls:
            html = self.get(url).content.decode()
            self.assertRegex(html, r"<title>[^<]{5,}</title>", url)
            self.assertRegex(html, r'<meta name="description" content="[^"]{20,}">', url)
            self.assertIn('<link rel="canonical" href="http://testserver', html, url)
            self.assertIn('<meta property="og:url"', html, url)


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


class ListScalingTests(TestCase):
    """The list page's query count depends neither on the page size nor on the data."""

    def make_products(self, n, start=0):
        make_many_products(n, start)

    def count_queries(self, url):
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(ctx.captured_queries)

    def test_list_query_count_is_constant_in_page_size_and_data(self):
        url = reverse("products:product_list") + "?stars=3&stars=4&ordering=stars"
        self.make_products(3)
        small = self.count_queries(url)
        self.make_products(PAGE_SIZE * 2, start=3)
        large = self.count_queries(url)
        self.assertEqual(small, large)
        with self.assertNumQueries(small):
            response = self.client.get(url)
        self.assertEqual(len(response.context["page_obj"]), PAGE_SIZE)
        self.assertLessEqual(large, 12)

    def test_pagination_is_24_per_page_and_keeps_the_filters(self):
        self.make_products(PAGE_SIZE + 3)
        response = self.client.get(reverse("products:product_list"), {"q": "san pham", "stars": ["3", "4"]})
        html = response.content.decode()
        self.assertEqual(len(response.context["page_obj"]), PAGE_SIZE)
        self.assertIn('href="?q=san+pham&amp;stars=3&amp;stars=4&amp;page=2"', html)
        page2 = self.client.get(reverse("products:product_list"), {"q": "san pham", "stars": ["3", "4"], "page": 2})
        self.assertEqual(len(page2.context["page_obj"]), 3)

    def test_commune_and_producer_pages_do_not_grow_with_the_data(self):
        self.make_products(2)
        commune = Commune.objects.order_by("code").first()
        small = self.count_queries(commune.get_absolute_url())
        self.make_products(PAGE_SIZE * 2, start=2)
        self.assertEqual(self.count_queries(commune.get_absolute_url()), small)


class ThumbnailTests(TestCase):
    def setUp(self):
        # imagekit remembers which cache files exist in Django's cache; each test has its own MEDIA_ROOT.
        from django.core.cache import cache

        cache.clear()

    def test_list_pages_use_generated_thumbnails_never_the_full_upload(self):
        product = make_product(name="Nước mắm có ảnh", image=png_upload())
        make_recognition(product, stars=4, decision_date=days_ago(5))
        ProductImage.objects.create(product=product, image=png_upload("second.png"), caption="Chai 500 ml")
        html = self.client.get(reverse("products:product_list")).content.decode()
        self.assertNotIn(product.image.url, html)
        srcset = re.search(r'srcset="([^"]+)"', html).group(1)
        self.assertIn("320w", srcset)
        self.assertIn("1024w", srcset)
        detail = self.client.get(product.get_absolute_url()).content.decode()
        self.assertNotIn(f'src="{product.image.url}"', detail)
        self.assertIn('alt="Chai 500 ml"', detail)

    def test_thumbnails_are_generated_when_the_image_is_saved_never_by_a_page(self):
        from imagekit.cachefiles import ImageCacheFile

        generated = []
        original = ImageCacheFile._generate

        def spy(self, *args, **kwargs):
            generated.append(self.name)
            return original(self, *args, **kwargs)

        ImageCacheFile._generate = spy
        try:
            product = make_product(name="Mắm có ảnh", image=png_upload())
            on_save = len(generated)
            make_recognition(product, stars=3, decision_date=days_ago(5))
            self.client.get(reverse("products:product_list"))
            self.client.get(product.get_absolute_url())
        finally:
            ImageCacheFile._generate = original
        self.assertEqual(on_save, 3)  # 320, 640 and 1024 px
        self.assertEqual(len(generated), on_save)  # the pages generated nothing
        self.assertTrue(product.thumb_320.storage.exists(product.thumb_320.name))


class CsvFormulaInjectionTests(TestCase):
    """Text typed into the registry reaches the public CSV neutralised (CSV injection).

    The other columns cannot start with a formula character: codes are constrained, and place names
    are written with their "Xã"/"Phường"/"Huyện" prefix.
    """

    def test_formula_like_text_is_prefixed_with_an_apostrophe(self):
        group = ProductGroup.objects.create(code="IX", name="@SUM(A1:A9)")
        product = make_product(
            name='=HYPERLINK("http://evil.example","x")', producer=make_producer(name="+Lê Văn A"), group=group
        )
        make_recognition(product, stars=3, decision_date=days_ago(10))

        body = self.client.get(reverse("products:product_csv")).content.decode("utf-8")
        self.assertTrue(body.startswith("\ufeff"))
        header, *rows = list(csv.reader(io.StringIO(body[1:])))
        self.assertEqual(len(rows), 1)
        record = dict(zip(header, rows[0]))
        self.assertEqual(record["Tên sản phẩm"], '\'=HYPERLINK("http://evil.example","x")')
        self.assertEqual(record["Chủ thể"], "'+Lê Văn A")
        self.assertEqual(record["Nhóm sản phẩm"], "'@SUM(A1:A9)")
        self.assertEqual((record["Mã nhóm"], record["Hạng sao"]), ("IX", "3"))


class RuleFiguresInPageTextsTests(TestCase):
    """The home and help pages quote evaluations.rules (through the ``ocop_rules`` context processor)."""

    HOME = "Sản phẩm đạt từ {stars} sao trở lên được cấp giấy chứng nhận, có hiệu lực {months} tháng."
    HELP = (
        "Sản phẩm được chấm trên thang {total} điểm, gồm ba phần:",
        "Chỉ sản phẩm đạt từ {stars} sao trở lên mới là sản phẩm OCOP. Cấp tỉnh công nhận {stars} và 4 sao (có giai "
        "đoạn cấp huyện công nhận {stars} sao); sản phẩm đạt từ {points} điểm được tỉnh đề xuất lên Hội đồng Trung "
        "ương, và chỉ quyết định của Trung ương mới công nhận 5 sao. Danh mục không hiển thị đề xuất 5 sao như một "
        "chứng nhận.",
        "Giấy chứng nhận có hiệu lực {months} tháng kể từ ngày quyết định công nhận.",
    )

    def pages(self):
        home = self.client.get(reverse("products:home")).content.decode()
        help_page = self.client.get(reverse("products:help")).content.decode()
        return home, help_page

    def test_the_wording_is_unchanged(self):
        home, help_page = self.pages()
        figures = {"stars": 3, "months": 36, "total": 100, "points": 90}
        self.assertIn(self.HOME.format(**figures), home)
        for sentence in self.HELP:
            self.assertIn(sentence.format(**figures), help_page)

    def test_the_figures_follow_the_rules_module(self):
        from unittest import mock

        from dateutil.relativedelta import relativedelta

        bands = ((0, 29, 1), (30, 49, 2), (50, 69, 3), (70, 94, 4), (95, 100, 5))
        with mock.patch.multiple(
            rules, CERTIFIED_MIN_STARS=2, CERTIFICATE_VALIDITY=relativedelta(years=4), STAR_BANDS=bands, MAX_TOTAL=120
        ):
            home, help_page = self.pages()
        figures = {"stars": 2, "months": 48, "total": 120, "points": 95}
        self.assertIn(self.HOME.format(**figures), home)
        for sentence in self.HELP:
            self.assertIn(sentence.format(**figures), help_page)
