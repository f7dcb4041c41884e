"""Presigned URLs name the store's public address; the bucket gets ready for browsers.

moto's server stands in for the store. The server's own endpoint is http://127.0.0.1:<port>
and the public one http://localhost:<port>: the same server under two names, so a URL signed
for the wrong one shows in its host while both can still be fetched.
"""

import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from moto.server import ThreadedMotoServer
from rest_framework.test import APIClient

from accounts.tests.factories import CuratorFactory
from catalog.storages import PublicEndpointS3Storage
from tests.support import free_port

BUCKET = "public-endpoint-music"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def moto_port() -> Iterator[int]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server.start()
    yield port
    server.stop()


@pytest.fixture
def store(settings, moto_port):
    """The media store on moto's server, reached inside at 127.0.0.1 and outside at localhost."""
    settings.AWS_ACCESS_KEY_ID = "testing"
    settings.AWS_SECRET_ACCESS_KEY = "testing"
    settings.AWS_S3_REGION_NAME = REGION
    settings.AWS_STORAGE_BUCKET_NAME = BUCKET
    settings.INGEST_BUCKET_NAME = BUCKET
    settings.AWS_S3_ENDPOINT_URL = f"http://127.0.0.1:{moto_port}"
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = f"http://localhost:{moto_port}"
    settings.AWS_S3_SIGNATURE_VERSION = "s3v4"  # as compose sets it: SigV4 signs the host
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "catalog.storages.PublicEndpointS3Storage"},
    }
    client = boto3.client(
        "s3",
        endpoint_url=settings.AWS_S3_ENDPOINT_URL,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    yield client
    for entry in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=entry["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_presigned_url_names_the_public_host_and_serves_the_file(store, moto_port):
    key = default_storage.save("music/song.mp3", ContentFile(b"ID3 pretend audio"))

    url = default_storage.url(key)

    assert urlsplit(url).netloc == f"localhost:{moto_port}"
    assert "X-Amz-Signature=" in url
    response = requests.get(url, headers={"Range": "bytes=4-"}, timeout=10)
    assert response.status_code == 206
    assert response.content == b"pretend audio"


def test_the_server_itself_still_talks_to_the_internal_endpoint(store, moto_port):
    default_storage.save("music/inside.mp3", ContentFile(b"inside"))

    assert default_storage.connection.meta.client.meta.endpoint_url == (
        f"http://127.0.0.1:{moto_port}"
    )
    assert default_storage.exists("music/inside.mp3")


def test_without_a_public_endpoint_urls_name_the_store_endpoint(store, settings, moto_port):
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = None

    url = PublicEndpointS3Storage().url("music/song.mp3")

    assert urlsplit(url).netloc == f"127.0.0.1:{moto_port}"


def test_presigned_upload_is_signed_for_the_public_host_and_lands_in_the_bucket(
    store, moto_port, db
):
    client = APIClient()
    client.force_authenticate(CuratorFactory())

    answer = client.post(
        "/api/v1/uploads/", {"filename": "Song.mp3", "content_type": "audio/mpeg"}, format="json"
    ).json()
    put = requests.put(
        answer["upload_url"], data=b"ID3 uploaded", headers=answer["headers"], timeout=10
    )

    assert urlsplit(answer["upload_url"]).netloc == f"localhost:{moto_port}"
    assert "X-Amz-Signature=" in answer["upload_url"]
    assert put.status_code == 200
    stored = store.get_object(Bucket=BUCKET, Key=answer["key"])
    assert stored["Body"].read() == b"ID3 uploaded"


def test_prepare_bucket_creates_it_allows_the_site_and_routes_events(settings, store, moto_port):
    settings.CSRF_TRUSTED_ORIGINS = ["https://music.example.com"]
    store.delete_bucket(Bucket=BUCKET)
    sqs = boto3.client(
        "sqs",
        endpoint_url=f"http://127.0.0.1:{moto_port}",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    queue_url = sqs.create_queue(QueueName="prepare-bucket-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]

    call_command(
        "prepare_bucket", "--cors-origin", "http://localhost:8000", "--notify-queue-arn", arn
    )
    call_command("prepare_bucket", "--cors-origin", "http://localhost:8000")  # again: no error

    (rule,) = store.get_bucket_cors(Bucket=BUCKET)["CORSRules"]
    assert rule["AllowedOrigins"] == ["http://localhost:8000", "https://music.example.com"]
    assert set(rule["AllowedMethods"]) == {"GET", "HEAD", "PUT"}
    assert "Content-Range" in rule["ExposeHeaders"]
    (queue,) = store.get_bucket_notification_configuration(Bucket=BUCKET)["QueueConfigurations"]
    assert queue["QueueArn"] == arn
    assert set(queue["Events"]) == {"s3:ObjectCreated:*", "s3:ObjectRemoved:*"}


def test_prepare_bucket_on_a_local_folder_says_what_is_missing():
    with pytest.raises(CommandError, match="AWS_STORAGE_BUCKET_NAME"):
        call_command("prepare_bucket")
