from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = "Listener library"

    def ready(self):
        from catalog.signals import songs_replaced

        songs_replaced.connect(_follow_the_recording, dispatch_uid="library.song_marks_move")


def _follow_the_recording(sender, replacements: dict[int, int], **kwargs) -> None:
    """catalog.signals.songs_replaced: what listeners made of a song follows its recording."""
    from library.services import song_marks_move  # models are ready by now

    song_marks_move(replacements)
