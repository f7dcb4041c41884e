"""moto's S3 server for the bench: started as a child process, with a client and a storage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

from bench.workspace import Workspace, django_env, free_port, python

BUCKET = "bench-music"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
REGION = "us-east-1"


@dataclass
class MotoS3:
    endpoint: str
    client: object

    def upload(self, key: str, path: Path) -> tuple[str, int, str]:
        """Put a file in the bucket; return (key, size, etag) as its event will carry them."""
        data = path.read_bytes()
        response = self.client.put_object(Bucket=BUCKET, Key=key, Body=data)
        return key, len(data), response["ETag"].strip('"')

    def server_settings(self) -> dict[str, str]:
        """Return the environment that points a server of the project at this bucket."""
        return {
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_S3_REGION_NAME": REGION,
        }

    def storage(self):
        """Return a django-storages S3Storage on the bucket, as the server builds it."""
        from storages.backends.s3 import S3Storage

        return S3Storage(
            bucket_name=BUCKET,
            endpoint_url=self.endpoint,
            access_key="testing",
            secret_key="testing",
            region_name=REGION,
        )


def start_moto(workspace: Workspace) -> MotoS3:
    """Start moto's ThreadedMotoServer in its own process and create the bench's bucket."""
    port = free_port()
    env = django_env(workspace.root / "unused.sqlite3", workspace.root)
    child = workspace.start(
        "moto", [python(), "-m", "bench.moto_process", "--port", str(port)], env
    )
    endpoint = f"http://127.0.0.1:{port}"
    workspace.wait_for_http("moto", child, endpoint + "/")
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(proxies={}, retries={"max_attempts": 1}),
        **CREDENTIALS,
    )
    client.create_bucket(Bucket=BUCKET)
    return MotoS3(endpoint=endpoint, client=client)
