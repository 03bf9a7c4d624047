"""Test set-up shared by the whole suite."""

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load Thanh Hóa's administrative units once into the test database."""
    with django_db_blocker.unblock():
        call_command("load_communes", verbosity=0, stdout=open("/dev/null", "w"))


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    from django.core.cache import cache

    cache.clear()  # cached dashboard figures must not leak from one test into another
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "vi"
