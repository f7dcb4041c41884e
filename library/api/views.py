"""HTTP <-> a listener's library: likes, ratings, plays and their lists under /me/."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.serializers import SongSerializer
from catalog.api.views import SongViewSet
from catalog.pagination import CheckedCursorPagination, SongPagination
from catalog.queries import published_song
from library import queries, services
from library.api.filters import ListenerSongFilter
from library.api.serializers import (
    LikeSerializer,
    PlayInputSerializer,
    PlaySerializer,
    RatingInputSerializer,
    RatingSerializer,
)


# The docstring is the operation's description in the OpenAPI schema: the same as the catalogue's.
class ListenerSongViewSet(SongViewSet):
    """The public catalogue of songs, newest first."""

    filterset_class = ListenerSongFilter

    def get_queryset(self):
        # `liked` and `rating` of the calling user ride along in the same query.
        return queries.listener_songs(self.request.user)


def _song(pk: int):
    song = published_song(pk)
    if song is None:
        raise Http404("No such song.")
    return song


class SongLikeView(APIView):
    """Like or unlike a song for the calling user."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: LikeSerializer})
    def post(self, request, pk: int):
        song = _song(pk)
        services.song_like(request.user, song)
        return Response({"song": song.pk, "liked": True})

    @extend_schema(request=None, responses={200: LikeSerializer})
    def delete(self, request, pk: int):
        song = _song(pk)
        services.song_unlike(request.user, song)
        return Response({"song": song.pk, "liked": False})


class SongRatingView(APIView):
    """Rate a song from 1 to 5 stars, or clear the rating."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=RatingInputSerializer,
        responses={200: RatingSerializer, 400: OpenApiResponse(description="Invalid stars.")},
    )
    def put(self, request, pk: int):
        song = _song(pk)
        data = RatingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            rating = services.song_rate(request.user, song, data.validated_data["stars"])
        except services.InvalidRating as invalid:
            raise ValidationError({"stars": [str(invalid)]}) from None
        return Response({"song": song.pk, "rating": rating.stars})

    @extend_schema(request=None, responses={200: RatingSerializer})
    def delete(self, request, pk: int):
        song = _song(pk)
        services.song_unrate(request.user, song)
        return Response({"song": song.pk, "rating": None})


class PlayCursorPagination(CheckedCursorPagination):
    ordering = ("-played_at", "-id")
    page_size = 50


class SongPlaysView(APIView):
    """Record a play of a song by the calling user."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=PlayInputSerializer,
        responses={201: OpenApiResponse(description="The play was recorded.")},
    )
    def post(self, request, pk: int):
        song = _song(pk)
        data = PlayInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        play = services.play_record(request.user, song, data.validated_data.get("played_at"))
        return Response(
            {"id": play.pk, "song": song.pk, "played_at": play.played_at},
            status=status.HTTP_201_CREATED,
        )


class RecentPlaysView(generics.ListAPIView):
    """The calling user's plays, newest first (cursor-paged: the history grows without bound)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = PlaySerializer
    pagination_class = PlayCursorPagination
    filter_backends = []

    def get_queryset(self):
        return queries.recent_plays(self.request.user)


class LikedSongsView(generics.ListAPIView):
    """The songs the calling user liked, most recently liked first."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = SongSerializer
    pagination_class = SongPagination  # the same page shape as /songs/
    filter_backends = []

    def get_queryset(self):
        return queries.liked_songs(self.request.user)
