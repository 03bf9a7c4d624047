"""``python manage.py import_register FILE [--dry-run] [--user USERNAME]``: import a council's list."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from evaluations.register_import import register_import


class Command(BaseCommand):
    help = (
        "Nhập danh sách sản phẩm được công nhận OCOP (CSV UTF-8 hoặc XLSX), mỗi dòng là một quyết định về một sản phẩm. "
        "Nếu có dòng lỗi thì không ghi gì. Xem docs/import.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp CSV (UTF-8, có hoặc không có BOM) hoặc XLSX.")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra và báo cáo, không ghi vào sổ.")
        parser.add_argument("--user", help="Tên đăng nhập ghi vào lịch sử thay đổi là người nhập.")

    def handle(self, *args, file, dry_run=False, user=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp “{file}”.")
        history_user = None
        if user:
            try:
                history_user = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"Không có người dùng “{user}”.") from exc

        report = register_import(path.read_bytes(), path.name, dry_run=dry_run, user=history_user)

        verbose = options.get("verbosity", 1) > 1
        self.stdout.write(f"Tệp {path.name}: {report.data_rows} dòng dữ liệu.")
        if verbose:
            for row in report.rows:
                self.stdout.write(
                    f"  Dòng {row.row}: {row.product} — {row.producer} — {row.stars} sao, {row.level_label}, "
                    f"{row.decision_no} ngày {row.decision_date:%d/%m/%Y}: {row.action_label}. {row.note}".rstrip()
                )
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"Lưu ý — {warning}"))
        if report.skipped_rows:
            rows = ", ".join(str(n) for n in report.skipped_rows)
            self.stdout.write(f"Bỏ qua các dòng tiêu đề/mục (không đủ dữ liệu): {rows}.")
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"Tệp có {len(report.errors)} lỗi; không ghi gì vào sổ. Sửa các dòng trên rồi nhập lại.")
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"Chạy thử, không ghi gì. {report.summary()}"))
        else:
            self.stdout.write(self.style.SUCCESS(report.summary()))
