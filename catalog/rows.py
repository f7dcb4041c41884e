"""A song's row in a song table, and its card on a shelf: the one place their markup is written.

The pages render it through {% song_row %} and {% song_attrs %} (catalog_extras) and the
live frames call song_rows(), so a row pushed to an open page is the row the page renders.
A playlist's row (playlists.rows) is this row too, with its entry's id, attributes and controls.
Through the template engine a row cost about half a millisecond of CPU (some forty variable
lookups, filters and {% url %} tags), paid for every song of a page and of a live frame;
written out here it costs a few microseconds. It escapes as the templates do.

A song is a Song from catalog.queries.song_list() or a catalog.queries.ListedSong: both
answer to the same names.
"""

import functools
from html import escape  # what django.utils.html.escape() does, without its lazy wrapper

from django.conf import settings
from django.template.defaultfilters import date
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime

_PLAY_GLYPH = (
    '<svg class="play-glyph" aria-hidden="true" viewBox="0 0 24 24"><path d="M8 5v14l11-7z"/></svg>'
)
_MORE_GLYPH = (
    '<svg aria-hidden="true" viewBox="0 0 24 24"><circle cx="5" cy="12" r="2"/>'
    '<circle cx="12" cy="12" r="2"/><circle cx="19" cy="12" r="2"/></svg>'
)
_BLANK_COVER = '<span class="cover cover-blank" aria-hidden="true">♪</span>'


def song_rows(songs) -> list[str]:
    """Return each song's row as the song tables of the pages render it."""
    links = _page_links()
    return [_row(song, links, numbered=False, detailed=False) for song in songs]


def song_row(
    song,
    *,
    numbered: bool = False,
    detailed: bool = False,
    genres: bool = True,
    row_id: str = "",
    attrs: str = "",
    controls: str = "",
) -> SafeString:
    """Return a song's <tr>: with its track number instead of its cover when numbered (an
    album's tracks), with its year and the day it was added instead of its genres when
    detailed (the browse table), without its genres when not genres.

    A table listing something else than songs (a playlist's entries) gives its own row_id
    (`song-<id>` otherwise), extra attrs on the <tr> and controls put before the ⋯ button;
    both are markup the caller has escaped.
    """
    return SafeString(
        _row(
            song,
            _page_links(),
            numbered=numbered,
            detailed=detailed,
            genres=genres,
            row_id=row_id,
            attrs=attrs,
            controls=controls,
        )
    )


def song_card(song, reason: str = "") -> SafeString:
    """Return a song's card on a shelf (the home page's "Made for you" and "Recently played"):
    its cover to play it, its title and artist, and why it is there when ``reason`` says."""
    title = escape(song.title)
    art = (
        f'<img src="{escape(song.cover.url)}" alt="" loading="lazy">'
        if song.cover_id
        else '<span class="cover-blank" aria-hidden="true">♪</span>'
    )
    why = f'<span class="card-sub card-reason">{escape(str(reason))}</span>' if reason else ""
    return SafeString(
        f'<li class="card song-card" {_attrs(song, _page_links())}>'
        f'<button type="button" class="card-art row-play" aria-label="Play {title}">'
        f"{art}{_PLAY_GLYPH}</button>"
        f'<span class="card-title">{title}</span>'
        f'<span class="card-sub">{escape(song.artist.name)}</span>{why}</li>'
    )


def song_attrs(song) -> SafeString:
    """Return the data- attributes the player reads from a song's row (its <tr>'s)."""
    return SafeString(_attrs(song, _page_links()))


