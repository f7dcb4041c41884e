"""What each listener keeps of the catalogue: likes, star ratings, plays, stars on albums and
artists, the saved play queue and what is playing now.

The starred albums and artists, the play queue and now playing came from the Subsonic app and
keep its table names (db_table), so moving them here touched no data.
"""

from django.conf import settings
from django.db import models


class Like(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    song = models.ForeignKey("catalog.Song", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "song"], name="like_once")]
        indexes = [models.Index(fields=["user", "-created_at"], name="like_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.song_id}"


class Rating(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    song = models.ForeignKey("catalog.Song", on_delete=models.CASCADE, related_name="+")
    stars = models.PositiveSmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "song"], name="rating_once"),
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5), name="rating_stars_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} rates {self.song_id}: {self.stars}"


class Play(models.Model):
    """One play of a song by a listener; the history grows without bound, so it is cursor-paged."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    song = models.ForeignKey("catalog.Song", on_delete=models.CASCADE, related_name="+")
    played_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-played_at", "-id"]
        indexes = [models.Index(fields=["user", "-played_at", "-id"], name="play_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} played {self.song_id} at {self.played_at:%Y-%m-%d %H:%M}"


class StarsRating(models.Model):
    """A listener's 1 to 5 stars for something of the catalogue; subclasses name the target."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stars = models.PositiveSmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5), name="%(class)s_stars_1_to_5"
            ),
        ]


class AlbumRating(StarsRating):
    album = models.ForeignKey("catalog.Album", on_delete=models.CASCADE, related_name="+")

    class Meta(StarsRating.Meta):
        constraints = [
            *StarsRating.Meta.constraints,
            models.UniqueConstraint(fields=["user", "album"], name="album_rating_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} rates album {self.album_id}: {self.stars}"


class ArtistRating(StarsRating):
    artist = models.ForeignKey("catalog.Artist", on_delete=models.CASCADE, related_name="+")

    class Meta(StarsRating.Meta):
        constraints = [
            *StarsRating.Meta.constraints,
            models.UniqueConstraint(fields=["user", "artist"], name="artist_rating_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} rates artist {self.artist_id}: {self.stars}"


class Bookmark(models.Model):
    """A place in a song a listener means to come back to (one per song)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    song = models.ForeignKey("catalog.Song", on_delete=models.CASCADE, related_name="+")
    position_ms = models.PositiveBigIntegerField(default=0)
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "song"], name="bookmark_once")]

    def __str__(self) -> str:
        return f"{self.user_id} marks {self.song_id} at {self.position_ms} ms"


class StarredAlbum(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    album = models.ForeignKey("catalog.Album", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "subsonic_starredalbum"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "album"], name="starred_album_once")]

    def __str__(self) -> str:
        return f"{self.user_id} starred album {self.album_id}"


class StarredArtist(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    artist = models.ForeignKey("catalog.Artist", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "subsonic_starredartist"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "artist"], name="starred_artist_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} starred artist {self.artist_id}"


class PlayQueue(models.Model):
    """The queue a listener saved from one app, to pick up in another."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    current = models.ForeignKey(
        "catalog.Song", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    current_index = models.PositiveIntegerField(
        null=True, blank=True, help_text="Which entry plays: the same song may be queued twice."
    )
    position_ms = models.PositiveBigIntegerField(default=0)
    changed_by = models.CharField(max_length=200, blank=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "subsonic_playqueue"

    def __str__(self) -> str:
        return f"Play queue of {self.user_id}"


class PlayQueueEntry(models.Model):
    queue = models.ForeignKey(PlayQueue, on_delete=models.CASCADE, related_name="entries")
    song = models.ForeignKey("catalog.Song", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        db_table = "subsonic_playqueueentry"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.queue_id}#{self.position}: {self.song_id}"


class NowPlaying(models.Model):
    """What a listener's player last said it is playing (scrobble with submission=false)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    player = models.CharField(max_length=200, blank=True, help_text="The client's name (c=).")
    song = models.ForeignKey("catalog.Song", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    state = models.CharField(
        max_length=20, blank=True, help_text="starting, playing, paused (reportPlayback)."
    )
    position_ms = models.PositiveBigIntegerField(null=True, blank=True)
    playback_rate = models.FloatField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "subsonic_nowplaying"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "player"], name="now_playing_per_player")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.player or '?'} plays {self.song_id}"
