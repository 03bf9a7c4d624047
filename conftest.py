"""Test set-up shared by the whole suite."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from pytest_django.fixtures import validate_django_db
from pytest_django.plugin import blocking_manager_key

from tests.factories import OFFICE, make_staff, reference_data_load


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load Thanh Hóa's administrative units once into the test database."""
    with django_db_blocker.unblock():
        call_command("load_communes", verbosity=0, stdout=open("/dev/null", "w"))


@pytest.fixture(scope="module")
def demo_story(django_db_setup, django_db_blocker):
    """The demo story (``manage.py load_demo``, several seconds) loaded once per test module, in a transaction
    rolled back after the module's last test. Each test still asks for ``db`` and runs in a savepoint of its own,
    so what one test changes is back for the next. Not for ``transactional_db`` or ``live_server`` tests: they
    would not see the story, or would commit into it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        with django_db_blocker.block():  # tests still need ``db`` to touch the database
            yield
        transaction.set_rollback(True)


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


def _transactional(item) -> bool:
    """Whether ``item`` runs outside a rolled-back transaction (its database is emptied when it ends)."""
    names = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    transactional, reset_sequences, *_ = validate_django_db(marker) if marker else (False, False)
    return bool(transactional or reset_sequences or "transactional_db" in names or "live_server" in names)


# Module-scoped data (``demo_story`` here, ``_catalogue_rows`` in products/tests/conftest.py): it stays in the
# database from the first test of a module that asks for it to the module's end.
MODULE_DATA = ("demo_story", "_catalogue_rows")


def _database_rank(item) -> int:
    """The rank pytest-django sorts tests by (0 plain database, 1 transactional, 2 none)."""
    if _transactional(item):
        return 1
    return 0 if item.get_closest_marker("django_db") or "db" in getattr(item, "fixturenames", ()) else 2


def pytest_collection_modifyitems(items):
    """Within each file, the tests that build their own registry run before those that read module-scoped data
    (``MODULE_DATA``). Nothing else moves: file order and pytest-django's order (plain database tests, then
    transactional ones, then the rest) stand."""
    start = 0
    for end in range(1, len(items) + 1):
        if end == len(items) or items[end].path != items[start].path:
            items[start:end] = sorted(
                items[start:end],
                key=lambda item: (
                    _database_rank(item), any(name in getattr(item, "fixturenames", ()) for name in MODULE_DATA)
                ),
            )
            start = end


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test has emptied the database, put the reference data back when a plain test follows
    (a transactional one loads its own; after the last test the test database is gone). In a single process
    pytest-django runs transactional tests last; a worker of ``pytest -n`` runs whole files in any order, so
    plain tests can follow one."""
    yield
    if nextitem is not None and _transactional(item) and not _transactional(nextitem):
        blocker = item.config.stash[blocking_manager_key]
        with blocker.unblock():
            reference_data_load()
