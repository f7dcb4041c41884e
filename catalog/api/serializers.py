"""Translate catalogue rows to JSON; no workflow here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Album, Artist, Genre, Song
from catalog.queries import ListedSong
from catalog.transcoding.profiles import FORMATS, RAW


class ArtistRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Artist
        fields = ["id", "name"]


class GenreSerializer(serializers.ModelSerializer):
    song_count = serializers.IntegerField(read_only=True, help_text="Published songs.")

    class Meta:
        model = Genre
        fields = ["id", "name", "song_count"]


class ArtistSerializer(serializers.ModelSerializer):
    song_count = serializers.IntegerField(read_only=True, help_text="Published songs.")
    album_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Artist
        fields = ["id", "name", "song_count", "album_count", "created_at"]


class AlbumRefSerializer(serializers.ModelSerializer):
    artist = serializers.CharField(source="album_artist.name")
    cover_url = serializers.SerializerMethodField()

    class Meta:
        model = Album
        fields = ["id", "title", "artist", "year", "cover_url"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_cover_url(self, album: Album) -> str | None:
        return album.cover.url if album.cover_id else None


class AlbumSerializer(AlbumRefSerializer):
    artist_id = serializers.IntegerField(source="album_artist_id")
    song_count = serializers.IntegerField(read_only=True, help_text="Published songs.")

    class Meta:
        model = Album
        fields = ["id", "title", "artist", "artist_id", "year", "cover_url", "song_count"]


_MOMENT = serializers.DateTimeField()  # how DRF writes a date and time


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
    liked = serializers.SerializerMethodField(
        help_text="Whether the calling user liked the song; null without a signed-in user."
    )
    rating = serializers.SerializerMethodField(
        help_text="The calling user's stars (1-5); null when unrated or without a user."
    )

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
            "liked",
            "rating",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, song: Song | ListedSong) -> dict:
        """Write a song as the fields above declare it, without DRF's walk over each field.

        A page of songs spent more time in that walk (attribute lookups, field objects, a
        related manager per access) than in its queries; the fields stay declared for the
        schema, and a test checks that this gives what the walk gives. The live frames pass
        ListedSongs (catalog.queries), which answer to the same names.
        """
        genres = [genre.name for genre in song.genre_list]
        return {
            "id": song.pk,
            "title": song.title,
            "artist": song.artist.name,
            "artists": [{"id": artist.pk, "name": artist.name} for artist in song.credited_artists],
            "album": self.get_album(song),
            "album_id": song.album_id,
            "genre": genres[0] if genres else None,
            "genres": genres,
            "track_number": song.track_number,
            "disc_number": song.disc_number,
            "year": song.year,
            "duration": float(song.duration),
            "bitrate": song.bitrate,
            "sample_rate": song.sample_rate,
            "codec": song.codec,
            "mime_type": song.mime_type,
            "file_size": song.file_size,
            "cover_url": self.get_cover_url(song),
            "stream_url": song.stream_url,
            "liked": self.get_liked(song),
            "rating": self.get_rating(song),
            "created_at": _MOMENT.to_representation(song.created_at),
            "updated_at": _MOMENT.to_representation(song.updated_at),
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_album(self, song: Song) -> str | None:
        return song.album.title if song.album_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_genre(self, song: Song) -> str | None:
        genres = song.genre_list
        return genres[0].name if genres else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_genres(self, song: Song) -> list[str]:
        return [genre.name for genre in song.genre_list]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_cover_url(self, song: Song) -> str | None:
        return song.cover.url if song.cover_id else None

    # Both come from annotations (library.queries.with_listener_state), never a query per song;
    # songs built without a user (the live events, anonymous requests) report null.
    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_liked(self, song: Song) -> bool | None:
        return getattr(song, "liked", None)

    @extend_schema_field(serializers.IntegerField(allow_null=True, min_value=1, max_value=5))
    def get_rating(self, song: Song) -> int | None:
        return getattr(song, "rating", None)


class StreamQuerySerializer(serializers.Serializer):
    """The query of a song's stream: the original file unless a format or a bitrate cap asks."""

    format = serializers.ChoiceField(
        choices=[*FORMATS, RAW],
        required=False,
        allow_blank=True,
        default="",
        error_messages={
            "invalid_choice": f"Unknown format {{input!r}}: use {', '.join((*FORMATS, RAW))}."
        },
        help_text="opus, mp3, aac (ADTS), m4a (fragmented MP4), or raw for the original file.",
    )
    max_bitrate = serializers.IntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=10_000,
        help_text="kbit/s; a song above it is transcoded (to Opus unless `format` says). 0: none.",
    )
