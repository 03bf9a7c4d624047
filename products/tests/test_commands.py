import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from products.models import Commune, LegacyCommune, LegacyDistrict
from products.services import administrative_units_load

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]


def test_current_units_are_thanh_hoas_166_communes_and_wards():
    assert Commune.objects.count() == 166
    assert Commune.objects.filter(kind="xa").count() == 147
    assert Commune.objects.filter(kind="phuong").count() == 19
    ham_rong = Commune.objects.get(name="Hàm Rồng")
    assert ham_rong.full_name == "Phường Hàm Rồng"
    assert ham_rong.code == "14758"
    assert not Commune.objects.filter(latitude__isnull=True).exists()
    assert all(19 < c.latitude < 21 and 104 < c.longitude < 107 for c in Commune.objects.all())


def test_legacy_units_are_the_pre_2025_districts_and_communes_with_successors():
    assert LegacyDistrict.objects.count() == 26
    assert LegacyCommune.objects.count() == 547
    assert not LegacyCommune.objects.filter(successor__isnull=True).exists()
    nga_thanh = LegacyCommune.objects.get(name="Nga Thanh", district__name="Nga Sơn")
    assert nga_thanh.successor.kind in {"xa", "phuong"}
    # Former names merged before the reform stay searchable: Đông Sơn district became part of the city.
    city = LegacyDistrict.objects.get(name="Thanh Hóa")
    assert "dongson" in city.former_names


def test_split_legacy_communes_have_a_default_and_other_successors():
    split = LegacyCommune.objects.filter(other_successors__isnull=False).distinct()
    assert split.count() == 10
    for legacy in split:
        assert legacy.successor_id not in set(legacy.other_successors.values_list("pk", flat=True))


def test_load_communes_twice_changes_nothing():
    before = list(LegacyCommune.objects.values_list("pk", "code", "successor_id", "name").order_by("pk"))
    report = administrative_units_load()
    assert not report.changed
    out = io.StringIO()
    call_command("load_communes", stdout=out)
    assert "Nothing changed." in out.getvalue()
    assert "166 current communes, 26 legacy districts, 547 legacy communes." in out.getvalue()
    after = list(LegacyCommune.objects.values_list("pk", "code", "successor_id", "name").order_by("pk"))
    assert before == after


def test_load_communes_restores_an_altered_unit():
    Commune.objects.filter(code="14758").update(name="Sai tên")
    report = administrative_units_load()
    assert report.updated == {"Commune": 1}
    assert Commune.objects.get(code="14758").name == "Hàm Rồng"


def test_ensure_admin_creates_the_account_once(monkeypatch):
    monkeypatch.setenv("OCOP_ADMIN_USERNAME", "vanphong")
    monkeypatch.setenv("OCOP_ADMIN_PASSWORD", "mat-khau-thu-nghiem-2026")
    call_command("ensure_admin", stdout=io.StringIO())
    user = get_user_model().objects.get(username="vanphong")
    assert user.is_superuser and user.check_password("mat-khau-thu-nghiem-2026")
    monkeypatch.delenv("OCOP_ADMIN_PASSWORD")
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    assert "unchanged" in out.getvalue()
    assert get_user_model().objects.filter(username="vanphong").count() == 1


def test_ensure_admin_prints_a_generated_password(monkeypatch):
    monkeypatch.delenv("OCOP_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("OCOP_ADMIN_USERNAME", "quantri")
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    password = out.getvalue().split("Password (shown once, write it down): ")[1].split()[0]
    assert get_user_model().objects.get(username="quantri").check_password(password)


def test_ensure_admin_refuses_a_password_the_validators_refuse(monkeypatch):
    monkeypatch.setenv("OCOP_ADMIN_USERNAME", "quantri")
    monkeypatch.setenv("OCOP_ADMIN_PASSWORD", "1")
    with pytest.raises(CommandError) as refused:
        call_command("ensure_admin", stdout=io.StringIO())
    message = str(refused.value)
    # Django's own validator messages (in the active language), one per broken rule.
    with translation.override("vi"):
        for expected in password_validation_messages("1", username="quantri"):
            assert expected in message
    assert not get_user_model().objects.filter(username="quantri").exists()


def test_ensure_admin_does_not_weaken_an_existing_password(monkeypatch):
    get_user_model().objects.create_superuser("quantri", email="", password="mat-khau-thu-nghiem-2026")
    monkeypatch.setenv("OCOP_ADMIN_USERNAME", "quantri")
    monkeypatch.setenv("OCOP_ADMIN_PASSWORD", "12345678")
    with pytest.raises(CommandError):
        call_command("ensure_admin", stdout=io.StringIO())
    assert get_user_model().objects.get(username="quantri").check_password("mat-khau-thu-nghiem-2026")


def test_ensure_admin_exits_non_zero_on_a_weak_password():
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_URL")}
    environment.update({"DJANGO_DEBUG": "1", "OCOP_ADMIN_PASSWORD": "1", "DATABASE_URL": "sqlite:///:memory:"})
    result = subprocess.run([sys.executable, "manage.py", "ensure_admin"], cwd=BASE_DIR, env=environment,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "OCOP_ADMIN_PASSWORD" in result.stderr


def test_ensure_admin_generated_passwords_pass_the_validators(monkeypatch):
    monkeypatch.delenv("OCOP_ADMIN_PASSWORD", raising=False)
    for username in ("admin", "quantri2"):
        monkeypatch.setenv("OCOP_ADMIN_USERNAME", username)
        out = io.StringIO()
        call_command("ensure_admin", stdout=out)
        password = out.getvalue().split("Password (shown once, write it down): ")[1].split()[0]
        validate_password(password, user=get_user_model().objects.get(username=username))


def password_validation_messages(password, *, username):
    try:
        validate_password(password, user=get_user_model()(username=username))
    except ValidationError as error:
        return error.messages
    return []

def _settings_in_subprocess(env, expression):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    environment.update(env)
    code = f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='ocop_registry.settings'; django.setup(); " \
           f"from django.conf import settings; print({expression})"
    return subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=environment, capture_output=True, text=True)


@pytest.mark.django_db(transaction=False)
def test_settings_come_from_the_environment():
    result = _settings_in_subprocess(
        {"DATABASE_URL": "postgres://ocop:pw@db.example:5432/ocop", "DJANGO_DEBUG": "0",
         "DJANGO_SECRET_KEY": "s" * 50, "DJANGO_ALLOWED_HOSTS": "ocop.example.vn"},
        "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'], settings.DEBUG, "
        "settings.ALLOWED_HOSTS, settings.LANGUAGE_CODE, settings.TIME_ZONE, settings.USE_TZ",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "django.db.backends.postgresql ocop False ['ocop.example.vn'] vi Asia/Ho_Chi_Minh True"
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _settings_in_subprocess({"DJANGO_DEBUG": "0"}, "settings.SECRET_KEY")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_default_database_is_sqlite_in_the_project():
    result = _settings_in_subprocess({"DJANGO_DEBUG": "1"}, "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME']")
    assert result.stdout.strip() == f"django.db.backends.sqlite3 {BASE_DIR / 'db.sqlite3'}"
