"""The catalogue's test registry (``build_catalogue()``), written once per test module.

Writing it goes through the services with ``full_clean()`` and takes about half a second, and some ninety tests
read it, so it is shared the way ``TestCase.setUpTestData`` shared it: written once inside a transaction that is
rolled back after the module, while each test runs in its own savepoint (pytest-django's ``db``), so whatever a
test writes is undone before the next one.
"""

import copy

import pytest
from django.db import transaction
from pytest_django.fixtures import validate_django_db

from products.tests.test_selectors import build_catalogue


@pytest.fixture(scope="module")
def _catalogue_rows(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        products = build_catalogue()
        with django_db_blocker.block():  # tests still need ``db`` to touch the database
            yield products
        transaction.set_rollback(True)


@pytest.fixture
def catalogue(db, _catalogue_rows):
    """The catalogue's products by role (``catalogue["valid3"]``, ``catalogue["revoked"]``…), copied for each
    test so that changing one in a test cannot leak into the next."""
    return copy.deepcopy(_catalogue_rows)


def pytest_collection_modifyitems(items):
    """The catalogue stays in the database from the first test of a module that asks for it to the module's
    end, so within each module the tests that build their own registry run before those that read the
    catalogue. Nothing else moves: file order and pytest-django's order (plain database tests, then
    transactional ones, then the rest) stand."""
    start = 0
    for end in range(1, len(items) + 1):
        if end == len(items) or items[end].path != items[start].path:
            items[start:end] = sorted(
                items[start:end],
                key=lambda item: (_database_use(item), "_catalogue_rows" in getattr(item, "fixturenames", ())),
            )
            start = end


def _database_use(item) -> int:
    """The rank pytest-django sorts tests by (0 plain database, 1 transactional, 2 none)."""
    names = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    transactional, reset_sequences, *_ = validate_django_db(marker) if marker else (False, False)
    if transactional or reset_sequences or "transactional_db" in names or "live_server" in names:
        return 1
    return 0 if marker or "db" in names else 2
