"""The one catalogue FilterSet: every filter, its default, bad input and the facet counts."""

from django.http import QueryDict
from django.test import TestCase

from products.filters import CatalogueFilterSet
from products.tests.test_selectors import build_catalogue, days_ago


def search(query: str):
    return CatalogueFilterSet(QueryDict(query))


class CatalogueFilterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = build_catalogue()

    def names(self, query):
        return {product.name for product in search(query).qs}

    def test_text_search_ignores_case_and_diacritics(self):
        self.assertEqual(self.names("q=nuoc+mam"), {"Nước mắm Hải Tiến"})
        self.assertEqual(self.names("q=NƯỚC MẮM"), {"Nước mắm Hải Tiến"})

    def test_text_search_folds_d_with_stroke(self):
        self.assertEqual(self.names("q=dong+son"), {"Nem chua Đông Sơn"})
        self.assertEqual(self.names("q=Đông"), {"Nem chua Đông Sơn"})

    def test_text_search_covers_producer_and_commune_names(self):
        self.assertEqual(self.names("q=do+van+duc"), {"Nem chua Đông Sơn"})
        commune = self.p["valid3"].commune
        self.assertIn("Nước mắm Hải Tiến", self.names(f"q={commune.name}&status=all"))
        # The commune as recorded before 2025 is searchable too.
        self.assertIn("Nước mắm Hải Tiến", self.names("q=nga+thanh"))

    def test_a_five_thousand_character_query_is_cut_not_refused(self):
        filterset = search("q=" + "a" * 5000)
        self.assertTrue(filterset.is_valid())
        self.assertEqual(list(filterset.qs), [])

    def test_status_is_valid_by_default_and_includes_expiring(self):
        self.assertEqual(
            self.names(""),
            {"Nước mắm Hải Tiến", "Nem chua Đông Sơn", "Chiếu cói Nga Sơn", "Bánh gai Tứ Trụ", "Mắm tôm Ngư Lộc"},
        )

    def test_status_expired_revoked_and_all(self):
        self.assertEqual(self.names("status=expired"), {"Mật ong rừng Pù Luông"})
        self.assertEqual(self.names("status=revoked"), {"Rượu men lá"})
        self.assertEqual(len(self.names("status=all")), 7)

    def test_stars_accepts_several_values(self):
        self.assertEqual(self.names("stars=4"), {"Nem chua Đông Sơn", "Mắm tôm Ngư Lộc"})
        self.assertEqual(len(self.names("stars=3&stars=4")), 5)

    def test_group_matches_the_group_and_its_subgroups(self):
        self.assertEqual(self.names("group=I.4"), {"Nước mắm Hải Tiến"})
        self.assertEqual(self.names("group=IV"), {"Chiếu cói Nga Sơn"})
        self.assertNotIn("Chiếu cói Nga Sơn", self.names("group=I"))

    def test_commune_district_and_producer_kind(self):
        product = self.p["valid3"]
        self.assertIn(product.name, self.names(f"commune={product.commune.code}"))
        self.assertEqual(self.names(f"district={product.legacy_commune.district.code}"), {product.name})
        self.assertEqual(self.names("producer_kind=ho_kd"), {"Nem chua Đông Sơn"})

    def test_year_is_the_year_of_the_latest_recognition(self):
        year = days_ago(50).year
        self.assertIn("Bánh gai Tứ Trụ", self.names(f"year={year}"))
        self.assertNotIn("Bánh gai Tứ Trụ", self.names(f"year={days_ago(500).year - 1}"))

    def test_ordering_by_name_stars_and_newest(self):
        by_name = [p.name for p in search("ordering=name").qs]
        self.assertEqual(by_name[0], "Bánh gai Tứ Trụ")
        by_stars = [p.cert_stars for p in search("ordering=stars").qs]
        self.assertEqual(by_stars, sorted(by_stars, reverse=True))
        newest = [p.cert_decision_date for p in search("ordering=newest").qs]
        self.assertEqual(newest, sorted(newest, reverse=True))

    def test_malformed_values_are_ignored_and_named(self):
        filterset = search("stars=9&year=abc&commune=x'--&group=ZZ&district=1&producer_kind=nope&status=bad&ordering=up")
        self.assertFalse(filterset.is_valid())
        self.assertEqual(len(filterset.invalid_fields), 8)
        # Every invalid filter is dropped; a bad status falls back to the default (valid).
        self.assertEqual(len(list(filterset.qs)), 5)

    def test_unknown_codes_give_an_empty_list(self):
        self.assertEqual(self.names("commune=99999"), set())
        self.assertEqual(self.names("group=V.9"), set())

    def test_facet_counts_apply_every_other_filter(self):
        facets = search("stars=4").facets()
        stars = {o.value: (o.count, o.selected) for o in facets["stars"].options}
        self.assertEqual(stars, {"3": (3, False), "4": (2, True), "5": (0, False)})
        status = {o.value: o.count for o in facets["status"].options}
        self.assertEqual(status, {"valid": 2, "expired": 1, "revoked": 0, "all": 3})
        kinds = {o.value: o.count for o in facets["producer_kind"].options}
        self.assertEqual(kinds["ho_kd"], 1)

    def test_group_facet_counts_groups_and_subgroups(self):
        groups = {o.value: o.count for o in search("status=all").facets()["group"].options}
        self.assertEqual(groups["I"], 5)
        self.assertEqual(groups["I.4"], 1)
        self.assertEqual(groups["II"], 1)

    def test_facets_take_a_constant_number_of_queries(self):
        with self.assertNumQueries(10):
            search("q=a&stars=3&group=I&status=all").facets()