def _row(
    song,
    links: "_Links",
    *,
    numbered: bool,
    detailed: bool,
    genres: bool = True,
    row_id: str = "",
    attrs: str = "",
    controls: str = "",
) -> str:
    title = escape(song.title)
    if numbered:
        lead = f'<span class="track-no">{song.track_number or "–"}</span>'
    elif song.cover_id:
        lead = (
            f'<img class="cover" src="{escape(song.cover.url)}" alt="" width="40" height="40"'
            ' loading="lazy">'
        )
    else:
        lead = _BLANK_COVER
    artists = (
        ", ".join(
            f'<a href="{links.artist(artist.pk)}">{escape(artist.name)}</a>'
            for artist in song.credited_artists
        )
        or f'<a href="{links.artist(song.artist_id)}">{escape(song.artist.name)}</a>'
    )
    album = (
        f'<a href="{links.album(song.album_id)}">{escape(song.album.title)}</a>'
        if song.album_id
        else ""
    )
    # A long title or album name is cut to one line; the cell's tooltip shows all of it.
    album_tip = f' title="{escape(song.album.title)}"' if song.album_id else ""
    if detailed:
        added = template_localtime(song.created_at)
        facts = (
            f'<td class="num year">{song.year or ""}</td><td class="added"><time datetime="'
            f'{escape(date(added, "c"))}">{escape(date(added, "M j, Y"))}</time></td>'
        )
    elif genres:
        names = ", ".join(escape(genre.name) for genre in song.genre_list)
        facts = f'<td class="genre">{names}</td>'
    else:
        facts = ""
    row_id = row_id or f"song-{song.pk}"
    attrs = f"{attrs} " if attrs else ""
    return (
        f'<tr class="song-row" id="{row_id}" {attrs}{_attrs(song, links)}>'
        f'<td class="cover-col"><button type="button" class="row-play" aria-label="Play {title}">'
        f"{lead}{_PLAY_GLYPH}</button></td>"
        f'<td class="title" title="{title}">{title}</td><td class="artist">{artists}</td>'
        f'<td class="album"{album_tip}>{album}</td>{facts}'
        f'<td class="num duration">{escape(song.duration_display)}</td>'
        f'<td class="actions">{controls}<button type="button" class="row-more" aria-haspopup="menu"'
        f' aria-label="More options for {title}">{_MORE_GLYPH}</button></td></tr>'
    )


def _attrs(song, links: "_Links") -> str:
    names = ", ".join(escape(artist.name) for artist in song.credited_artists) or escape(
        song.artist.name
    )
    album = escape(song.album.title) if song.album_id else ""
    cover_url = escape(song.cover.url) if song.cover_id else ""
    album_url = links.album(song.album_id) if song.album_id else ""
    liked = "true" if getattr(song, "liked", None) else "false"
    rating = getattr(song, "rating", None) or ""
    return (
        f'data-song-id="{song.pk}" data-stream-url="{escape(song.stream_url)}" '
        f'data-title="{escape(song.title)}" data-artist="{names}" '
        f'data-album="{album}" data-cover-url="{cover_url}" '
        f'data-duration="{localize(song.duration)}" data-album-url="{album_url}" '
        f'data-liked="{liked}" data-rating="{rating}"'
    )


class _Links:
    """The artist and album pages' addresses, reversed once per script prefix and URLconf."""

    __slots__ = ("_album", "_artist")

    def __init__(self, urlconf: str) -> None:
        self._artist = _around_id("web:artist", urlconf)
        self._album = _around_id("web:album", urlconf)

    def artist(self, pk: int) -> str:
        before, after = self._artist
        return f"{before}{pk}{after}"

    def album(self, pk: int) -> str:
        before, after = self._album
        return f"{before}{pk}{after}"


_ID_MARK = 918273645  # an id no route of these pages spells otherwise


def _around_id(name: str, urlconf: str) -> tuple[str, str]:
    """Return what comes before and after the id in the escaped address of a page by id."""
    before, mark, after = reverse(name, urlconf=urlconf, args=[_ID_MARK]).rpartition(str(_ID_MARK))
    if not mark:
        raise ValueError(f"the route {name!r} does not take an id")
    return escape(before), escape(after)


@functools.lru_cache(maxsize=16)
def _links_for(script_prefix: str, urlconf: str) -> _Links:
    # The prefix keys the cache only: reverse() reads it itself.
    return _Links(urlconf)


def _page_links() -> _Links:
    # reverse() puts the request's script prefix in front; a row reuses the addresses of its
    # prefix and URLconf instead of reversing two or three per song.
    return _links_for(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
