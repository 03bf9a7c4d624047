"""Test set-up shared by the whole suite."""

import pytest
from django.core.cache import cache
from django.core.management import call_command

from tests.factories import OFFICE, make_staff


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load Thanh Hóa's administrative units once into the test database."""
    with django_db_blocker.unblock():
        call_command("load_communes", verbosity=0, stdout=open("/dev/null", "w"))


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    cache.clear()  # cached dashboard figures must not leak from one test into another
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def office_client(client, db):
    """A client logged in as a member of the coordination office (every right on the registry)."""
    client.force_login(make_staff("office", role=OFFICE))
    return client
