"""What the recommender precomputes: song neighbours, per-song statistics, popular lists."""

from django.db import models


class SongNeighbor(models.Model):
    """One of a song's top-k most similar songs, by what listeners do together.

    Written only by recommendations.services.refresh_recommendations. The neighbour is a plain
    reference (no constraint, no index): reads go through catalog.queries.song_list(), which
    drops removed and hidden songs, so deleting a song never scans this large table.
    """

    # The unique (song, neighbor) index serves lookups by song: no second index to maintain.
    song = models.ForeignKey(
        "catalog.Song", on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    neighbor = models.ForeignKey(
        "catalog.Song",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    score = models.FloatField(help_text="Cosine similarity of the two songs' listeners, 0-1.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["song", "neighbor"], name="song_neighbor_once")
        ]

    def __str__(self) -> str:
        return f"{self.song_id} ~ {self.neighbor_id}: {self.score:.3f}"


class SongStats(models.Model):
    """A song's weight in listeners' histories: its vector norm and its popularity."""

    song = models.OneToOneField(
        "catalog.Song", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    norm = models.FloatField(default=0.0, help_text="Length of the song's listener vector.")
    popularity = models.FloatField(default=0.0, help_text="Sum of listeners' positive weights.")
    # db_default too: code that predates the column can still insert rows (a rolling deploy).
    interactions = models.PositiveIntegerField(
        default=0,
        db_default=0,
        help_text="Its likes, ratings and playlist entries at its last refresh: fewer now means "
        "some were removed, which no watermark shows.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["-popularity"], name="song_stats_popular")]

    def __str__(self) -> str:
        return f"{self.song_id}: popularity {self.popularity:.2f}"


class PopularSong(models.Model):
    """A short ranked list of popular songs, overall (genre empty) and per genre, for new users."""

    genre = models.ForeignKey(
        "catalog.Genre", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    song = models.ForeignKey("catalog.Song", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveIntegerField()
    score = models.FloatField()

    class Meta:
        ordering = ["genre_id", "rank"]
        indexes = [models.Index(fields=["genre", "rank"], name="popular_song_rank")]

    def __str__(self) -> str:
        return f"#{self.rank} {self.song_id} in {self.genre_id or 'all'}"


class RefreshState(models.Model):
    """Watermarks of the last refresh: interactions past them make their songs dirty.

    There is one row (pk=1). New likes, plays and playlist items have growing ids; ratings
    change in place, so their watermark is a time. Removals leave no mark: SongStats.interactions
    counts what each song had at its last refresh instead.
    """

    like_id = models.BigIntegerField(default=0)
    play_id = models.BigIntegerField(default=0)
    playlist_item_id = models.BigIntegerField(default=0)
    rating_time = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    full_refresh_at = models.DateTimeField(null=True, blank=True)
    songs_refreshed = models.PositiveIntegerField(default=0, help_text="In the last run.")

    def __str__(self) -> str:
        return f"refreshed {self.refreshed_at or 'never'}"
