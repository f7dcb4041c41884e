from django.apps import AppConfig


class PlaylistsConfig(AppConfig):
    name = "playlists"

    def ready(self):
        from catalog.signals import songs_replaced

        songs_replaced.connect(_follow_the_recording, dispatch_uid="playlists.playlist_songs_move")


def _follow_the_recording(sender, replacements: dict[int, int], **kwargs) -> None:
    """catalog.signals.songs_replaced: a song's playlist places follow its recording."""
    from playlists.services import playlist_songs_move  # models are ready by now

    playlist_songs_move(replacements)
