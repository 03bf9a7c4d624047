"""The register import: the service, ``manage.py import_register`` and the admin page."""

import datetime
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from pytest_django.asserts import assertRedirects

from evaluations import rules
from evaluations.models import Evaluation
from evaluations.register_import import (
    infer_producer_kind,
    match_header,
    parse_date,
    parse_level,
    parse_producer_kind,
    parse_score,
    parse_stars,
    register_import,
    register_plan,
)
from evaluations.register_import.places import Places
from evaluations.rules import CouncilLevel, RuleSet
from products.models import Commune, Producer, Product
from tests.factories import legacy_commune, make_producer, make_product, make_recognition

pytestmark = pytest.mark.django_db

HEADER = "STT,Tên sản phẩm,Chủ thể,Loại hình chủ thể,Xã,Huyện,Nhóm sản phẩm,Điểm,Hạng sao,Cấp công nhận,Số quyết định,Ngày quyết định"
GOOD_ROWS = [
    "1,Nước mắm Lê Gia,Công ty TNHH Lê Gia,Doanh nghiệp,Nga Thanh,Nga Sơn,I.4,78,4,Tỉnh,5445/QĐ-UBND,23/12/2019",
    "2,Nem chua Hà Trung,Hộ SXKD Nguyễn Văn An,Hộ SXKD,Hà Bình,Hà Trung,I.3,,3,,5445/QĐ-UBND,23/12/2019",
    "3,Chè lam Phủ Quảng,HTX Chè lam,HTX,Lam Sơn,,Thực phẩm chế biến,60,3,Tỉnh,1120/QĐ-UBND,2025-08-15",
]


def csv_bytes(*rows, header=HEADER, bom=False) -> bytes:
    text = "\n".join([header, *rows]) + "\n"
    return ("\ufeff" + text).encode("utf-8") if bom else text.encode("utf-8")


def write(tmp_path, data: bytes, name="danh-sach.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def run_command(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_register", path, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def registry_counts():
    return (Producer.objects.count(), Product.objects.count(), Evaluation.objects.count())


# The command ---------------------------------------------------------------------------------


def test_command_imports_good_rows_and_places_legacy_communes_in_their_successors(tmp_path):
    out, _ = run_command(write(tmp_path, csv_bytes(*GOOD_ROWS)))

    assert "Đã tạo 3 chủ thể, 3 sản phẩm, 3 quyết định" in out
    fish_sauce = Product.objects.get(name="Nước mắm Lê Gia")
    nga_thanh = legacy_commune("Nga Sơn", "Nga Thanh")
    assert fish_sauce.legacy_commune == nga_thanh
    assert fish_sauce.commune == nga_thanh.successor
    assert fish_sauce.code == Product.code_for(fish_sauce.pk)
    assert fish_sauce.slug == "nuoc-mam-le-gia"
    assert fish_sauce.group.code == "I.4"
    assert fish_sauce.producer.kind == Producer.Kind.ENTERPRISE
    recognition = fish_sauce.evaluations.get()
    assert recognition.status == Evaluation.Status.RECOGNISED
    assert (recognition.stars, recognition.level, recognition.rule_set) == (4, CouncilLevel.PROVINCE, RuleSet.R1048)
    assert (recognition.decision_no, recognition.decision_date) == ("5445/QĐ-UBND", datetime.date(2019, 12, 23))
    assert "78" in recognition.notes
    tea = Product.objects.get(name="Chè lam Phủ Quảng")
    assert tea.commune == Commune.objects.get(name="Lam Sơn") and tea.legacy_commune is None
    assert tea.group.code == "I.3"
    assert tea.evaluations.get().rule_set == RuleSet.R148


def test_split_commune_is_placed_in_its_default_successor(tmp_path):
    run_command(write(tmp_path, csv_bytes(GOOD_ROWS[1])))

    ha_binh = legacy_commune("Hà Trung", "Hà Bình")
    assert ha_binh.was_split
    product = Product.objects.get(name="Nem chua Hà Trung")
    assert product.legacy_commune == ha_binh
    assert product.commune == ha_binh.successor


def test_one_bad_row_among_good_ones_writes_nothing_and_reports_row_column_and_message(tmp_path):
    before = registry_counts()
    bad = "4,Bánh gai,Hộ Lê Thị Hoa,,Nga Thanh,Nga Sơn,I.3,,6,Tỉnh,200/QĐ-UBND,15/03/2021"
    path = write(tmp_path, csv_bytes(GOOD_ROWS[0], bad, GOOD_ROWS[2]))

    with pytest.raises(CommandError, match="1 lỗi; không ghi gì"):
        out, err = run_command(path)

    assert registry_counts() == before
    report = register_import(Path(path).read_bytes(), "danh-sach.csv", dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "Hạng sao")]
    assert "một trong 3, 4, 5" in report.errors[0].message


