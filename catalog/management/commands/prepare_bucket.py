"""Make the S3 bucket ready for the site: created, open to its browsers, wired to the webhook."""

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from catalog.media import is_s3
from catalog.storages import bucket_prepare


class Command(BaseCommand):
    help = (
        "Create the media bucket if it is missing, apply the CORS rule browsers need for "
        "presigned playback and uploads, and (given an ARN) send its object events to the "
        "store's webhook target. Safe to run on every start."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cors-origin",
            action="append",
            default=[],
            metavar="URL",
            help="a site origin allowed to GET and PUT (repeatable; "
            "DJANGO_CSRF_TRUSTED_ORIGINS are always allowed)",
        )
        parser.add_argument(
            "--notify-queue-arn",
            default="",
            metavar="ARN",
            help="the store's notification target, e.g. arn:rustfs:sqs:us-east-1:ingest:webhook",
        )

    def handle(self, *args, cors_origin: list[str], notify_queue_arn: str, **options):
        if not is_s3(default_storage):
            raise CommandError("the media store is a local folder: set AWS_STORAGE_BUCKET_NAME")
        origins = [*settings.CSRF_TRUSTED_ORIGINS, *cors_origin]
        for line in bucket_prepare(default_storage, origins, notify_queue_arn):
            self.stdout.write(line)
