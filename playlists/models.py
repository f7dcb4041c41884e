"""Playlists: a listener's ordered list of songs, private unless they make it public."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2000


class Playlist(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlists"
    )
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    # Shown in every public list: bounded in the database too, not only by the forms and API.
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    is_public = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["owner", "-updated_at"], name="playlist_owner_recent")]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("name"), NAME_MAX_LENGTH),
                name="playlist_name_length",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("description"), DESCRIPTION_MAX_LENGTH),
                name="playlist_description_length",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PlaylistItem(models.Model):
    """One entry of a playlist; the same song may appear more than once.

    Positions are kept dense (0, 1, 2, ...) by playlists.services, which locks the playlist row
    while it renumbers, so no unique constraint has to survive a reorder mid-update.
    """

    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items")
    song = models.ForeignKey("catalog.Song", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["playlist", "position"], name="playlist_item_order")]

    def __str__(self) -> str:
        return f"{self.playlist_id}#{self.position}: {self.song_id}"
