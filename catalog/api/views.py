"""HTTP <-> catalogue services: parse, call one service or query, shape the answer."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action

from catalog import queries
from catalog.api.filters import AlbumFilter, ArtistFilter, SongFilter
from catalog.api.serializers import (
    AlbumSerializer,
    ArtistSerializer,
    GenreSerializer,
    SongSerializer,
)
from catalog.media import file_response
from catalog.models import Song
from catalog.pagination import SongPagination


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
        responses={
            (200, "audio/*"): OpenApiResponse(description="The whole file."),
            (206, "audio/*"): OpenApiResponse(description="The requested byte range."),
            302: OpenApiResponse(description="A short-lived presigned URL on S3."),
            416: OpenApiResponse(description="The range cannot be satisfied."),
        }
    )
    @action(detail=True, methods=["get"])
    def stream(self, request, pk=None):
        """Stream the original file, with HTTP range support for seeking."""
        song = get_object_or_404(
            Song.objects.filter(hidden=False).only("storage_key", "mime_type"), pk=pk
        )
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
