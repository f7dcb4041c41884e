"""HTTP <-> the recommender: parse the query, call one query function, shape the answer."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Artist
from catalog.queries import published_song
from recommendations import queries
from recommendations.api.serializers import (
    LimitSerializer,
    RadioQuerySerializer,
    RecommendationListSerializer,
    SongListSerializer,
)


def _limit_parameter(default: int) -> OpenApiParameter:
    return OpenApiParameter("limit", int, description=f"How many songs, 1-100 (default {default}).")


class RecommendationsView(APIView):
    """Songs picked for the calling user from their likes, ratings, plays and playlists.

    Never a song they liked or recently played; at most two of one artist in each ten; each
    with a short reason. A new user gets the popular songs, with that as the reason.
    """

    permission_classes = [permissions.IsAuthenticated]
    filter_backends = []

    @extend_schema(
        parameters=[_limit_parameter(20)],
        responses={
            200: RecommendationListSerializer,
            400: OpenApiResponse(description="Bad limit."),
        },
    )
    def get(self, request):
        query = LimitSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        picks = queries.recommend_for_user(request.user, limit=query.validated_data["limit"])
        return Response(RecommendationListSerializer({"results": picks}).data)


class SimilarSongsView(APIView):
    """Songs listeners enjoy together with this one, then songs of its album, artist and genre."""

    permission_classes = [permissions.AllowAny]
    filter_backends = []

    @extend_schema(
        parameters=[_limit_parameter(20)],
        responses={200: SongListSerializer, 404: OpenApiResponse(description="No such song.")},
    )
    def get(self, request, pk: int):
        query = LimitSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if published_song(pk) is None:
            raise Http404("No such song.")
        songs = queries.similar_songs(pk, limit=query.validated_data["limit"], user=request.user)
        return Response(SongListSerializer({"results": songs}).data)


class RadioView(APIView):
    """A queue seeded by a song (which opens it) or an artist, drifting to similar songs."""

    permission_classes = [permissions.AllowAny]
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter("song", int, description="Seed song id (or give `artist`)."),
            OpenApiParameter("artist", int, description="Seed artist id (or give `song`)."),
            _limit_parameter(50),
        ],
        responses={
            200: SongListSerializer,
            400: OpenApiResponse(description="Neither or both seeds, or a bad limit."),
            404: OpenApiResponse(description="No such song or artist."),
        },
    )
    def get(self, request):
        query = RadioQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        song_id = query.validated_data.get("song")
        artist_id = query.validated_data.get("artist")
        if song_id is not None and published_song(song_id) is None:
            raise Http404("No such song.")
        if artist_id is not None and not Artist.objects.filter(pk=artist_id).exists():
            raise Http404("No such artist.")
        songs = queries.radio(
            song_id=song_id,
            artist_id=artist_id,
            user=request.user,
            limit=query.validated_data["limit"],
        )
        return Response(SongListSerializer({"results": songs}).data)
