"""Template tags and filters for the catalogue pages."""

from django import template
from django.utils.safestring import SafeString

from catalog import rows

register = template.Library()


@register.simple_tag
def song_row(song, numbered: bool = False, detailed: bool = False) -> SafeString:
    """Render a song's row in a song table (catalog.rows.song_row: the live frames' row too)."""
    return rows.song_row(song, numbered=numbered, detailed=detailed)


@register.simple_tag
def song_card(song, reason: str = "") -> SafeString:
    """Render a song's card on a shelf (catalog.rows.song_card)."""
    return rows.song_card(song, reason)


@register.simple_tag
def song_attrs(song) -> SafeString:
    """Render the data- attributes the player reads from a song's row."""
    return rows.song_attrs(song)


@register.filter
def duration(seconds: float | None) -> str:
    """Format seconds as m:ss (h:mm:ss past an hour)."""
    total = round(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


@register.filter
def length_words(seconds: float | None) -> str:
    """Format a total length the way album headers do: "1 h 4 min", "12 min 5 s"."""
    total = round(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"
