"""Fixtures for tests that run the registry as production does (tests/server.py)."""

import pytest

from tests.server import ProductionSite


@pytest.fixture(scope="session")
def production_site(tmp_path_factory):
    """A migrated SQLite file with the communes and the demo story, and collected static files."""
    return ProductionSite(tmp_path_factory.mktemp("production")).prepare()


@pytest.fixture(scope="session")
def production_server(production_site):
    """Base URL of gunicorn serving the registry with DEBUG off (read-only use: tests that write start their
    own server on ``production_site.fresh_database_copy()``)."""
    with production_site.serve() as base_url:
        yield base_url
