"""A playlist entry's row: the catalogue's song row (catalog.rows) with the entry's own id,
position and, for the owner, the move and remove controls."""

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from catalog import rows

_UP_GLYPH = (
    '<svg aria-hidden="true" viewBox="0 0 24 24"><path d="M12 7l-6 6 1.4 1.4L12 9.8l4.6 4.6L18'
    ' 13z"/></svg>'
)
_DOWN_GLYPH = (
    '<svg aria-hidden="true" viewBox="0 0 24 24"><path d="M12 17l6-6-1.4-1.4-4.6 4.6-4.6-4.6L6'
    ' 11z"/></svg>'
)
_REMOVE_GLYPH = '<svg aria-hidden="true"><use href="#i-close"/></svg>'


def track_row(item, *, editable: bool, first: bool, last: bool, csrf_token: str = "") -> SafeString:
    """Return a playlist entry's <tr>; an editable one (the owner's) can be dragged and carries
    the forms that move it a step or take it off (its up/down button is off at the top/bottom),
    which work without JavaScript."""
    attrs = format_html(
        'data-item-id="{}" data-position="{}"{}',
        item.pk,
        item.position,
        SafeString(' draggable="true"') if editable else "",
    )
    controls = _controls(item, first=first, last=last, csrf_token=csrf_token) if editable else ""
    return rows.song_row(
        item.song, genres=False, row_id=f"item-{item.pk}", attrs=attrs, controls=controls
    )


def _controls(item, *, first: bool, last: bool, csrf_token: str) -> SafeString:
    ids = [item.playlist_id, item.pk]
    title = item.song.title
    return format_html(
        '<form method="post" action="{}" class="track-form">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<button type="submit" name="direction" value="up" class="icon-button move-up"'
        ' aria-label="Move {} up"{}>{}</button>'
        '<button type="submit" name="direction" value="down" class="icon-button move-down"'
        ' aria-label="Move {} down"{}>{}</button>'
        '<button type="submit" formaction="{}" class="icon-button track-remove"'
        ' aria-label="Remove {} from this playlist">{}</button></form>',
        reverse("playlists:track-move", args=ids),
        csrf_token,
        title,
        SafeString(" disabled") if first else "",
        SafeString(_UP_GLYPH),
        title,
        SafeString(" disabled") if last else "",
        SafeString(_DOWN_GLYPH),
        reverse("playlists:track-remove", args=ids),
        title,
        SafeString(_REMOVE_GLYPH),
    )
