"""Translate likes, ratings and plays to JSON; the rules live in library.services."""

from rest_framework import serializers

from catalog.api.serializers import SongSerializer
from library.models import Play


class LikeSerializer(serializers.Serializer):
    song = serializers.IntegerField(help_text="The song's id.")
    liked = serializers.BooleanField()


class RatingInputSerializer(serializers.Serializer):
    stars = serializers.IntegerField(min_value=1, max_value=5, help_text="1 to 5 stars.")


class RatingSerializer(serializers.Serializer):
    song = serializers.IntegerField(help_text="The song's id.")
    rating = serializers.IntegerField(allow_null=True, help_text="1 to 5 stars, null when unrated.")


class PlayInputSerializer(serializers.Serializer):
    played_at = serializers.DateTimeField(
        required=False,
        help_text="When the song was played; now when left out (or in the future).",
    )


class PlaySerializer(serializers.ModelSerializer):
    song = SongSerializer()

    class Meta:
        model = Play
        fields = ["id", "played_at", "song"]
