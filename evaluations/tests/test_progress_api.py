"""GET /api/v1/progress/: public, read-only, headline figures only."""

import datetime

import pytest
from django.test import Client

from evaluations.services import evaluation_propose_national, evaluation_revoke
from tests.factories import make_evaluation, make_phase, make_producer, make_product, make_recognition

D = datetime.date
URL = "/api/v1/progress/"
VI = {"HTTP_ACCEPT_LANGUAGE": "vi-VN,vi;q=0.9"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


@pytest.fixture
def api():
    return Client()


@pytest.mark.django_db
def test_progress_shape_and_figures(api):
    make_recognition(stars=4, decision_date=D(2019, 12, 23))
    make_recognition(stars=3, decision_date=D(2020, 6, 12))
    body = api.get(URL, {"as_of": "2020-06-30"}).json()
    assert body["as_of"] == "2020-06-30"
    assert [p["name"] for p in body["phases"]] == ["2018–2020", "2021–2025"]
    first = body["phases"][0]
    assert (first["start"], first["end"]) == ("2018-01-01", "2020-12-31")
    target = first["targets"][0]
    assert set(target) == {"label", "label_en", "measure", "min_stars", "max_stars", "target", "achieved", "percent"}
    assert (target["achieved"], target["target"], target["percent"]) == (2, 53, 3.8)
    assert body["current"] == {"valid_by_stars": {"3": 1, "4": 1, "5": 0}, "expired": 0, "revoked": 0,
                               "expiring_90_days": 0}


# The answer for the dataset below, byte for byte as the hand-built JSON gave it before the serializers.
PINNED = (
    '{"as_of":"2023-11-01","phases":['
    '{"name":"2018–2020","start":"2018-01-01","end":"2020-12-31","targets":['
    '{"label":"Sản phẩm được công nhận cấp tỉnh (3–4 sao)","label_en":"Products recognised at provincial level (3–4 stars)",'
    '"measure":"recognised","min_stars":3,"max_stars":4,'
    '"target":53,"achieved":3,"percent":5.7},'
    '{"label":"Sản phẩm đề xuất công nhận 5 sao quốc gia","label_en":"Products proposed for national 5-star recognition",'
    '"measure":"proposed_national","min_stars":5,"max_stars":5,'
    '"target":1,"achieved":0,"percent":0.0}]},'
    '{"name":"2021–2025","start":"2021-01-01","end":"2025-12-31","targets":['
    '{"label":"Sản phẩm đạt 3–4 sao","label_en":"Products at 3–4 stars",'
    '"measure":"recognised","min_stars":3,"max_stars":4,'
    '"target":120,"achieved":1,"percent":0.8},'
    '{"label":"Sản phẩm đạt 5 sao","label_en":"Products at 5 stars",'
    '"measure":"recognised","min_stars":5,"max_stars":5,'
    '"target":3,"achieved":1,"percent":33.3}]}],'
    '"current":{"valid_by_stars":{"3":1,"4":1,"5":1},"expired":2,"revoked":1,"expiring_90_days":1}}'
)


@pytest.mark.django_db
@pytest.mark.parametrize("language", [VI, EN])
def test_progress_json_is_pinned_byte_for_byte(api, language):
    """Every kind of figure once: expired, expiring, valid at 3, 4 and 5 stars, revoked, proposed for 5 stars."""
    make_recognition(stars=3, decision_date=D(2018, 3, 1))
    make_recognition(stars=4, decision_date=D(2019, 12, 23))
    make_recognition(stars=3, decision_date=D(2020, 12, 15))
    make_recognition(stars=4, decision_date=D(2022, 6, 1))
    make_recognition(stars=5, decision_date=D(2023, 6, 1))
    revoked = make_recognition(stars=3, decision_date=D(2021, 5, 1))
    evaluation_revoke(evaluation=revoked, revocation_no="9/QĐ-UBND", revocation_date=D(2022, 1, 10))
    proposal = make_evaluation(make_product(), evaluated_on=D(2023, 10, 2), scores=(38, 24, 30))
    evaluation_propose_national(evaluation=proposal, proposal_date=D(2023, 10, 2), proposal_no="1/TTr")
    for _ in range(2):  # computed, then from the cache
        response = api.get(URL, {"as_of": "2023-11-01"}, **language)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.content.decode() == PINNED


@pytest.mark.django_db
def test_progress_has_no_contact_data(api):
    producer = make_producer(phone="0988777666", email="lienhe@example.vn")
    make_recognition(make_product(producer=producer), stars=3, decision_date=D(2019, 12, 23))
    text = api.get(URL, {"as_of": "2022-11-01"}).content.decode()
    assert "0988777666" not in text and "lienhe@example.vn" not in text
    assert '"expiring_90_days":1' in text.replace(" ", "")


@pytest.mark.django_db
def test_as_of_defaults_to_today(api):
    assert api.get(URL).json()["as_of"] == datetime.date.today().isoformat()


@pytest.mark.django_db
def test_empty_as_of_means_today(api):
    assert api.get(URL, {"as_of": ""}).json()["as_of"] == datetime.date.today().isoformat()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["1900-01-01", "2999-12-31", "2024-02-29"])
