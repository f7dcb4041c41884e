"""API client fixtures shared by the accounts, library and playlists tests."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import CuratorFactory, UserFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash test passwords cheaply: PBKDF2's deliberate slowness buys nothing in tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_throttles(request, process_cache):
    """Start each test with no request history, so rate limits never leak between tests
    (in this process's cache: see process_cache; a shared Redis is never flushed)."""
    from django.core.cache import cache

    if request.node.get_closest_marker("redis"):
        yield
        return
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def listener(db):
    return UserFactory(username="ada")


@pytest.fixture
def listener_api(listener):
    client = APIClient()
    client.force_authenticate(listener)
    return client


@pytest.fixture
def other(db):
    return UserFactory(username="bob")


@pytest.fixture
def other_api(other):
    client = APIClient()
    client.force_authenticate(other)
    return client


@pytest.fixture
def curator(db):
    return CuratorFactory(username="cleo")


@pytest.fixture
def curator_api(curator):
    client = APIClient()
    client.force_authenticate(curator)
    return client
