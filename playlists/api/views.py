"""HTTP <-> playlists: parse, check access, call one service, shape the answer."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from catalog.queries import published_song
from playlists import queries, services
from playlists.api.filters import PlaylistFilter
from playlists.api.serializers import (
    PlaylistDetailSerializer,
    PlaylistItemSerializer,
    PlaylistSerializer,
    TrackAddedSerializer,
    TrackAddSerializer,
    TrackMoveSerializer,
)


class PlaylistViewSet(viewsets.ModelViewSet):
    """Your playlists and everyone's public ones. Private playlists are 404 to everyone else."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    serializer_class = PlaylistSerializer
    filterset_class = PlaylistFilter
    ordering_fields = ["name", "created_at", "updated_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"

    def get_serializer_class(self):
        if self.action == "retrieve":
            return PlaylistDetailSerializer
        return PlaylistSerializer

    def get_queryset(self):
        return queries.playlist_list(self.request.user)

    def retrieve(self, request, pk=None):
        playlist = queries.playlist_detail(request.user, self._pk())
        return Response(PlaylistDetailSerializer(playlist, context={"request": request}).data)

    def perform_create(self, serializer):
        data = serializer.validated_data
        playlist = services.playlist_create(
            self.request.user,
            name=data["name"],
            description=data.get("description", ""),
            is_public=data.get("is_public", False),
        )
        serializer.instance = queries.playlist_list(self.request.user).get(pk=playlist.pk)

    def update(self, request, pk=None, partial=True):
        playlist = queries.access_playlist(request.user, self._pk(), change=True)
        serializer = PlaylistSerializer(playlist, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.playlist_update(playlist, **serializer.validated_data)
        fresh = queries.playlist_list(request.user).get(pk=playlist.pk)
        return Response(PlaylistSerializer(fresh).data)

    def destroy(self, request, pk=None):
        playlist = queries.access_playlist(request.user, self._pk(), change=True)
        services.playlist_delete(playlist)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["get"], request=None, responses={200: PlaylistItemSerializer(many=True)}
    )
    @extend_schema(
        methods=["post"], request=TrackAddSerializer, responses={201: TrackAddedSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def tracks(self, request, pk=None):
        """List the tracks in order, or add a song (at `position`, or at the end)."""
        if request.method == "GET":
            playlist = queries.playlist_detail(request.user, self._pk())
            return Response(PlaylistItemSerializer(playlist.tracks, many=True).data)
        playlist = queries.access_playlist(request.user, self._pk(), change=True)
        data = TrackAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        song = published_song(data.validated_data["song"])
        if song is None:
            raise ValidationError({"song": ["No such song."]})
        try:
            item = services.playlist_add_song(playlist, song, data.validated_data.get("position"))
        except services.InvalidPosition as invalid:
            raise ValidationError({"position": [str(invalid)]}) from None
        except services.PlaylistFull as full:
            raise ValidationError({"song": [str(full)]}) from None
        return Response(TrackAddedSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["patch"], request=TrackMoveSerializer, responses={200: TrackAddedSerializer}
    )
    @extend_schema(methods=["delete"], request=None, responses={204: None})
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"tracks/(?P<item_id>\d+)",
        filter_backends=[],
    )
    def track(self, request, pk=None, item_id=None):
        """Move one track to a new position, or remove it from the playlist."""
        playlist = queries.access_playlist(request.user, self._pk(), change=True)
        item = queries.access_playlist_item(playlist, int(item_id))
        if request.method == "DELETE":
            services.playlist_remove_item(playlist, item)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = TrackMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            item = services.playlist_move_item(playlist, item, data.validated_data["position"])
        except services.InvalidPosition as invalid:
            raise ValidationError({"position": [str(invalid)]}) from None
        return Response(TrackAddedSerializer(item).data)

    def _pk(self) -> int:
        return int(self.kwargs["pk"])
