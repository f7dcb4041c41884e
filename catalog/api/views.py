"""HTTP <-> catalogue services: parse, call one service or query, shape the answer."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.negotiation import DefaultContentNegotiation

from catalog import queries
from catalog.api.filters import AlbumFilter, ArtistFilter, SongFilter
from catalog.api.serializers import (
    AlbumSerializer,
    ArtistSerializer,
    GenreSerializer,
    SongSerializer,
    StreamQuerySerializer,
)
from catalog.media import file_response
from catalog.models import Song
from catalog.pagination import SongPagination
from catalog.transcoding import (
    SONG_FIELDS,
    EncodeFailed,
    InvalidTranscode,
    SourceMissing,
    Unavailable,
    transcoded_response,
)


class TranscodeUnavailable(APIException):
    """No encode now (every encoder busy, the store not answering): retry after `wait`."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "transcode_unavailable"

    def __init__(self, error: Unavailable):
        super().__init__(str(error))
        self.wait = error.retry_after  # sent as Retry-After by DRF's exception handler


class CannotTranscode(APIException):
    """The stored file cannot be decoded: asking again will not help."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "cannot_transcode"


class AudioFormatNegotiation(DefaultContentNegotiation):
    """Content negotiation that leaves `?format=` alone: on a stream it names the audio format,
    not one of DRF's renderers (which would answer an unknown one with a 404)."""

    class settings:
        URL_FORMAT_OVERRIDE = None


# library.api.views.ListenerSongViewSet serves this at /api/v1/songs/, adding the calling
# listener's `liked` and `rating` and the `liked` filter.
class SongViewSet(viewsets.ReadOnlyModelViewSet):
    """The public catalogue of songs, newest first."""

    serializer_class = SongSerializer
    permission_classes = [permissions.AllowAny]
    filterset_class = SongFilter
    pagination_class = SongPagination  # exact counts up to a bound, then PostgreSQL's estimate
    ordering_fields = ["title", "created_at", "year", "duration", "track_number"]

    def get_queryset(self):
        return queries.song_list()

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
            422: OpenApiResponse(description="The stored file cannot be decoded."),
            503: OpenApiResponse(
                description="No encoder came free (or the store did not answer) before the "
                "first byte: retry after Retry-After."
            ),
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
        except Unavailable as error:
            raise TranscodeUnavailable(error) from None
        except SourceMissing:
            raise NotFound("The song's file is not in the store.") from None
        except EncodeFailed as error:
            raise CannotTranscode(f"The song's file cannot be transcoded: {error}") from None
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
