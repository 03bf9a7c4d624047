"""The settings fail closed, and production as documented in .env.example passes Django's deploy checks."""

import os
import subprocess
import sys

from django.core.management.utils import get_random_secret_key

from tests.server import BASE_DIR


def production_example() -> dict:
    """The variables of .env.example, as systemd's EnvironmentFile reads them, with a generated secret key."""
    variables = {}
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            variables[key.strip()] = value.strip()
    variables["DJANGO_SECRET_KEY"] = get_random_secret_key()
    return variables


def run_manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "OCOP_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env={**clean, **env}, capture_output=True, text=True
    )


def test_without_any_variable_the_process_refuses_to_start_and_says_why():
    result = run_manage({}, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
    assert "DJANGO_DEBUG=1" in result.stderr  # and how to get a development server instead


def test_debug_is_on_only_when_asked_for():
    show = "from django.conf import settings; print(settings.DEBUG)"
    assert run_manage({"DJANGO_DEBUG": "1"}, "shell", "--no-imports", "-c", show).stdout.strip() == "True"
    key = {"DJANGO_SECRET_KEY": get_random_secret_key()}
    assert run_manage(key, "shell", "--no-imports", "-c", show).stdout.strip() == "False"
    assert run_manage({**key, "DJANGO_DEBUG": "yes please"}, "shell", "--no-imports", "-c", show).stdout.strip() == "False"


def test_check_deploy_reports_no_issue_with_the_production_variables_of_env_example():
    result = run_manage(production_example(), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_example_turns_on_every_production_safeguard():
    code = (
        "from django.conf import settings as s; print(s.DEBUG, s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_NAME, s.SECURE_HSTS_SECONDS, s.CACHES['default']['BACKEND'], "
        "s.DATABASES['default']['CONN_MAX_AGE'], s.DATABASES['default']['CONN_HEALTH_CHECKS'], "
        "s.STORAGES['staticfiles']['BACKEND'], s.ADMINS[0][1])"
    )
    result = run_manage(production_example(), "shell", "--no-imports", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False", "__Host-sessionid", "True", "__Host-csrftoken", "31536000",
        "ocop_registry.cache.ResilientRedisCache", "600", "True",
        "whitenoise.storage.CompressedManifestStaticFilesStorage", "ocop@example.vn",
    ]
