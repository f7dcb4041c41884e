"""What each listener keeps of the catalogue: likes, star ratings and the plays they made."""

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
