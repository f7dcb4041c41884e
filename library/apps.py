from functools import partial

from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = "Listener library"

    def ready(self):
        from catalog import signals
        from library import services

        for signal, move in (
            (signals.songs_replaced, services.song_marks_move),
            (signals.albums_replaced, services.album_marks_move),
            (signals.artists_replaced, services.artist_marks_move),
        ):
            signal.connect(
                partial(_follow, move), weak=False, dispatch_uid=f"library.{move.__name__}"
            )


def _follow(move, sender, replacements: dict[int, int], **kwargs) -> None:
    """catalog.signals.*_replaced: listeners' marks follow what they were made of."""
    move(replacements)
