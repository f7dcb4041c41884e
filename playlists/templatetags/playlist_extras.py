"""Template tags and filters for the playlist pages."""

from django import template
from django.utils.safestring import SafeString

from playlists import rows
from playlists.queries import cover_urls

register = template.Library()


@register.filter
def playlist_covers(playlist) -> list[str]:
    """Return up to four album cover URLs for a playlist's mosaic."""
    return cover_urls(playlist)


@register.simple_tag(takes_context=True)
def track_row(context, item, editable: bool, first: bool, last: bool) -> SafeString:
    """Render a playlist entry's row (playlists.rows.track_row: the catalogue's song row)."""
    return rows.track_row(
        item,
        editable=editable,
        first=first,
        last=last,
        csrf_token=str(context.get("csrf_token", "")),
    )
