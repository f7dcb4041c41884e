"""The S3 storage as browsers reach it, and the bucket settings the store needs for them.

Inside docker compose (or any private network) the server talks to the store at an address
such as http://rustfs:9000 that no browser can resolve. A presigned URL names its host and
SigV4 signs that host, so the URLs handed to browsers and apps must be signed for the public
address (AWS_S3_PUBLIC_ENDPOINT_URL), not rewritten afterwards. On real S3 the variable stays
empty and settings keep django-storages' own S3Storage.
"""

from django.core.files.storage import Storage
from django.utils.functional import cached_property
from storages.backends.s3 import S3Storage
from storages.utils import setting

AUDIO_CORS_HEADERS = ["ETag", "Content-Length", "Content-Range", "Accept-Ranges"]


class PublicEndpointS3Storage(S3Storage):
    """S3 storage that reads and writes through its endpoint and signs URLs for the public one."""

    def get_default_settings(self) -> dict:
        return {
            **super().get_default_settings(),
            "public_endpoint_url": setting("AWS_S3_PUBLIC_ENDPOINT_URL"),
        }

    @cached_property
    def public(self) -> S3Storage:
        """Return the same bucket as browsers reach it; it only signs, so it never connects."""
        options = {name: getattr(self, name) for name in S3Storage.get_default_settings(self)}
        options["endpoint_url"] = self.public_endpoint_url or self.endpoint_url
        return S3Storage(**options, cloudfront_signer=self.cloudfront_signer)

    def url(self, name, parameters=None, expire=None, http_method=None) -> str:
        return self.public.url(name, parameters=parameters, expire=expire, http_method=http_method)


def signing_client(storage: Storage):
    """Return the boto3 client that signs URLs for browsers and apps (presigned uploads)."""
    return getattr(storage, "public", storage).connection.meta.client


def bucket_prepare(
    storage: Storage, cors_origins: list[str], notify_queue_arn: str = ""
) -> list[str]:
    """Create the bucket if missing, allow browsers of these origins, send events to the ARN.

    Browsers stream from presigned GETs (ranges) and upload with presigned PUTs straight to
    the store, so the site's origins need a CORS rule there. Return what was done, a line each.
    """
    client = storage.connection.meta.client
    bucket = storage.bucket_name
    done = []
    existing = {entry["Name"] for entry in client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        client.create_bucket(Bucket=bucket)
        done.append(f"created bucket {bucket}")
    if cors_origins:
        rule = {
            "AllowedOrigins": sorted(set(cors_origins)),
            "AllowedMethods": ["GET", "HEAD", "PUT"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": AUDIO_CORS_HEADERS,
            "MaxAgeSeconds": 3600,
        }
        client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})
        done.append(f"CORS: {', '.join(rule['AllowedOrigins'])} may GET, HEAD and PUT")
    if notify_queue_arn:
        events = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]
        client.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "QueueConfigurations": [{"QueueArn": notify_queue_arn, "Events": events}]
            },
        )
        done.append(f"events of {bucket} go to {notify_queue_arn}")
    return done
