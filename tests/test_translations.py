"""The English catalogue: complete, compiled, and actually used by the pages and the register import.

The interface is written in Vietnamese (the message ids); ``locale/en/LC_MESSAGES/django.po`` gives
the English. These tests fail when a string was added without a translation, when a translation
dropped or renamed a placeholder, or when the ``.mo`` was not recompiled after editing the ``.po``.
"""

import ast
import datetime
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation.template import templatize

from evaluations.register_import import register_import
from tests.factories import make_recognition

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def placeholders(text: str) -> list:
    return sorted(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(PO_PATH))


# The catalogue --------------------------------------------------------------------------------

TRANSLATION_IMPORT = re.compile(r"^from django\.utils\.translation import (.+)$", re.M)
# The names makemessages looks for. ``_`` is always gettext_lazy; an eager lookup is spelled gettext().
VISIBLE_NAMES = {"gettext", "gettext_lazy as _", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext",
                 "pgettext_lazy", "npgettext", "get_language", "override", "activate", "get_language_info"}


def test_every_message_is_visible_to_makemessages_and_underscore_means_one_thing():
    """An alias such as ``gettext as _g`` hid fifteen admin messages from the catalogue once; and ``_``
    meaning gettext in one module and gettext_lazy in the next made every reader check the imports."""
    root = Path(settings.BASE_DIR)
    odd = []
    for folder in ("products", "evaluations", "ocop_registry"):
        for path in sorted((root / folder).rglob("*.py")):
            for names in TRANSLATION_IMPORT.findall(path.read_text(encoding="utf-8")):
                odd += [f"{path.relative_to(root)}: {name}" for name in names.split(", ") if name not in VISIBLE_NAMES]
    assert odd == []



TEMPLATE_CALL = re.compile(r"\b(n?p?gettext)\(")
TEMPLATE_LITERAL = re.compile(r"\s*u?('(?:[^'\\]|\\.)*')\s*,?")


def template_messages(source: str) -> set:
    """(context, message id) of every translatable string of a template, read as makemessages reads it
    (``templatize`` turns the template into calls of gettext and its kin)."""
    code, found = templatize(source), set()
    for call in TEMPLATE_CALL.finditer(code):
        literals, position = [], call.end()
        while match := TEMPLATE_LITERAL.match(code, position):
            literals.append(ast.literal_eval(match.group(1)))
            position = match.end()
        context = literals.pop(0) if call.group(1).endswith("pgettext") else ""
        found.add((context, literals[0]))
    return found


def test_every_template_string_is_in_the_catalogue(po):
    """A string added to a template without running ``make messages`` would stay Vietnamese on English pages."""
    catalogue = {(entry.msgctxt or "", entry.msgid) for entry in po}
    missing = []
    for path in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        missing += [f"{path.name}: {message}" for message in template_messages(path.read_text()) - catalogue]
    assert missing == []


def test_every_entry_is_translated_and_none_is_fuzzy(po):
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.obsolete_entries()] == []
    assert len(po.translated_entries()) == len(po)


def test_english_plural_forms_are_declared(po):
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=2;plural=(n!=1);"
    for entry in po:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == [0, 1], entry.msgid


def test_translations_keep_the_placeholders_of_their_message_ids(po):
    mismatches = []
    for entry in po:
        expected = placeholders(entry.msgid)
        if entry.msgid_plural:
            forms = list(entry.msgstr_plural.values())
            expected_plural = placeholders(entry.msgid_plural)
            # English singular may drop the count only when the Vietnamese singular has none.
            mismatches += [(entry.msgid, form) for form in forms if placeholders(form) != expected_plural]
        else:
            forms = [entry.msgstr]
            mismatches += [(entry.msgid, form) for form in forms if placeholders(form) != expected]
        if "python-format" in entry.flags:
            assert expected, f"python-format entry without placeholders: {entry.msgid!r}"
    assert mismatches == []


def test_compiled_catalogue_matches_the_po_file(po):
    mo = polib.mofile(str(MO_PATH))
    compiled = {(e.msgctxt, e.msgid): e for e in mo if e.msgid}
    expected = {(e.msgctxt, e.msgid): e for e in po.translated_entries()}
    assert set(compiled) == set(expected), "the .mo is stale: run `manage.py compilemessages`"
    for key, entry in expected.items():
        if entry.msgid_plural:
            assert compiled[key].msgstr_plural == entry.msgstr_plural, key
        else:
            assert compiled[key].msgstr == entry.msgstr, key


# Pages in English -----------------------------------------------------------------------------

