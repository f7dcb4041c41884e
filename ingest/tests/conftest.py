"""Fixtures of the ingest's tests; songs through the ingest come from ingest/tests/fixtures.py."""

import boto3
import pytest
from moto import mock_aws

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


BUCKET = "music-test"


@pytest.fixture
def s3(settings, monkeypatch):
    """A moto S3 bucket configured as the media store."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        settings.AWS_STORAGE_BUCKET_NAME = BUCKET
        settings.INGEST_BUCKET_NAME = BUCKET
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "storages.backends.s3.S3Storage"},
        }
        yield client
