"""Fixtures of the ingest's tests; songs through the ingest come from ingest/tests/fixtures.py."""

import pytest

from accounts.tests.fixtures import (  # noqa: F401
    api,
    curator,
    curator_api,
    fast_password_hashing,
    fresh_throttles,
    listener,
    listener_api,
)


@pytest.fixture
def curator_client(client, curator):  # noqa: F811 - the fixture, not the import
    """A browser signed in as a curator (the admin)."""
    client.force_login(curator)
    return client