def test_command_prints_every_error_to_stderr(tmp_path):
    bad_rows = [
        "1,Bánh gai,Hộ Lê Thị Hoa,,Nga Thanh,Nga Sơn,I.3,,3,Tỉnh,200/QĐ-UBND,31/02/2021",
        "2,Bánh gai,Hộ Lê Thị Hoa,,Xã Không Có,,I.3,,3,Tỉnh,,15/03/2021",
    ]
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_register", write(tmp_path, csv_bytes(*bad_rows)), stdout=io.StringIO(), stderr=err)

    text = err.getvalue()
    assert "Dòng 2, cột “Ngày quyết định”: Ngày không hợp lệ “31/02/2021”" in text
    assert "Dòng 3, cột “Số quyết định”: Ô này không được để trống." in text
    assert "Dòng 3, cột “Xã”: Không có xã/phường hiện nay tên “Xã Không Có”" in text


def test_ambiguous_legacy_commune_is_an_error_listing_the_candidates(tmp_path):
    # "Nga Thanh" and "Nga Thành" are both in Nga Sơn: written without diacritics, the name is ambiguous.
    row = "1,Nuoc mam,Cong ty Le Gia,,Nga Thanh,Nga Son,,,4,Tinh,5445/QD-UBND,23/12/2019"
    report = register_import(csv_bytes(row), dry_run=True)

    assert [(e.row, e.column) for e in report.errors] == [(2, "Xã")]
    message = report.errors[0].message
    assert "Xã Nga Thanh, Huyện Nga Sơn" in message and "Xã Nga Thành, Huyện Nga Sơn" in message


def test_ambiguous_current_commune_lists_candidates_and_the_prefix_resolves_it():
    ambiguous = register_import(csv_bytes("1,Giò,Hộ Lê Văn Tùng,,Dong Tien,,,,3,,1/QD,2025-08-01"), dry_run=True)
    assert "Xã Đồng Tiến" in ambiguous.errors[0].message and "Phường Đông Tiến" in ambiguous.errors[0].message

    resolved = register_import(csv_bytes("1,Giò,Hộ Lê Văn Tùng,,Phuong Dong Tien,,,,3,,1/QD,2025-08-01"))
    assert resolved.ok, resolved.errors
    assert Product.objects.get(name="Giò").commune.kind == Commune.Kind.WARD


def test_district_merged_before_2025_is_resolved_by_its_former_name():
    # Huyện Đông Sơn was merged into thành phố Thanh Hóa before the 2025 reform.
    report = register_import(csv_bytes("1,Bánh đa,Hộ Trần Văn Ba,,Xã Đông Hòa,Huyện Đông Sơn,,,3,Tỉnh,10/QĐ-UBND,20/10/2020"))

    assert report.ok, report.errors
    product = Product.objects.get(name="Bánh đa")
    assert product.legacy_commune.district.name == "Thanh Hóa"
    assert product.legacy_commune.name == "Đông Hòa"


