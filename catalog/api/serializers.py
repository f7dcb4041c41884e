"""Translate catalogue rows to JSON; no workflow here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Album, Artist, Genre, IngestJob, Song


class ArtistRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Artist
        fields = ["id", "name"]


class GenreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Genre
        fields = ["id", "name"]


class AlbumRefSerializer(serializers.ModelSerializer):
    artist = serializers.CharField(source="album_artist.name")
    cover_url = serializers.SerializerMethodField()

    class Meta:
        model = Album
        fields = ["id", "title", "artist", "year", "cover_url"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_cover_url(self, album: Album) -> str | None:
        return album.cover.url if album.cover_id else None


class SongSerializer(serializers.ModelSerializer):
    artist = serializers.CharField(source="artist.name", help_text="The first credited artist.")
    artists = ArtistRefSerializer(many=True)
    album = serializers.SerializerMethodField()
    album_id = serializers.IntegerField(allow_null=True)
    genre = serializers.SerializerMethodField(help_text="The first genre, for display.")
    genres = serializers.SerializerMethodField()
    duration = serializers.FloatField(help_text="Seconds.")
    cover_url = serializers.SerializerMethodField()
    stream_url = serializers.CharField()

    class Meta:
        model = Song
        fields = [
            "id",
            "title",
            "artist",
            "artists",
            "album",
            "album_id",
            "genre",
            "genres",
            "track_number",
            "disc_number",
            "year",
            "duration",
            "bitrate",
            "sample_rate",
            "codec",
            "mime_type",
            "file_size",
            "cover_url",
            "stream_url",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_album(self, song: Song) -> str | None:
        return song.album.title if song.album_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_genre(self, song: Song) -> str | None:
        genres = song.genres.all()
        return genres[0].name if genres else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_genres(self, song: Song) -> list[str]:
        return [genre.name for genre in song.genres.all()]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_cover_url(self, song: Song) -> str | None:
        return song.cover.url if song.cover_id else None


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


class IngestAcceptedSerializer(serializers.Serializer):
    jobs = IngestJobSerializer(many=True)
    ignored = serializers.IntegerField(help_text="Records that are not object events we use.")
