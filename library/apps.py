from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = "Listener library"

    def ready(self):
        from catalog import signals

        for signal, uid in (
            (signals.songs_replaced, "song_marks_move"),
            (signals.albums_replaced, "album_marks_move"),
            (signals.artists_replaced, "artist_marks_move"),
        ):
            signal.connect(_follow, dispatch_uid=f"library.{uid}")


def _follow(sender, signal, replacements: dict[int, int], **kwargs) -> None:
    """catalog.signals.*_replaced: listeners' marks follow what they were made of."""
    from catalog import signals
    from library import services  # models are ready by now

    move = {
        signals.songs_replaced: services.song_marks_move,
        signals.albums_replaced: services.album_marks_move,
        signals.artists_replaced: services.artist_marks_move,
    }[signal]
    move(replacements)
