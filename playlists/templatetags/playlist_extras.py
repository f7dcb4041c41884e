"""Template filters for the playlist pages."""

from django import template

from playlists.queries import cover_urls

register = template.Library()


@register.filter
def playlist_covers(playlist) -> list[str]:
    """Return up to four album cover URLs for a playlist's mosaic."""
    return cover_urls(playlist)