def test_as_of_is_accepted_up_to_the_ends_of_the_range(api, value):
    assert api.get(URL, {"as_of": value}).json()["as_of"] == value


INVALID_AS_OF = {
    "vi": "Tham số as_of không hợp lệ: dùng dạng YYYY-MM-DD (năm 1900–2999), ví dụ 2020-06-30.",
    "en": "Invalid as_of parameter: use the form YYYY-MM-DD (years 1900–2999), e.g. 2020-06-30.",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    ["30/06/2020", "2020-02-30", "abc", "2020-6-1", "20200630", " 2020-06-30", "0001-01-01", "1899-12-31",
     "3000-01-01", "99999-01-01"],
)
@pytest.mark.parametrize("language, headers", [("vi", VI), ("en", EN)])
def test_malformed_as_of_is_a_400_with_a_message(api, value, language, headers):
    response = api.get(URL, {"as_of": value}, **headers)
    assert response.status_code == 400
    message = INVALID_AS_OF[language]
    assert response.content.decode() == f'{{"as_of":["{message}"],"detail":"{message}"}}'


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_progress_is_read_only_and_says_which_methods_it_takes(api, method):
    response = getattr(api, method)(URL, {}, content_type="application/json")
    assert response.status_code == 405
    allowed = {m.strip() for m in response["Allow"].split(",")}
    assert "GET" in allowed
    assert allowed.isdisjoint({"POST", "PUT", "PATCH", "DELETE"})
    assert response.json() == {"detail": f"Phương thức “{method.upper()}” không được hỗ trợ."}


@pytest.mark.django_db
def test_new_phase_appears_in_the_api(api):
    make_phase(targets=[("Sản phẩm đạt 3–4 sao", "recognised", 3, 4, 200)])
    make_recognition(stars=3, decision_date=D(2026, 2, 1))
    phases = api.get(URL, {"as_of": "2026-03-01"}).json()["phases"]
    assert phases[-1]["name"] == "2026–2030"
    assert phases[-1]["targets"][0]["achieved"] == 1


@pytest.mark.django_db
def test_api_query_count_is_constant(api, django_assert_max_num_queries):
    """Computing: phases and targets (2), the data fingerprint (3), the tallies (1), the standing (1).
    Answering again from the cached figures: phases and targets, and the fingerprint."""
    def achieved(body):
        return {p["name"]: [t["achieved"] for t in p["targets"]] for p in body["phases"]}

    make_recognition(stars=3, decision_date=D(2020, 1, 1))
    with django_assert_max_num_queries(7):
        computed = api.get(URL, {"as_of": "2026-01-01"})
    assert computed.status_code == 200
    assert achieved(computed.json()) == {"2018–2020": [1, 0], "2021–2025": [0, 0]}
    with django_assert_max_num_queries(5):
        cached = api.get(URL, {"as_of": "2026-01-01"})
    assert cached.status_code == 200
    assert cached.content == computed.content
    for year in range(2019, 2025):
        make_recognition(stars=3, decision_date=D(year, 5, 5))
    make_phase()
    with django_assert_max_num_queries(7):
        grown = api.get(URL, {"as_of": "2026-01-01"})
    assert grown.status_code == 200
    assert achieved(grown.json()) == {"2018–2020": [3, 0], "2021–2025": [4, 0], "2026–2030": []}
    assert grown.json()["current"]["valid_by_stars"] == {"3": 2, "4": 0, "5": 0}  # 2023 and 2024: within 36 months


