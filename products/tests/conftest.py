"""The catalogue's test registry (``build_catalogue()``), written once per test module.

Writing it goes through the services with ``full_clean()`` and takes about half a second, and some ninety tests
read it, so it is shared the way ``TestCase.setUpTestData`` shared it: written once inside a transaction that is
rolled back after the module, while each test runs in its own savepoint (pytest-django's ``db``), so whatever a
test writes is undone before the next one. Within a module, the tests that build their own registry run first
(the root conftest's ``pytest_collection_modifyitems``).
"""

import copy

import pytest
from django.db import transaction

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
