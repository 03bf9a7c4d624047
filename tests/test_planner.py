"""Bulk writes leave the database's planner statistics fresh (``ocop_registry.planner``)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from evaluations.register_import import register_import
from products.models import Product

pytestmark = pytest.mark.django_db


def rows_in_statistics(table: str):
    """How many rows the planner believes ``table`` holds (None before its first ANALYZE)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            count = cursor.fetchone()[0]
            return int(count) if count >= 0 else None
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone():
            return None
        # One row per index, starting with the number of rows it holds: a partial index holds fewer than the table.
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [table])
        rows = [int(stat.split()[0]) for (stat,) in cursor.fetchall()]
        return max(rows) if rows else None


def test_generate_scale_refreshes_the_statistics(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("generate_scale", "--products", "40", stdout=io.StringIO())
    assert rows_in_statistics(Product._meta.db_table) == 40


LIST = "\n".join([
    "STT,Tên sản phẩm,Chủ thể,Loại hình chủ thể,Xã,Huyện,Nhóm sản phẩm,Điểm,Hạng sao,Cấp công nhận,Số quyết định,"
    "Ngày quyết định",
    "1,Nước mắm Lê Gia,Công ty TNHH Lê Gia,Doanh nghiệp,Nga Thanh,Nga Sơn,I.4,78,4,Tỉnh,5445/QĐ-UBND,23/12/2019",
    "2,Nem chua Hà Trung,Hộ SXKD Nguyễn Văn An,Hộ SXKD,Hà Bình,Hà Trung,I.3,,3,,5445/QĐ-UBND,23/12/2019",
    "3,Chè lam Phủ Quảng,HTX Chè lam,HTX,Lam Sơn,,Thực phẩm chế biến,60,3,Tỉnh,1120/QĐ-UBND,2025-08-15",
]).encode()


def test_an_import_refreshes_the_statistics(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = register_import(LIST, "danh-sach.csv")
    assert report.written
    assert rows_in_statistics(Product._meta.db_table) == Product.objects.count() == 3


def test_nothing_is_analysed_before_the_write_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("generate_scale", "--products", "5", stdout=io.StringIO())
    assert rows_in_statistics(Product._meta.db_table) != 5
    assert callbacks  # run at commit, not before