PAGES = [
    (
        "products:home",
        ["Sản phẩm OCOP tỉnh Thanh Hóa", "Mới được công nhận", "Dữ liệu mở", "Điều hướng chính", "Hướng dẫn"],
        ["OCOP products of Thanh Hóa province", "Recently recognised", "Open data", "Main navigation", "Guide"],
    ),
    (
        "products:product_list",
        ["Danh mục sản phẩm OCOP", "Bộ lọc", "Xoá bộ lọc", "Tải CSV theo bộ lọc này", "Còn hiệu lực"],
        ["OCOP product catalogue", "Filters", "Clear filters", "Download CSV with these filters", "Valid"],
    ),
    (
        "products:help",
        ["OCOP là gì?", "Tìm kiếm và bộ lọc", "Nguồn dữ liệu", "Giấy chứng nhận và tình trạng"],
        ["What is OCOP?", "Search and filters", "Data sources", "Certificates and their status"],
    ),
    (
        "admin:login",
        ["Quản trị OCOP Thanh Hóa", "Tên đăng nhập", "Mật khẩu"],
        ["Thanh Hóa OCOP administration", "Username", "Password"],
    ),
]


@pytest.fixture
def recognised_product(db):
    """A product with a current certificate, so the catalogue shows cards, stars and badges."""
    return make_recognition(stars=4, decision_date=timezone.localdate() - datetime.timedelta(days=30)).product


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "vietnamese", "english"), PAGES, ids=[page[0] for page in PAGES])
def test_pages_show_english_labels_when_english_is_chosen(client, recognised_product, url_name, vietnamese, english):
    url = reverse(url_name)

    page_vi = client.get(url).content.decode()
    assert all(label in page_vi for label in vietnamese), "the Vietnamese page lacks a label checked below"

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code == 200
    page_en = response.content.decode()
    assert '<html lang="en"' in page_en
    assert [label for label in english if label not in page_en] == []
    assert [label for label in vietnamese if label in page_en] == []


@pytest.mark.django_db
def test_accept_language_header_also_selects_english(client, recognised_product):
    page = client.get(reverse("products:product_list"), headers={"accept-language": "en"}).content.decode()

    assert "OCOP product catalogue" in page and "4-star rating" in page
    assert "Danh mục sản phẩm OCOP" not in page and "4 sao" not in page


# Register import messages in English ----------------------------------------------------------

HEADER = "Tên sản phẩm,Chủ thể,Xã,Hạng sao,Cấp công nhận,Số quyết định,Ngày quyết định"


def csv_bytes(*rows) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


@pytest.mark.django_db
def test_register_import_errors_come_out_in_english():
    data = csv_bytes(
        "Nước mắm Lê Gia,Công ty TNHH Lê Gia,Nga Sơn,9,Tỉnh,5445/QĐ-UBND,31/02/2021",
        "Nem chua,Hộ SXKD Nguyễn Văn An,Xã Không Có,3,Tỉnh,,23/12/2024",
    )

    with translation.override("en"):
        report = register_import(data, "list.csv", dry_run=True)
        errors = [str(error) for error in report.errors]

    assert not report.ok
    # Column names stay as written in the file (they are part of the file format).
    assert "Row 2, column “Hạng sao”: Stars must be one of 3, 4, 5 (the file has “9”)." in errors
    assert "Row 2, column “Ngày quyết định”: Invalid date “31/02/2021”: write dd/mm/yyyy or yyyy-mm-dd." in errors
    assert "Row 3, column “Số quyết định”: This cell must not be empty." in errors
    no_commune = "Row 3, column “Xã”: There is no current commune/ward named “Xã Không Có”."
    assert any(error.startswith(no_commune) for error in errors)
    assert not any(re.search(r"Dòng|phải là|không được|Ngày không hợp lệ", e) for e in errors)


@pytest.mark.django_db
def test_register_import_file_errors_and_summary_come_out_in_english():
    with translation.override("en"):
        unreadable = register_import("Tên sản phẩm;Hạng sao\n".encode("utf-16"), "list.csv", dry_run=True)
        no_header = register_import(b"a,b,c\n1,2,3\n", "list.csv", dry_run=True)
        good = register_import(
            csv_bytes("Chè lam Phủ Quảng,HTX Chè lam,Lam Sơn,3,Tỉnh,1120/QĐ-UBND,15/08/2025"), "list.csv", dry_run=True
        )
        summary = good.summary()
        actions = [row.action_label for row in good.rows]

    assert unreadable.errors[0].message.startswith("The CSV file is not UTF-8 encoded.")
    assert no_header.errors[0].message.startswith("No header row found. The file must have the required columns:")
    assert good.ok
    assert summary == (
        "Will create 1 producer, 1 product and 1 decision (including 0 proposed for 5 stars); 0 rows unchanged."
    )
    assert actions == ["Record a recognition decision"]


@pytest.mark.django_db
def test_register_import_messages_stay_vietnamese_by_default():
    report = register_import(csv_bytes("Nem chua,HTX A,Lam Sơn,9,Tỉnh,1/QĐ-UBND,15/08/2025"), "list.csv", dry_run=True)

    assert str(report.errors[0]) == "Dòng 2, cột “Hạng sao”: Hạng sao phải là một trong 3, 4, 5 (đang ghi “9”)."