def test_commune_missing_from_the_named_district_suggests_where_it_is():
    report = register_import(csv_bytes("1,Cói,HTX Cói,,Nga Thanh,Hậu Lộc,,,3,Tỉnh,10/QĐ-UBND,20/10/2020"), dry_run=True)

    assert "Không tìm thấy xã “Nga Thanh” thuộc Huyện Hậu Lộc" in report.errors[0].message
    assert "Nga Sơn" in report.errors[0].message


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    path = write(tmp_path, csv_bytes(*GOOD_ROWS, "4,Mắm tôm Lê Gia,Công ty TNHH Lê Gia,,Nga Thanh,Nga Sơn,I.4,92,5,Tỉnh,45/TTr-HĐ,23/07/2020"))
    run_command(path)
    before = registry_counts()
    history_before = (Producer.history.count(), Product.history.count(), Evaluation.history.count())
    rows_before = list(Evaluation.objects.values().order_by("pk"))

    out, _ = run_command(path)

    assert "Đã tạo 0 chủ thể, 0 sản phẩm, 0 quyết định" in out and "4 dòng không đổi" in out
    assert registry_counts() == before
    assert (Producer.history.count(), Product.history.count(), Evaluation.history.count()) == history_before
    assert list(Evaluation.objects.values().order_by("pk")) == rows_before


def test_existing_producers_and_products_match_ignoring_case_diacritics_and_spacing():
    producer = make_producer(name="Công ty TNHH Lê Gia")
    product = make_product(name="Nước mắm Lê Gia", producer=producer)
    make_recognition(product, stars=4, decision_no="5445/QĐ-UBND", decision_date=datetime.date(2019, 12, 23))

    report = register_import(csv_bytes(
        "1,nuoc  mam le gia,CONG TY TNHH  LE GIA,,Nga Thanh,Nga Sơn,,,4,Tỉnh,5445/QD-UBND,23/12/2019",
        "2,NƯỚC MẮM LÊ GIA,công ty tnhh lê gia,,Nga Thanh,Nga Sơn,,,4,Tỉnh,77/QĐ-UBND,23/12/2022",
    ))

    assert report.ok, report.errors
    assert (report.created_producers, report.created_products, report.created_evaluations) == (0, 0, 1)
    assert report.unchanged_rows == 1
    assert product.evaluations.count() == 2


def test_existing_decision_with_other_stars_is_kept_and_flagged():
    product = make_product(name="Mật ong", producer=make_producer(name="HTX Ong"))
    make_recognition(product, stars=3, decision_no="9/QĐ-UBND", decision_date=datetime.date(2024, 6, 1))

    report = register_import(csv_bytes("1,Mật ong,HTX Ong,,Lam Sơn,,,,4,Tỉnh,9/QĐ-UBND,01/06/2024"))

    assert report.ok and report.unchanged_rows == 1
    assert "3 sao" in report.warnings[0].message
    assert product.evaluations.get().stars == 3


def test_producer_names_shared_by_several_producers_is_an_error_naming_them():
    make_producer(name="HTX Thành Công")
    make_producer(name="HTX Thanh Cong")

    report = register_import(csv_bytes("1,Gạo,HTX Thành Công,,Lam Sơn,,,,3,Tỉnh,9/QĐ-UBND,01/06/2024"), dry_run=True)

    assert report.errors[0].column == "Chủ thể"
    assert "HTX Thành Công" in report.errors[0].message and "HTX Thanh Cong" in report.errors[0].message


def test_bom_csv_is_read(tmp_path):
    out, _ = run_command(write(tmp_path, csv_bytes(*GOOD_ROWS, bom=True)))

    assert "Đã tạo 3 chủ thể" in out
    assert Product.objects.filter(name="Nước mắm Lê Gia").exists()


def test_semicolon_delimited_csv_with_title_rows_is_read():
    text = "DANH SÁCH SẢN PHẨM OCOP;;\n\n" + HEADER.replace(",", ";") + "\n" + GOOD_ROWS[2].replace(",", ";") + "\n"
    report = register_import(text.encode("utf-8"))

    assert report.ok, report.errors
    assert Product.objects.filter(name="Chè lam Phủ Quảng").exists()


