"""The one catalogue FilterSet: every filter, its default, bad input and the facet counts."""

from django.http import QueryDict

from products.filters import CatalogueFilterSet
from products.tests.test_selectors import days_ago


def search(query: str):
    return CatalogueFilterSet(QueryDict(query))


def names(query: str) -> set:
    return {product.name for product in search(query).qs}


def test_text_search_ignores_case_and_diacritics(catalogue):
    assert names("q=nuoc+mam") == {"Nước mắm Hải Tiến"}
    assert names("q=NƯỚC MẮM") == {"Nước mắm Hải Tiến"}


def test_text_search_folds_d_with_stroke(catalogue):
    assert names("q=dong+son") == {"Nem chua Đông Sơn"}
    assert names("q=Đông") == {"Nem chua Đông Sơn"}


def test_text_search_covers_producer_and_commune_names(catalogue):
    assert names("q=do+van+duc") == {"Nem chua Đông Sơn"}
    commune = catalogue["valid3"].commune
    assert "Nước mắm Hải Tiến" in names(f"q={commune.name}&status=all")
    # The commune as recorded before 2025 is searchable too.
    assert "Nước mắm Hải Tiến" in names("q=nga+thanh")


def test_a_five_thousand_character_query_is_cut_not_refused(catalogue):
    filterset = search("q=" + "a" * 5000)

    assert filterset.is_valid()
    assert list(filterset.qs) == []


def test_status_is_valid_by_default_and_includes_expiring(catalogue):
    assert names("") == {
        "Nước mắm Hải Tiến", "Nem chua Đông Sơn", "Chiếu cói Nga Sơn", "Bánh gai Tứ Trụ", "Mắm tôm Ngư Lộc",
    }


def test_status_expired_revoked_and_all(catalogue):
    assert names("status=expired") == {"Mật ong rừng Pù Luông"}
    assert names("status=revoked") == {"Rượu men lá"}
    assert len(names("status=all")) == 7


def test_stars_accepts_several_values(catalogue):
    assert names("stars=4") == {"Nem chua Đông Sơn", "Mắm tôm Ngư Lộc"}
    assert len(names("stars=3&stars=4")) == 5


def test_group_matches_the_group_and_its_subgroups(catalogue):
    assert names("group=I.4") == {"Nước mắm Hải Tiến"}
    assert names("group=IV") == {"Chiếu cói Nga Sơn"}
    assert "Chiếu cói Nga Sơn" not in names("group=I")


def test_commune_district_and_producer_kind(catalogue):
    product = catalogue["valid3"]

    assert product.name in names(f"commune={product.commune.code}")
    assert names(f"district={product.legacy_commune.district.code}") == {product.name}
    assert names("producer_kind=ho_kd") == {"Nem chua Đông Sơn"}


def test_year_is_the_year_of_the_latest_recognition(catalogue):
    assert "Bánh gai Tứ Trụ" in names(f"year={days_ago(50).year}")
    assert "Bánh gai Tứ Trụ" not in names(f"year={days_ago(500).year - 1}")


def test_ordering_by_name_stars_and_newest(catalogue):
    by_name = [p.name for p in search("ordering=name").qs]
    by_stars = [p.cert_stars for p in search("ordering=stars").qs]
    newest = [p.cert_decision_date for p in search("ordering=newest").qs]

    assert by_name[0] == "Bánh gai Tứ Trụ"
    assert by_stars == sorted(by_stars, reverse=True)
    assert newest == sorted(newest, reverse=True)


def test_malformed_values_are_ignored_and_named(catalogue):
    filterset = search("stars=9&year=abc&commune=x'--&group=ZZ&district=1&producer_kind=nope&status=bad&ordering=up")

    assert not filterset.is_valid()
    assert len(filterset.invalid_fields) == 8
    # Every invalid filter is dropped; a bad status falls back to the default (valid).
    assert len(list(filterset.qs)) == 5


def test_unknown_codes_give_an_empty_list(catalogue):
    assert names("commune=99999") == set()
    assert names("group=V.9") == set()


def test_facet_counts_apply_every_other_filter(catalogue):
    facets = search("stars=4").facets()

    stars = {o.value: (o.count, o.selected) for o in facets["stars"].options}
    assert stars == {"3": (3, False), "4": (2, True), "5": (0, False)}
    status = {o.value: o.count for o in facets["status"].options}
    assert status == {"valid": 2, "expired": 1, "revoked": 0, "all": 3}
    kinds = {o.value: o.count for o in facets["producer_kind"].options}
    assert kinds["ho_kd"] == 1


def test_group_facet_counts_groups_and_subgroups(catalogue):
    groups = {o.value: o.count for o in search("status=all").facets()["group"].options}

    assert groups["I"] == 5
    assert groups["I.4"] == 1
    assert groups["II"] == 1


def test_facets_take_a_constant_number_of_queries(catalogue, django_assert_num_queries):
    with django_assert_num_queries(10):
        search("q=a&stars=3&group=I&status=all").facets()
