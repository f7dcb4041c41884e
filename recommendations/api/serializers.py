"""Translate recommendations to JSON and parse their query parameters; no workflow here."""

from rest_framework import serializers

from catalog.api.serializers import SongSerializer

MAX_LIMIT = 100


class RecommendationSerializer(serializers.Serializer):
    song = SongSerializer(help_text="The song as /songs/ shows it, with the caller's liked/rating.")
    score = serializers.FloatField(help_text="How strongly it is recommended; higher is better.")
    reason = serializers.CharField(help_text='Why, in a few words: "Because you liked Neon Rain".')


class RecommendationListSerializer(serializers.Serializer):
    results = RecommendationSerializer(many=True)


class SongListSerializer(serializers.Serializer):
    results = SongSerializer(many=True)


class LimitSerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False, default=20, min_value=1, max_value=MAX_LIMIT, help_text="How many songs."
    )


class RadioQuerySerializer(serializers.Serializer):
    song = serializers.IntegerField(required=False, min_value=1, help_text="Seed song id.")
    artist = serializers.IntegerField(required=False, min_value=1, help_text="Seed artist id.")
    limit = serializers.IntegerField(
        required=False, default=50, min_value=1, max_value=MAX_LIMIT, help_text="Queue length."
    )

    def validate(self, attrs):
        if ("song" in attrs) == ("artist" in attrs):
            raise serializers.ValidationError("Give either `song` or `artist` (one of them).")
        return attrs