def test_csv_not_in_utf8_is_refused_with_a_clear_message():
    report = register_import(csv_bytes(*GOOD_ROWS).decode("utf-8").encode("utf-16"), dry_run=True)

    assert "UTF-8" in report.errors[0].message


def test_file_without_the_required_headers_is_refused():
    report = register_import(b"a,b,c\n1,2,3\n", dry_run=True)

    assert "Không tìm thấy dòng tiêu đề" in report.errors[0].message


def test_xlsx_with_a_title_row_and_excel_date_cells_is_imported(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH SẢN PHẨM ĐƯỢC CÔNG NHẬN OCOP NĂM 2020"])
    sheet.append([])
    sheet.append(HEADER.split(","))
    sheet.append([1, "Nước mắm Lê Gia", "Công ty TNHH Lê Gia", "DN", "Nga Thanh", "Nga Sơn", "I.4", 78, 4, "Tỉnh",
                  "5445/QĐ-UBND", datetime.datetime(2019, 12, 23)])
    sheet.append([2, "Chiếu cói", "HTX Cói Nga Sơn", "", "Nga Thanh", "Nga Sơn", "Lưu niệm – nội thất – trang trí",
                  None, 3.0, "Tỉnh", "5445/QĐ-UBND", "23/12/2019"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    out, _ = run_command(write(tmp_path, buffer.getvalue(), "danh-sach.xlsx"))

    assert "Đã tạo 2 chủ thể, 2 sản phẩm, 2 quyết định" in out
    mat = Product.objects.get(name="Chiếu cói")
    assert mat.group.code == "IV.1"  # a 1048 sector name mapped to its 148 group
    assert mat.producer.kind == Producer.Kind.COOPERATIVE  # inferred from "HTX …"
    assert mat.evaluations.get().decision_date == datetime.date(2019, 12, 23)


def test_five_star_row_at_provincial_level_is_recorded_as_a_proposal_not_a_recognition():
    report = register_import(csv_bytes(
        "1,Mắm tôm Lê Gia,Công ty TNHH Lê Gia,,Nga Thanh,Nga Sơn,I.4,92,5,Tỉnh,45/TTr-HĐ,23/07/2020"
    ))

    assert report.ok, report.errors
    proposal = Evaluation.objects.get()
    assert proposal.proposed_national and not Evaluation.objects.recognised().exists()
    assert proposal.status == Evaluation.Status.SCORED
    assert (proposal.level, proposal.stars) == (CouncilLevel.PROVINCE, 4)
    assert (proposal.proposal_no, proposal.proposal_date) == ("45/TTr-HĐ", datetime.date(2020, 7, 23))
    assert proposal.decision_no == "" and "92" in proposal.notes
    assert Evaluation.objects.proposals().count() == 1


def test_five_star_row_without_level_is_a_central_recognition():
    report = register_import(csv_bytes("1,Nước mắm,Công ty Lê Gia,,Nga Thanh,Nga Sơn,,,5,,100/QĐ-BNN,2024-01-10"))

    assert report.ok, report.errors
    evaluation = Evaluation.objects.get()
    assert (evaluation.status, evaluation.level, evaluation.stars) == (
        Evaluation.Status.RECOGNISED, CouncilLevel.CENTRAL, 5,
    )


@pytest.mark.parametrize(
    ("stars", "level", "score", "day", "column", "fragment"),
    [
        ("5", "Huyện", "", "01/06/2024", "Cấp công nhận", "Chỉ Hội đồng Trung ương"),
        ("4", "Trung ương", "", "01/06/2024", "Cấp công nhận", "chỉ công nhận 5 sao"),
        ("4", "Huyện", "", "01/06/2024", "Cấp công nhận", "chỉ công nhận 3 sao"),
        ("3", "Huyện", "", "01/06/2021", "Cấp công nhận", "sơ loại"),
        ("3", "Xã", "", "01/06/2024", "Cấp công nhận", "Huyện, Tỉnh hoặc Trung ương"),
        ("4", "Tỉnh", "65", "01/06/2024", "Điểm", "65 điểm ứng với 3 sao"),
        ("5", "Tỉnh", "85", "01/06/2024", "Điểm", "cần từ 90 điểm"),
        ("3", "Tỉnh", "55,5", "01/06/2024", "Điểm", "số nguyên"),
        ("3", "Tỉnh", "", "01/06/2099", "Ngày quyết định", "tương lai"),
        ("3", "Huyện", "", "15/08/2025", "Cấp công nhận", "không còn cấp huyện"),
        ("3", "Tỉnh", "", "01/06/2017", "Ngày quyết định", "trước khi có chương trình OCOP"),
    ],
)
def test_impossible_rows_are_refused(stars, level, score, day, column, fragment):
    row = f"1,Bánh,Hộ Lê An,,Lam Sơn,,,\"{score}\",{stars},{level},9/QĐ,{day}"
    report = register_import(csv_bytes(row), dry_run=True)

    assert [e.column for e in report.errors] == [column], report.errors
    assert fragment in report.errors[0].message


def test_a_provincial_four_star_may_carry_ninety_points_because_of_the_cap():
    report = register_import(csv_bytes("1,Bánh,Hộ Lê An,,Lam Sơn,,,93,4,Tỉnh,9/QĐ,01/06/2024"), dry_run=True)

    assert report.ok, report.errors


def test_header_aliases_in_english_in_brackets_and_without_diacritics_are_accepted():
    header = "no,product,PRODUCER,Loai hinh chu the (producer_kind),xa (commune),district,group,score,Hạng sao (stars),level,decision_no,Decision date"
    report = register_import(csv_bytes(GOOD_ROWS[0], header=header))

    assert report.ok, report.errors
    assert Product.objects.get().name == "Nước mắm Lê Gia"


def test_columns_may_come_in_any_order_and_other_columns_are_ignored():
    header = "Ngày quyết định,Số quyết định,Hạng sao,Ghi chú,Xã,Chủ thể,Tên sản phẩm"
    report = register_import(csv_bytes("23/12/2019,5445/QĐ-UBND,3,tốt,Lam Sơn,HTX A,Bánh B", header=header))

    assert report.ok, report.errors
    assert Evaluation.objects.get().decision_date == datetime.date(2019, 12, 23)


def test_dates_are_read_in_both_formats():
    report = register_import(csv_bytes(
        "1,Bánh A,Hộ Lê An,,Lam Sơn,,,,3,Tỉnh,1/QĐ,23/12/2019",
        "2,Bánh B,Hộ Lê An,,Lam Sơn,,,,3,Tỉnh,2/QĐ,2019-12-24",
    ))

    assert report.ok, report.errors
    assert sorted(Evaluation.objects.values_list("decision_date", flat=True)) == [
        datetime.date(2019, 12, 23), datetime.date(2019, 12, 24),
    ]


def test_dry_run_writes_nothing(tmp_path):
    before = registry_counts()

    out, _ = run_command(write(tmp_path, csv_bytes(*GOOD_ROWS)), "--dry-run")

    assert "Chạy thử, không ghi gì. Sẽ tạo 3 chủ thể" in out
    assert registry_counts() == before


def test_imported_rows_are_in_the_audit_trail_with_the_importing_user(tmp_path):
    user = User.objects.create_user("vanphong")

    run_command(write(tmp_path, csv_bytes(GOOD_ROWS[0])), "--user", "vanphong")

    record = Evaluation.history.get()
    assert record.history_type == "+" and record.history_user == user
    assert "danh-sach.csv" in record.history_change_reason
    assert Product.history.get().code == Product.objects.get().code


def test_title_and_section_rows_between_data_rows_are_skipped():
    report = register_import(csv_bytes(",Huyện Nga Sơn,,,,,,,,,,", GOOD_ROWS[0], ",Cộng,,,,,,,,,,"), dry_run=True)

    assert report.ok and report.data_rows == 1
    assert report.skipped_rows == [2, 4]


def test_the_same_new_product_in_two_decisions_is_created_once():
    report = register_import(csv_bytes(
        "1,Bánh A,Hộ Lê An,,Lam Sơn,,,,3,Tỉnh,1/QĐ,23/12/2019",
        "2,Bánh A,Hộ Lê An,,Lam Sơn,,,,4,Tỉnh,2/QĐ,23/12/2022",
    ))

    assert report.ok and (report.created_products, report.created_evaluations) == (1, 2)
    assert Product.objects.get().evaluations.count() == 2


def test_import_queries_do_not_grow_with_the_number_of_rows(django_assert_max_num_queries):
    rows = [f"{n},Sản phẩm {n},Hộ sản xuất {n % 7},,Nga Thanh,Nga Sơn,I.3,,3,Tỉnh,{n}/QĐ-UBND,23/12/2019"
            for n in range(1, 121)]
    with django_assert_max_num_queries(30):
        report = register_import(csv_bytes(*rows))

    assert report.ok and report.created_evaluations == 120


def test_committed_sample_file_imports_cleanly():
    sample = Path(__file__).resolve().parents[2] / "docs" / "samples" / "mau-danh-sach.csv"
    report = register_import(sample.read_bytes(), sample.name, dry_run=True)

    assert report.ok, report.errors
    assert report.data_rows >= 5


# Parsing helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [("Tên sản phẩm", "product"), ("TEN SAN PHAM", "product"), ("Tên sản phẩm (product)", "product"),
     ("Xã/phường", "commune"), ("Huyện", "district"), ("Ngày QĐ", "decision_date"), ("STT", None), ("Ghi chú", None)],
)
def test_headers_match_ignoring_case_spaces_and_diacritics(text, field):
    assert match_header(text) == field


@pytest.mark.parametrize(
    ("text", "kind"),
    [("Doanh nghiệp", "doanh_nghiep"), ("Công ty", "doanh_nghiep"), ("DN", "doanh_nghiep"), ("Hợp tác xã", "htx"),
     ("HTX", "htx"), ("Tổ hợp tác", "tht"), ("THT", "tht"), ("Hộ sản xuất kinh doanh", "ho_kd"), ("Hộ SXKD", "ho_kd"),
     ("Hộ kinh doanh", "ho_kd"), ("Cơ sở", "ho_kd"), ("Trường học", None)],
)
def test_producer_kind_aliases(text, kind):
    assert parse_producer_kind(text) == kind


def test_new_producer_kind_is_inferred_from_the_name_or_defaults_to_household():
    assert infer_producer_kind("Công ty CP Thực phẩm Xứ Thanh") == Producer.Kind.ENTERPRISE
    assert infer_producer_kind("HTX Nông nghiệp Quảng Ninh") == Producer.Kind.COOPERATIVE
    assert infer_producer_kind("Tổ hợp tác dệt thổ cẩm") == Producer.Kind.COOPERATIVE_GROUP
    assert infer_producer_kind("Nguyễn Văn An") == Producer.Kind.HOUSEHOLD


@pytest.mark.parametrize(("value", "stars"), [("4", 4), (4, 4), (4.0, 4), ("4 sao", 4), ("3★", 3), ("★★★", 3),
                                              ("2", None), ("6", None), ("bốn", None)])
def test_stars_are_parsed(value, stars):
    assert parse_stars(value) == stars


def test_dates_are_parsed_from_text_and_excel_cells():
    assert parse_date("23/12/2019") == parse_date("2019-12-23") == parse_date(datetime.datetime(2019, 12, 23))
    assert parse_date("2019-23-12") is None


@pytest.mark.parametrize(("value", "score"), [("78", 78), (78, 78), (78.0, 78), ("100", 100), ("0", 0),
                                              ("78,5", None), ("101", None), ("-1", None), ("tốt", None)])
def test_scores_are_parsed_as_whole_totals_out_of_100(value, score):
    assert parse_score(value) == score


@pytest.mark.parametrize(("text", "level"), [("Tỉnh", CouncilLevel.PROVINCE), ("cấp huyện", CouncilLevel.DISTRICT),
                                             ("TW", CouncilLevel.CENTRAL), ("Quốc gia", CouncilLevel.CENTRAL),
                                             ("Xã", None)])
def test_levels_are_parsed(text, level):
    assert parse_level(text) == level


# Placing communes --------------------------------------------------------------------------


def test_a_legacy_commune_in_its_former_district_is_placed_in_its_successor():
    placement = Places().place("Nga Thanh", "Nga Sơn")

    nga_thanh = legacy_commune("Nga Sơn", "Nga Thanh")
    assert (placement.legacy, placement.commune, placement.problems) == (nga_thanh, nga_thanh.successor, ())
    assert str(placement) == f"{nga_thanh} → {nga_thanh.successor}"


def test_a_current_commune_is_placed_without_a_legacy_one():
    placement = Places().place("Lam Sơn", "")

    assert placement.commune == Commune.objects.get(name="Lam Sơn") and placement.legacy is None
    assert placement.problems == ()


def test_an_unknown_district_or_commune_is_a_problem_for_its_own_column():
    assert [name for name, _message in Places().place("Nga Thanh", "Huyện Không Có").problems] == ["district"]
    assert [name for name, _message in Places().place("Xã Không Có", "").problems] == ["commune"]


# Planning rows -----------------------------------------------------------------------------


def test_the_plan_holds_the_new_rows_and_writes_nothing():
    before = registry_counts()

    plan = register_plan(csv_bytes(*GOOD_ROWS, GOOD_ROWS[0]))

    assert registry_counts() == before
    assert (len(plan.producers), len(plan.products), len(plan.evaluations)) == (3, 3, 3)
    assert [row.action for row in plan.report.rows] == ["create", "create", "create", "unchanged"]
    assert plan.report.rows[3].note == "Trùng dòng 2."


def test_the_proposal_score_message_quotes_the_rules_threshold():
    # The message's msgid spells "90 điểm"; it must stay the lowest total the rules give 5 stars.
    assert rules.stars_for(90) == rules.NATIONAL_STARS and rules.stars_for(89) != rules.NATIONAL_STARS
    report = register_import(csv_bytes("1,Mắm,Công ty Lê Gia,,Nga Thanh,Nga Sơn,,89,5,Tỉnh,45/TTr-HĐ,23/07/2020"),
                             dry_run=True)
    assert [(e.column, e.message) for e in report.errors] == [
        ("Điểm", "Đề xuất 5 sao cần từ 90 điểm; 89 điểm ứng với 4 sao.")
    ]


# The admin page ----------------------------------------------------------------------------


@pytest.fixture
def office_client(client):
    user = User.objects.create_user("office", password="pw", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="import_register"),
        Permission.objects.get(codename="view_evaluation"),
    )
    client.force_login(user)
    return client


