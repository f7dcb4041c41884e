"""HTTP <-> ingest: the store's webhook, uploads and the jobs' list; parse, call, shape."""

import functools
import json

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import (
    NotAuthenticated,
    ParseError,
    PermissionDenied,
    ValidationError,
)
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.pagination import CheckedCursorPagination
from ingest import queries, services, tasks
from ingest.api.filters import IngestJobFilter
from ingest.api.serializers import (
    IngestAcceptedSerializer,
    IngestJobSerializer,
    UploadAnswerSerializer,
    UploadJobSerializer,
    UploadLimitsSerializer,
    UploadRequestSerializer,
)
from ingest.events import InvalidEvent, check_s3_notification
from ingest.signing import SignatureInvalid, SignatureMissing, check_ingest_auth


@functools.cache
def job_serializer() -> IngestJobSerializer:
    """Return one IngestJobSerializer for every webhook answer: a new one per request built
    its seventeen fields again, a third of the request's time."""
    return IngestJobSerializer()


class PayloadTooLarge(ValidationError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class IngestEventsView(APIView):
    """Receive S3 event notifications (from our Lambda, MinIO or the local watcher)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request={"application/json": {"type": "object", "description": "S3 event notification"}},
        responses={202: IngestAcceptedSerializer},
    )
    def post(self, request):
        body = self._read_body(request)
        try:
            check_ingest_auth(
                request.headers, body, settings.INGEST_SECRET, settings.INGEST_SIGNATURE_MAX_AGE
            )
        except SignatureMissing as missing:
            raise NotAuthenticated(str(missing)) from None
        except SignatureInvalid as invalid:
            raise PermissionDenied(str(invalid)) from None
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ParseError(f"the body is not JSON: {error}") from None
        except RecursionError:
            raise ParseError("the body is not JSON: nested too deeply") from None
        try:
            object_events, ignored = check_s3_notification(payload)
        except InvalidEvent as invalid:
            raise ValidationError({"detail": str(invalid)}) from None
        jobs = tasks.queue_ingest_events(object_events)
        shape = job_serializer().to_representation
        return Response(
            {"jobs": [shape(job) for job in jobs], "ignored": ignored},
            status=status.HTTP_202_ACCEPTED,
        )

    def get_authenticate_header(self, request):
        return 'Bearer realm="ingest"'

    def _read_body(self, request) -> bytes:
        limit = settings.INGEST_MAX_EVENT_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise PayloadTooLarge(f"the event body is over {limit} bytes")
        body = request._request.read(limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge(f"the event body is over {limit} bytes")
        return body


class CanUpload(permissions.BasePermission):
    """Curators (and admins): whoever may add songs to the catalogue."""

    message = "Only curators may upload songs."

    def has_permission(self, request, view) -> bool:
        return bool(request.user.is_authenticated and request.user.has_perm("catalog.add_song"))


class UploadView(APIView):
    """Add a song file for curators; it is ingested like any object in the store.

    With S3 storage, send `{"filename", "content_type"}` and PUT the bytes to the answered
    presigned URL: the bucket's event brings the file in. With local storage, POST the file as
    multipart/form-data field `file`: it is stored under music/uploads/ and its event recorded.
    """

    permission_classes = [CanUpload]

    @extend_schema(responses={200: UploadLimitsSerializer})
    def get(self, request):
        """Say how uploads go, to whoever may upload; 401 or 403 to anyone else. A proxy asks
        it before it takes an upload's body (nginx's auth_request, docs/deployment.md)."""
        limits = {
            "max_file_bytes": settings.INGEST_MAX_FILE_BYTES,
            "direct_to_store": bool(settings.AWS_STORAGE_BUCKET_NAME),
        }
        return Response(UploadLimitsSerializer(limits).data)

    @extend_schema(
        request={
            "application/json": UploadRequestSerializer,
            "multipart/form-data": UploadRequestSerializer,
        },
        responses={201: UploadAnswerSerializer},
    )
    def post(self, request):
        data = UploadRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data.get("file")
        try:
            if settings.AWS_STORAGE_BUCKET_NAME:
                filename = data.validated_data.get("filename") or getattr(upload, "name", "")
                if not filename:
                    raise ValidationError({"filename": ["Name the file to upload."]})
                presigned = services.upload_presign(
                    request.user, filename, data.validated_data.get("content_type", "")
                )
                answer = {
                    "key": presigned.key,
                    "upload_url": presigned.url,
                    "method": presigned.method,
                    "headers": presigned.headers,
                    "expires_in": presigned.expires_in,
                }
            else:
                if upload is None:
                    raise ValidationError(
                        {"file": ["Send the audio file as multipart/form-data field 'file'."]}
                    )
                key, jobs = services.upload_store(request.user, upload, upload.name)
                answer = {"key": key, "jobs": IngestJobSerializer(jobs, many=True).data}
        except services.InvalidUpload as invalid:
            raise ValidationError({"file": [str(invalid)]}) from None
        return Response(answer, status=status.HTTP_201_CREATED)


class IngestJobPagination(CheckedCursorPagination):
    ordering = ("-created_at", "-id")


class IngestJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Ingest jobs with their outcome: every job for staff, the jobs of their own uploads for
    anyone else signed in (with fewer fields: see UploadJobSerializer)."""

    serializer_class = IngestJobSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = IngestJobFilter
    pagination_class = IngestJobPagination
    ordering_fields = ["created_at", "finished_at", "status"]

    def get_queryset(self):
        return queries.ingest_jobs_for(self.request.user)

    def get_serializer_class(self):
        # The schema documents the staff's shape; an uploader's is a subset of its fields.
        if getattr(self, "swagger_fake_view", False):
            return IngestJobSerializer
        if queries.may_read_every_ingest_job(self.request.user):
            return IngestJobSerializer
        return UploadJobSerializer

    @extend_schema(request=None, responses={200: IngestJobSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAdminUser])
    def retry(self, request, pk=None):
        """Queue a finished job again (staff only)."""
        job = tasks.retry_ingest_job(self.get_object())
        return Response(IngestJobSerializer(job).data)
