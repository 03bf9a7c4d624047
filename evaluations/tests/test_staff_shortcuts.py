"""Staff shortcuts (issue 11, acceptance 5): the daily tasks on the admin's home page, a list that fits the
screen, and an import template built from the importer's own columns."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from openpyxl import load_workbook
from pytest_django.asserts import assertContains

from evaluations.import_views import TEMPLATE_EXAMPLE, TEMPLATE_NOTES
from evaluations.register_import import COLUMNS, register_plan
from tests.factories import CLERK, OFFICE, make_evaluation, make_recognition, make_staff

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
CHANGELIST = reverse("admin:evaluations_evaluation_changelist")
TEMPLATE = reverse("admin:evaluations_evaluation_import_template")
LEADERSHIP = "Lãnh đạo"


def daily_task_labels(html: str) -> list[str]:
    block = html.split('id="daily-tasks"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="[^"]+">([^<]+)<span', block)


def test_the_admin_home_page_starts_with_the_office_daily_tasks(client, django_assert_max_num_queries):
    client.force_login(make_staff("office", role=OFFICE))
    with django_assert_max_num_queries(8):
        html = client.get(INDEX).content.decode()
    assert html.index('id="daily-tasks"') < html.index('id="otp-module"') < html.index("app-products")
    assert daily_task_labels(html) == [
        "Ghi nhận đánh giá", "Nhập danh sách từ tệp", "Chứng nhận sắp hết hạn", "Bảng theo dõi tiến độ",
    ]
    for url in (reverse("admin:evaluations_evaluation_add"), reverse("admin:evaluations_evaluation_import"),
                reverse("admin:products_product_changelist") + "?hieu_luc=expiring", reverse("evaluations:dashboard")):
        assert f'href="{url}"' in html
        assert client.get(url).status_code == 200, url


def test_the_expiring_certificates_task_lists_only_those_expiring(client):
    client.force_login(make_staff("office", role=OFFICE))
    today = timezone.localdate()
    expiring = make_recognition(stars=3, decision_date=today.replace(year=today.year - 3) + datetime.timedelta(days=20))
    make_recognition(stars=3, decision_date=today - datetime.timedelta(days=20))
    html = client.get(INDEX).content.decode()
    link = re.search(r'<a href="([^"]+)">Chứng nhận sắp hết hạn', html).group(1).replace("&amp;", "&")
    assert list(client.get(link).context["cl"].result_list) == [expiring.product]


@pytest.mark.parametrize(
    "role, tasks",
    [
        (CLERK, ["Ghi nhận đánh giá", "Chứng nhận sắp hết hạn"]),
        (LEADERSHIP, ["Chứng nhận sắp hết hạn", "Bảng theo dõi tiến độ"]),
    ],
)
def test_each_role_sees_only_the_tasks_it_may_do(client, role, tasks):
    client.force_login(make_staff("someone", role=role))
    assert daily_task_labels(client.get(INDEX).content.decode()) == tasks


def test_the_evaluation_list_has_six_short_columns_with_the_decision_in_one(client):
    client.force_login(make_staff("office", role=OFFICE))
    recognition = make_recognition(stars=4, decision_no="5445/QĐ-UBND", decision_date=datetime.date(2019, 12, 23))
    make_evaluation()
    response = client.get(CHANGELIST)
    headers = [capfirst(str(header["text"])) for header in response.context["result_headers"]][1:]
    assert headers == ["Sản phẩm / chủ thể, xã", "Cấp, bộ", "Điểm", "Sao", "Trạng thái", "Quyết định"]
    assertContains(
        response,
        '<td class="field-decision"><span class="nowrap">5445/QĐ-UBND</span>'
        '<span class="secondary">23/12/2019</span></td>',
        html=True,
    )
    product = recognition.product
    assertContains(response, f'<span class="secondary">{product.producer.name} · {product.commune.full_name}</span>')
    assertContains(response, '<td class="field-council">Tỉnh<span class="secondary">1048</span></td>', html=True)


# --- The import template ----------------------------------------------------------------------------------


def download_template(client):
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="mau-danh-sach-cong-nhan.xlsx"'
    return response.content


def test_the_import_page_links_to_the_template(client):
    client.force_login(make_staff("office", role=OFFICE))
    assertContains(client.get(reverse("admin:evaluations_evaluation_import")), f'href="{TEMPLATE}"')


def test_the_template_has_the_importers_headers_an_example_row_and_notes(client):
    client.force_login(make_staff("office", role=OFFICE))
    workbook = load_workbook(io.BytesIO(download_template(client)))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == tuple(column.label for column in COLUMNS)
    assert len(rows) == 2
    notes = {row[0]: row for row in workbook["Ghi chú"].iter_rows(values_only=True) if row and row[0]}
    for column in COLUMNS:
        label, required, how, other_names = notes[column.label]
        assert required == ("Có" if column.required else "Không")
        assert how and "%(" not in how
        assert column.alias in other_names
    assert set(TEMPLATE_EXAMPLE) == set(TEMPLATE_NOTES) == {column.field for column in COLUMNS}


def test_the_template_as_downloaded_is_a_file_the_import_accepts(client):
    client.force_login(make_staff("office", role=OFFICE))
    report = register_plan(download_template(client), "mau-danh-sach-cong-nhan.xlsx").report
    assert report.ok, [error.message for error in report.errors]
    assert (report.data_rows, report.created_evaluations) == (1, 1)


def test_the_template_needs_the_import_permission(client):
    client.force_login(make_staff("clerk", role=CLERK))
    assert client.get(TEMPLATE).status_code == 403
