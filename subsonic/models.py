"""What only Subsonic apps keep: starred albums and artists, the saved play queue, now playing.

Starred songs are the listener's likes (library.Like): one source of truth with the site.
"""

from django.conf import settings
from django.db import models


class StarredAlbum(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    album = models.ForeignKey("catalog.Album", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "album"], name="starred_album_once")]

    def __str__(self) -> str:
        return f"{self.user_id} starred album {self.album_id}"


class StarredArtist(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    artist = models.ForeignKey("catalog.Artist", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
    position_ms = models.PositiveBigIntegerField(default=0)
    changed_by = models.CharField(max_length=200, blank=True)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Play queue of {self.user_id}"


class PlayQueueEntry(models.Model):
    queue = models.ForeignKey(PlayQueue, on_delete=models.CASCADE, related_name="entries")
    song = models.ForeignKey("catalog.Song", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.queue_id}#{self.position}: {self.song_id}"


class NowPlaying(models.Model):
    """What a listener's player last said it is playing (scrobble with submission=false)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    player = models.CharField(max_length=200, blank=True, help_text="The client's name (c=).")
    song = models.ForeignKey("catalog.Song", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "player"], name="now_playing_per_player")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.player or '?'} plays {self.song_id}"
