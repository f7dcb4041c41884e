"""Translate playlists to JSON and parse their input; the rules live in playlists.services."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api.serializers import SongSerializer
from playlists.models import Playlist, PlaylistItem
from playlists.queries import cover_urls


class PlaylistSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.get_username", read_only=True)
    track_count = serializers.IntegerField(read_only=True)
    cover_urls = serializers.SerializerMethodField(
        help_text="Up to four distinct album covers from the top of the playlist, for a mosaic."
    )

    class Meta:
        model = Playlist
        fields = [
            "id",
            "name",
            "description",
            "is_public",
            "owner",
            "track_count",
            "cover_urls",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"is_public": {"help_text": "Private (false) by default."}}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_cover_urls(self, playlist: Playlist) -> list[str]:
        return cover_urls(playlist)


class PlaylistItemSerializer(serializers.ModelSerializer):
    song = SongSerializer()

    class Meta:
        model = PlaylistItem
        fields = ["id", "position", "song", "added_at"]


class PlaylistDetailSerializer(PlaylistSerializer):
    tracks = PlaylistItemSerializer(many=True, read_only=True)

    class Meta(PlaylistSerializer.Meta):
        fields = [*PlaylistSerializer.Meta.fields, "tracks"]


class TrackAddSerializer(serializers.Serializer):
    song = serializers.IntegerField(help_text="The id of the song to add.")
    position = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="Where to insert it, 0 being the top; at the end when left out.",
    )


class TrackMoveSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=0, help_text="The new position, 0 is the top.")


class TrackAddedSerializer(serializers.ModelSerializer):
    song = serializers.IntegerField(source="song_id")

    class Meta:
        model = PlaylistItem
        fields = ["id", "position", "song", "added_at"]