IMPORT_URL = "admin:evaluations_evaluation_import"


def upload(data: bytes, name="danh-sach.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_admin_import_page_requires_the_import_permission(client):
    user = User.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(user)

    for response in (
        client.get(reverse(IMPORT_URL)),
        client.post(reverse(IMPORT_URL), {"file": upload(csv_bytes(*GOOD_ROWS))}),
    ):
        assert response.status_code == 403
        page = response.content.decode()
        assert "Không có quyền truy cập" in page  # the 403 page, not the upload form or a preview
        assert "Kiểm tra và xem trước" not in page and "Nước mắm Lê Gia" not in page
    assert registry_counts()[2] == 0


def test_admin_import_page_sends_anonymous_users_to_log_in_and_back(client):
    url = reverse(IMPORT_URL)
    login_and_back = f"{reverse('admin:login')}?next={url}"

    assertRedirects(client.get(url), login_and_back, fetch_redirect_response=False)
    response = client.post(url, {"file": upload(csv_bytes(*GOOD_ROWS))})
    assertRedirects(response, login_and_back, fetch_redirect_response=False)
    assert registry_counts() == (0, 0, 0)


def test_admin_upload_shows_a_preview_then_confirm_writes(office_client, settings):
    response = office_client.get(reverse(IMPORT_URL))
    assert response.status_code == 200
    assert "Kiểm tra và xem trước" in response.content.decode()

    response = office_client.post(reverse(IMPORT_URL), {"file": upload(csv_bytes(*GOOD_ROWS, bom=True))})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Sẽ tạo 3 chủ thể, 3 sản phẩm, 3 quyết định" in page
    assert "Nước mắm Lê Gia" in page and "Xã Nga Thanh, Huyện Nga Sơn → Xã Nga Sơn" in page
    assert registry_counts()[2] == 0
    token = response.context["token"]
    assert len(list((Path(settings.MEDIA_ROOT) / "imports").iterdir())) == 1

    response = office_client.post(reverse(IMPORT_URL), {"token": token, "confirm": "1"})

    changelist = reverse("admin:evaluations_evaluation_changelist")
    assertRedirects(response, changelist, fetch_redirect_response=False)
    assert "Đã nhập “danh-sach.csv”." in office_client.get(changelist).content.decode()
    assert Evaluation.objects.count() == 3
    assert Evaluation.history.filter(history_user__username="office").count() == 3
    assert list((Path(settings.MEDIA_ROOT) / "imports").iterdir()) == []
    # The token is used up: confirming twice does not import twice.
    office_client.post(reverse(IMPORT_URL), {"token": token, "confirm": "1"})
    assert Evaluation.objects.count() == 3


def test_admin_preview_of_a_file_with_a_bad_row_lists_it_and_offers_no_confirmation(office_client):
    bad = "4,Bánh gai,Hộ Lê Thị Hoa,,Nga Thanh,Nga Sơn,I.3,,6,Tỉnh,200/QĐ-UBND,15/03/2021"
    response = office_client.post(reverse(IMPORT_URL), {"file": upload(csv_bytes(GOOD_ROWS[0], bad))})
    page = response.content.decode()

    assert response.status_code == 200
    assert "Tệp có 1 lỗi" in page
    assert "<td>3</td><td>Hạng sao</td>" in page
    assert 'name="confirm"' not in page
    assert registry_counts()[2] == 0


def test_admin_preview_of_an_xlsx_upload(office_client):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(HEADER.split(","))
    workbook.active.append(GOOD_ROWS[2].split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = office_client.post(reverse(IMPORT_URL), {"file": upload(buffer.getvalue(), "ds.xlsx")})

    assert "Chè lam Phủ Quảng" in response.content.decode() and response.context["report"].ok


def test_admin_refuses_other_file_types_and_a_forged_token(office_client):
    response = office_client.post(reverse(IMPORT_URL), {"file": upload(b"x", "ds.pdf")})
    assert "Chỉ nhận tệp .csv hoặc .xlsx." in response.content.decode()

    response = office_client.post(reverse(IMPORT_URL), {"token": "../../etc/passwd", "confirm": "1"})
    assertRedirects(response, reverse(IMPORT_URL), fetch_redirect_response=False)  # back to the upload form
    assert Evaluation.objects.count() == 0
    page = office_client.get(reverse(IMPORT_URL)).content.decode()
    assert "Phiên xem trước đã hết hạn hoặc không hợp lệ; hãy tải tệp lên lại." in page


def test_names_longer_than_the_registry_keeps_are_row_errors_not_database_errors():
    """A 300-character name would fail on PostgreSQL at write time; it is reported with the row instead."""
    long_name = "Nước mắm " + "rất ngon " * 33
    row = f"1,{long_name},Hộ Lê An,,Lam Sơn,,,,3,Tỉnh,9/QĐ,01/06/2024"
    report = register_import(csv_bytes(row), dry_run=False)
    assert [(e.row, e.column) for e in report.errors] == [(2, "Tên sản phẩm")]
    assert "tối đa 255 ký tự" in report.errors[0].message
    assert not Product.objects.exists()
