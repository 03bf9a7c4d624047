"""The one catalogue FilterSet: every filter, its default, bad input and the facet counts."""

from django.http import QueryDict

from products import selectors
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
    """One grouped count of every facet over the products' current-recognition columns, whatever the filters (the
    labels are reference data read once per data version: selectors.facet_labels); a search first reads the
    search names' stamp and asks whether its words are found (three). The unfiltered list (no filter but the
    status; a malformed value is ignored) first reads the facet summary: two here, where no summary was built
    (the test's transaction never commits; with one, the summary is the one query:
    products/tests/test_facet_summary.py)."""
    with django_assert_num_queries(3):  # the labels, once
        selectors.facet_labels()
    for query, queries in (("q=a&stars=3&group=I&status=all", 3), ("", 2),
                           ("stars=3&stars=4&commune=00001&district=380&year=2024", 1),
                           ("producer_kind=htx&status=expired&ordering=stars", 1), ("stars=9&status=bad", 2)):
        with django_assert_num_queries(queries, info=query):
            search(query).facets()


# The facet counts as they were computed before the single grouped query (one query per facet, each over the list
# filtered by every other facet): the reference the grouped query is checked against.


def reference_counts(filterset) -> dict:
    from django.db.models import Count

    from products.filters import ALL_STATUSES, DEFAULT_STATUS
    from products.selectors import with_certificate_status

    filterset.is_valid()
    cleaned = filterset.form.cleaned_data

    def grouped(excluded, *keys):
        queryset = filterset.queryset.all()
        for name, value in cleaned.items():
            if name != excluded:
                queryset = filterset.filters[name].filter(queryset, value)
        if excluded != "status" and "status" not in cleaned:
            queryset = with_certificate_status(queryset, DEFAULT_STATUS)
        return list(queryset.order_by().values(*keys).annotate(n=Count("pk")).order_by())

    counts = {"stars": {str(r["cert_stars"]): r["n"] for r in grouped("stars", "cert_stars")}}
    groups = {}
    for row in grouped("group", "group__code", "group__parent__code"):
        for code in {row["group__code"], row["group__parent__code"]} - {None}:
            groups[code] = groups.get(code, 0) + row["n"]
    counts["group"] = groups
    counts["commune"] = {r["commune__code"]: r["n"] for r in grouped("commune", "commune__code")}
    counts["district"] = {
        r["legacy_commune__district__code"]: r["n"]
        for r in grouped("district", "legacy_commune__district__code")
        if r["legacy_commune__district__code"]
    }
    counts["producer_kind"] = {r["producer__kind"]: r["n"] for r in grouped("producer_kind", "producer__kind")}
    counts["year"] = {str(r["cert_year"]): r["n"] for r in grouped("year", "cert_year")}
    statuses = {}
    for row in grouped("status", "cert_status"):
        key = "valid" if row["cert_status"] == "expiring" else row["cert_status"]
        statuses[key] = statuses.get(key, 0) + row["n"]
    statuses[ALL_STATUSES] = sum(statuses.values())
    counts["status"] = statuses
    return counts


FACET_QUERIES = [
    "", "status=all", "status=expired", "status=revoked", "stars=4", "stars=3&stars=4&status=all", "group=I",
    "group=I.4&status=all", "group=IV", "producer_kind=ho_kd", "producer_kind=htx&stars=3&status=all",
    "q=nuoc+mam&status=all", "q=a&stars=3&group=I&status=all", "stars=9&year=abc&status=bad",
    "ordering=stars&status=expired",
]


def test_facet_counts_equal_one_query_per_facet(catalogue):
    today = days_ago(0)
    queries = [
        *FACET_QUERIES,
        f"year={days_ago(50).year}&status=all",
        f"year={days_ago(4 * 365).year}&status=expired",
        f"commune={catalogue['valid3'].commune.code}&status=all",
        f"district={catalogue['valid3'].legacy_commune.district.code}&stars=3",
        f"district={catalogue['valid3'].legacy_commune.district.code}&commune={catalogue['valid3'].commune.code}"
        f"&year={today.year}&status=all",
    ]
    for query in queries:
        filterset = search(query)
        reference = reference_counts(search(query))
        shown = {name: {o.value: o.count for o in facet.options} for name, facet in filterset.facets().items()}
        for name, counts in reference.items():
            nonzero = {value: n for value, n in shown[name].items() if n}
            assert nonzero == {value: n for value, n in counts.items() if n}, (query, name)


def test_facet_counts_equal_one_query_per_facet_on_synthetic_data(db):
    import io

    from django.core.management import call_command

    from products.models import Commune, LegacyDistrict

    call_command("generate_scale", "--products", "300", stdout=io.StringIO())
    commune = Commune.objects.filter(products__isnull=False).order_by("code").first()
    district = LegacyDistrict.objects.filter(communes__products__isnull=False).order_by("code").first()
    for query in [
        *FACET_QUERIES, "year=2024&status=all", "year=2022&status=expired&stars=4", f"commune={commune.code}",
        f"district={district.code}&status=all", f"district={district.code}&group=I&year=2021&status=all",
        "producer_kind=tht&status=revoked", "group=III&stars=3&stars=5&status=all",
    ]:
        reference = reference_counts(search(query))
        shown = {name: {o.value: o.count for o in facet.options} for name, facet in search(query).facets().items()}
        for name, counts in reference.items():
            assert {v: n for v, n in shown[name].items() if n} == {v: n for v, n in counts.items() if n}, (query, name)
