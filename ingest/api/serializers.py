"""Translate ingest jobs and upload requests to and from JSON; no workflow here."""

from rest_framework import serializers

from ingest.models import IngestJob


class IngestJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = IngestJob
        fields = [
            "id",
            "bucket",
            "key",
            "action",
            "event_name",
            "event_time",
            "size",
            "etag",
            "version_id",
            "sequencer",
            "status",
            "reason",
            "attempts",
            "song",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def to_representation(self, job: IngestJob) -> dict:
        """Write a job as the fields above declare it, without DRF's walk over each field:
        the webhook answers with every job it recorded, and the walk was a third of the
        request's work. A test checks that this gives what the walk gives."""
        return {
            "id": job.pk,
            "bucket": job.bucket,
            "key": job.key,
            "action": job.action,
            "event_name": job.event_name,
            "event_time": _moment(job.event_time),
            "size": job.size,
            "etag": job.etag,
            "version_id": job.version_id,
            "sequencer": job.sequencer,
            "status": job.status,
            "reason": job.reason,
            "attempts": job.attempts,
            "song": job.song_id,
            "created_at": _moment(job.created_at),
            "started_at": _moment(job.started_at),
            "finished_at": _moment(job.finished_at),
        }


_MOMENT = serializers.DateTimeField()  # how DRF writes a date and time


def _moment(value) -> str | None:
    return None if value is None else _MOMENT.to_representation(value)


class UploadJobSerializer(serializers.ModelSerializer):
    """A job as its uploader sees it: its outcome, not where and how the store keeps the file."""

    class Meta:
        model = IngestJob
        fields = [
            "id",
            "key",
            "action",
            "status",
            "reason",
            "song",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class IngestAcceptedSerializer(serializers.Serializer):
    jobs = IngestJobSerializer(many=True)
    ignored = serializers.IntegerField(help_text="Records that are not object events we use.")


class UploadRequestSerializer(serializers.Serializer):
    filename = serializers.CharField(
        required=False, max_length=255, help_text="S3: the file's name, to pick its key."
    )
    content_type = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="S3: the Content-Type to PUT."
    )
    file = serializers.FileField(
        required=False, help_text="Local storage: the audio file itself (multipart/form-data)."
    )


class UploadAnswerSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Where the file is (or will be) in the store.")
    upload_url = serializers.CharField(
        required=False, help_text="S3: PUT the file's bytes here before it expires."
    )
    method = serializers.CharField(required=False)
    headers = serializers.DictField(child=serializers.CharField(), required=False)
    expires_in = serializers.IntegerField(required=False, help_text="Seconds.")
    jobs = IngestJobSerializer(many=True, required=False, help_text="Local: the ingest job.")


class UploadLimitsSerializer(serializers.Serializer):
    max_file_bytes = serializers.IntegerField(help_text="The largest file an upload may be.")
    direct_to_store = serializers.BooleanField(
        help_text="True: POST the file's name for a presigned URL and PUT the bytes there; "
        "false: POST the file itself."
    )
