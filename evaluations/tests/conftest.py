"""Fixtures shared by the dashboard's tests."""

import pytest
from django.contrib.auth.models import Permission, User


@pytest.fixture
def official(db):
    """A user allowed the dashboard (and nothing of the admin)."""
    user = User.objects.create_user("lanh-dao", password="x")
    user.user_permissions.add(Permission.objects.get(codename="view_dashboard", content_type__app_label="evaluations"))
    return user


@pytest.fixture
def official_client(client, official):
    client.force_login(official)
    return client
