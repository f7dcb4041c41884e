"""HTTP <-> catalogue services: parse, call one service or query, shape the answer."""

import json

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import (
    APIException,
    NotAuthenticated,
    NotFound,
    ParseError,
    PermissionDenied,
    ValidationError,
)
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import queries, services
from catalog.api.filters import AlbumFilter, ArtistFilter, IngestJobFilter, SongFilter
from catalog.api.serializers import (
    AlbumSerializer,
    ArtistSerializer,
    GenreSerializer,
    IngestAcceptedSerializer,
    IngestJobSerializer,
    SongSerializer,
    StreamQuerySerializer,
    UploadAnswerSerializer,
    UploadRequestSerializer,
)
from catalog.media import file_response
from catalog.models import IngestJob, Song
from catalog.pagination import SongPagination
from catalog.signing import SignatureInvalid, SignatureMissing, check_ingest_auth
from catalog.transcoding import (
    SONG_FIELDS,
    InvalidTranscode,
    SourceMissing,
    TranscoderBusy,
    transcoded_response,
)
from library.queries import listener_songs


class EncodersBusy(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "encoders_busy"
    wait = 5  # seconds, sent as Retry-After by DRF's exception handler


class AudioFormatNegotiation(DefaultContentNegotiation):
    """Content negotiation that leaves `?format=` alone: on a stream it names the audio format,
    not one of DRF's renderers (which would answer an unknown one with a 404)."""

    class settings:
        URL_FORMAT_OVERRIDE = None


class PayloadTooLarge(ValidationError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class SongViewSet(viewsets.ReadOnlyModelViewSet):
    """The public catalogue of songs, newest first."""

    serializer_class = SongSerializer
    permission_classes = [permissions.AllowAny]
    filterset_class = SongFilter
    pagination_class = SongPagination  # exact counts up to a bound, then PostgreSQL's estimate
    ordering_fields = ["title", "created_at", "year", "duration", "track_number"]

    def get_queryset(self):
        # `liked` and `rating` of the calling user ride along in the same query.
        return listener_songs(self.request.user)

    @extend_schema(
        parameters=[StreamQuerySerializer],
        responses={
            (200, "audio/*"): OpenApiResponse(
                description="The whole file, or the song transcoded as it is encoded."
            ),
            (206, "audio/*"): OpenApiResponse(description="The requested byte range."),
            302: OpenApiResponse(description="A short-lived presigned URL on S3."),
            400: OpenApiResponse(description="An unknown format or a bad bitrate."),
            416: OpenApiResponse(description="The range cannot be satisfied."),
            503: OpenApiResponse(description="Every encoder is busy: retry after Retry-After."),
        },
    )
    @action(detail=True, methods=["get"], content_negotiation_class=AudioFormatNegotiation)
    def stream(self, request, pk=None):
        """Stream the original file with HTTP ranges for seeking, or transcoded on request:
        `format` (opus, mp3, aac, m4a; raw is the original) and/or `max_bitrate` in kbit/s
        (a song above it is sent as Opus, or in `format`). Transcoded answers are cached: once
        complete they are served with ranges too."""
        query = StreamQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        song = get_object_or_404(Song.objects.filter(hidden=False).only(*SONG_FIELDS), pk=pk)
        try:
            transcoded = transcoded_response(request, song, **query.validated_data)
        except InvalidTranscode as error:
            raise ValidationError({"format": [str(error)]}) from None
        except TranscoderBusy as error:
            raise EncodersBusy(str(error)) from None
        except SourceMissing:
            raise NotFound("The song's file is not in the store.") from None
        if transcoded is not None:
            return transcoded
        return file_response(request, song.storage_key, song.mime_type)


class ArtistViewSet(viewsets.ReadOnlyModelViewSet):
    """Artists of the public catalogue, by name."""

    serializer_class = ArtistSerializer
    permission_classes = [permissions.AllowAny]
    filterset_class = ArtistFilter
    ordering_fields = ["name", "created_at", "song_count"]

    def get_queryset(self):
        return queries.artist_list()


class AlbumViewSet(viewsets.ReadOnlyModelViewSet):
    """Albums of the public catalogue, by title; list an album's songs with /songs/?album_id=."""

    serializer_class = AlbumSerializer
    permission_classes = [permissions.AllowAny]
    filterset_class = AlbumFilter
    ordering_fields = ["title", "year", "created_at", "song_count"]

    def get_queryset(self):
        return queries.album_list()


class GenreViewSet(viewsets.ReadOnlyModelViewSet):
    """Genres of the public catalogue, by name."""

    serializer_class = GenreSerializer
    permission_classes = [permissions.AllowAny]
    filterset_fields = []
    ordering_fields = ["name", "song_count"]

    def get_queryset(self):
        return queries.genre_list()


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
        try:
            object_events, ignored = services.check_s3_notification(payload)
        except services.InvalidEvent as invalid:
            raise ValidationError({"detail": str(invalid)}) from None
        jobs = services.record_ingest_events(object_events)
        return Response(
            {"jobs": IngestJobSerializer(jobs, many=True).data, "ignored": ignored},
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
    parser_classes = [MultiPartParser, FormParser, JSONParser]

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
                    filename, data.validated_data.get("content_type", "")
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
                key, jobs = services.upload_store(upload, upload.name)
                answer = {"key": key, "jobs": IngestJobSerializer(jobs, many=True).data}
        except services.InvalidUpload as invalid:
            raise ValidationError({"file": [str(invalid)]}) from None
        return Response(answer, status=status.HTTP_201_CREATED)


class IngestJobPagination(CursorPagination):
    ordering = ("-created_at", "-id")


class IngestJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Ingest jobs with their outcome, for staff."""

    queryset = IngestJob.objects.all()
    serializer_class = IngestJobSerializer
    permission_classes = [permissions.IsAdminUser]
    filterset_class = IngestJobFilter
    pagination_class = IngestJobPagination
    ordering_fields = ["created_at", "finished_at", "status"]

    @extend_schema(request=None, responses={200: IngestJobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Queue a finished job again."""
        job = services.retry_ingest_job(self.get_object())
        return Response(IngestJobSerializer(job).data)