@pytest.mark.django_db
def test_cached_figures_follow_every_change_to_the_data(api):
    """The figures are cached per date, but a new decision, a revocation or a new target shows at once."""
    first = make_recognition(stars=3, decision_date=D(2022, 3, 1))
    def achieved():
        body = api.get(URL, {"as_of": "2023-01-01"}).json()
        phase = next(p for p in body["phases"] if p["name"] == "2021–2025")
        return phase["targets"][0]["achieved"], body["current"]["revoked"]

    assert achieved() == (1, 0)
    make_recognition(stars=4, decision_date=D(2022, 6, 1))
    assert achieved() == (2, 0)
    from evaluations.services import evaluation_revoke

    evaluation_revoke(evaluation=first, revocation_no="9/QĐ-UBND", revocation_date=D(2022, 7, 1))
    assert achieved() == (1, 1)
    from evaluations.models import Target

    Target.objects.filter(phase__name="2021–2025", min_stars=3).update(min_stars=4)
    assert achieved() == (1, 1)
    Target.objects.filter(phase__name="2021–2025", min_stars=4, max_stars=4).update(min_stars=3, max_stars=3)
    assert achieved() == (0, 1)


@pytest.mark.parametrize("language, headers", [("vi", VI), ("en", EN)])
def test_query_serializer_refuses_a_bad_as_of_with_the_apis_message(language, headers):
    from django.http import QueryDict
    from django.utils import translation

    from evaluations.api import ProgressQuerySerializer

    with translation.override(language):
        query = ProgressQuerySerializer(data=QueryDict("as_of=30/06/2020"))
        assert not query.is_valid()
        assert query.errors == {"as_of": [INVALID_AS_OF[language]]}


@pytest.mark.parametrize("raw, day", [("as_of=2020-06-30", D(2020, 6, 30)), ("", None), ("as_of=", None)])
def test_query_serializer_reads_as_of_or_defaults_to_today(raw, day):
    from django.http import QueryDict
    from django.utils import timezone

    from evaluations.api import ProgressQuerySerializer

    query = ProgressQuerySerializer(data=QueryDict(raw))
    assert query.is_valid(), query.errors
    assert query.validated_data["as_of"] == (day or timezone.localdate())


def _schema(api, **headers):
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json", **headers)
    assert response.status_code == 200
    return response.json()


def _component(schema, ref):
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


@pytest.mark.django_db
def test_schema_documents_every_field_of_the_progress_api_and_its_400(api):
    schema = _schema(api)
    operation = schema["paths"][URL]["get"]
    (as_of,) = operation["parameters"]
    assert (as_of["name"], as_of["in"], as_of["schema"]) == ("as_of", "query", {"type": "string", "format": "date"})
    assert as_of["description"] == "YYYY-MM-DD; mặc định hôm nay"

    progress = _component(schema, operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"])
    assert list(progress["properties"]) == ["as_of", "phases", "current"]
    phase = _component(schema, progress["properties"]["phases"]["items"]["$ref"])
    assert list(phase["properties"]) == ["name", "start", "end", "targets"]
    target = _component(schema, phase["properties"]["targets"]["items"]["$ref"])
    assert list(target["properties"]) == ["label", "label_en", "measure", "min_stars", "max_stars", "target", "achieved", "percent"]
    current = _component(schema, progress["properties"]["current"]["allOf"][0]["$ref"])
    assert list(current["properties"]) == ["valid_by_stars", "expired", "revoked", "expiring_90_days"]
    assert current["properties"]["valid_by_stars"]["additionalProperties"] == {"type": "integer"}
    for component in (progress, phase, target, current):
        for name, field in component["properties"].items():
            assert field.get("description"), name
        assert set(component["required"]) == set(component["properties"])

    bad_request = operation["responses"]["400"]
    assert bad_request["description"]
    error = _component(schema, bad_request["content"]["application/json"]["schema"]["$ref"])
    assert error["properties"]["as_of"] == {"type": "array", "items": {"type": "string"},
                                            "description": "Lỗi của tham số as_of"}
    assert error["properties"]["detail"]["type"] == "string"
    assert set(error["required"]) == {"as_of", "detail"}


@pytest.mark.django_db
def test_schema_describes_the_progress_api_in_english_too(api):
    as_of = _schema(api, **EN)["paths"][URL]["get"]["parameters"][0]
    assert as_of["description"] == "YYYY-MM-DD; defaults to today"
