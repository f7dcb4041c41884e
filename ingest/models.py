"""The durable record of each object event: written before the webhook answers, then run."""

from django.conf import settings
from django.db import models

from catalog.models import Song

UPLOAD_PREFIX = "music/uploads"  # every upload's key starts here (services.upload_key)


class IngestJob(models.Model):
    """One object event from the store, recorded before the webhook answers, then processed."""

    class Action(models.TextChoices):
        CREATED = "created", "Object created"
        REMOVED = "removed", "Object removed"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    bucket = models.CharField(max_length=255)
    key = models.CharField(max_length=1024)
    action = models.CharField(max_length=10, choices=Action.choices)
    event_name = models.CharField(max_length=100)
    event_time = models.DateTimeField(null=True, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    etag = models.CharField(max_length=100, blank=True)
    version_id = models.CharField(max_length=1024, blank=True)
    sequencer = models.CharField(max_length=64, blank=True)
    dedup_key = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reason = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    song = models.ForeignKey(
        Song, on_delete=models.SET_NULL, null=True, blank=True, related_name="ingest_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table keeps the name it had when the catalogue owned it: the move is state only.
        db_table = "catalog_ingestjob"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["bucket", "key"], name="ingest_job_object")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} s3://{self.bucket}/{self.key}"


class Upload(models.Model):
    """Which user put an object into the store through the upload page or the API.

    An upload's jobs come from the store's events, which know nothing of people: the object's
    key, fresh for every upload, is what ties them to the user who may follow them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads"
    )
    bucket = models.CharField(max_length=255)
    key = models.CharField(max_length=1024)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bucket", "key"], name="upload_one_per_object")
        ]

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key} by {self.user}"
