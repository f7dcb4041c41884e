"""Subsonic handlers, one module per section of the API; importing this registers them all."""

from subsonic.handlers import (  # noqa: F401
    annotation,
    browsing,
    lists,
    media,
    playlists,
    queue_bookmarks,
    searching,
    system,
    transcoding,
    users,
)
