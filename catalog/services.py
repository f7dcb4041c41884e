"""Writes to the catalogue beside ingest's (catalog/tagged.py): taking songs off, curators'
edits (hide and publish, merge, renames).

Every write that browsers should hear about sends its live event from here, after commit.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog import events, search, signals
from catalog.linked import ALBUM_TAGGED_FIELDS, BLANK
from catalog.models import Album, Artist, Genre, Song, SongArtist


def song_remove(song: Song, replaced_by: Song | None = None) -> None:
    """Take a song off the catalogue and tell every open browser.

    ``replaced_by``: the same recording under another key, which takes what listeners made
    of this one (likes, ratings, plays, playlist places: catalog.signals.songs_replaced)."""
    song_id, album_id = song.pk, song.album_id
    artist_ids = set(song.artists.values_list("pk", flat=True)) | {song.artist_id}
    with transaction.atomic():
        if replaced_by is not None:
            signals.songs_replaced.send(sender=Song, replacements={song_id: replaced_by.pk})
        song.delete()
        _prune_orphans(album_id, artist_ids)
        events.announce_song(events.REMOVED, song_id)


def _prune_orphans(album_id: int | None, artist_ids: set[int]) -> None:
    if album_id is not None:
        Album.objects.filter(pk=album_id, songs__isnull=True).delete()
    for artist in Artist.objects.filter(pk__in=artist_ids):
        if not (artist.songs.exists() or artist.lead_songs.exists() or artist.albums.exists()):
            artist.delete()


# --- curation: hide and publish, merge ----------------------------------------------------


def song_announce_edit(song: Song, *, was_public: bool) -> None:
    """Tell open browsers about a curator's edit of a song, after commit.

    An edited public song is updated in place; one that became hidden is removed, one that
    became public is added; a song hidden before and after concerns nobody.
    """
    if song.hidden:
        if was_public:
            events.announce_song(events.REMOVED, song.pk)
        return
    kind = events.UPDATED if was_public else events.ADDED
    events.announce_song(kind, song.pk)


ANNOUNCED_RENAMES = 500  # songs told of one rename; pages showing more see it on reload


def names_announce_edit(edited: Artist | Album | Genre) -> int:
    """Tell open browsers about a curator's edit of an artist, album or genre, after commit.

    Every published song whose row shows the name is announced as updated, as after an ingest
    (a few dozen songs a frame), up to ANNOUNCED_RENAMES of them, so the edit of a prolific
    artist stays a quick save. Return how many songs were announced.
    """
    if isinstance(edited, Artist):
        showing = Q(artist=edited) | Q(artists=edited) | Q(album__album_artist=edited)
    elif isinstance(edited, Album):
        showing = Q(album=edited)
    else:
        showing = Q(genres=edited)
    song_ids = list(
        Song.objects.filter(showing, hidden=False)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()[:ANNOUNCED_RENAMES]
    )
    for song_id in song_ids:
        events.announce_song(events.UPDATED, song_id)
    return len(song_ids)


def songs_remove(songs: Iterable[Song]) -> int:
    """Take songs off the catalogue (a curator's delete), each announced; return how many."""
    removed = 0
    with transaction.atomic():  # one commit, so open pages hear of them in one burst
        for song in songs:
            song_remove(song)
            removed += 1
    return removed


def songs_set_hidden(songs: Iterable[Song], hidden: bool) -> int:
    """Hide songs from (or publish them to) the public catalogue; tell open browsers."""
    song_ids = [song.pk for song in songs]
    with transaction.atomic():
        changed = list(
            Song.objects.filter(pk__in=song_ids).exclude(hidden=hidden).values_list("pk", flat=True)
        )
        Song.objects.filter(pk__in=changed).update(hidden=hidden, updated_at=timezone.now())
        signals.songs_changed.send(sender=Song, song_ids=changed)
        for song_id in changed:
            if hidden:
                events.announce_song(events.REMOVED, song_id)
            else:
                events.announce_song(events.ADDED, song_id)
    return len(changed)


def artists_merge(target: Artist, duplicates: Iterable[Artist]) -> int:
    """Fold duplicate spellings of an artist into one; return how many artists were merged.

    Songs, credits and albums move to the target; two albums of the same title end up as one.
    The target takes a sort name and a MusicBrainz id it lacks from a duplicate.
    """
    merged = 0
    touched: set[int] = set()
    with transaction.atomic():
        for duplicate in duplicates:
            if duplicate.pk == target.pk:
                continue
            touched |= set(Song.objects.filter(artist=duplicate).values_list("pk", flat=True))
            Song.objects.filter(artist=duplicate).update(artist=target)
            credits = SongArtist.objects.filter(artist=duplicate)
            touched |= set(credits.values_list("song_id", flat=True))
            already = SongArtist.objects.filter(artist=target).values_list("song_id", flat=True)
            credits.filter(song_id__in=already).delete()
            credits.update(artist=target)
            for album in Album.objects.filter(album_artist=duplicate):
                twin = Album.objects.filter(album_artist=target, title_key=album.title_key).first()
                if twin is None:
                    album.album_artist = target
                    album.save(update_fields=["album_artist"])
                else:
                    touched |= set(album.songs.values_list("pk", flat=True))
                    _fold_album(twin, album)
            _fill_blanks(target, duplicate, ("sort_name", "musicbrainz_id"))
            signals.artists_replaced.send(sender=Artist, replacements={duplicate.pk: target.pk})
            duplicate.delete()
            merged += 1
        _announce_updates(touched)
    return merged


def albums_merge(target: Album, duplicates: Iterable[Album]) -> int:
    """Fold duplicate albums into one; return how many albums were merged."""
    merged = 0
    touched: set[int] = set()
    with transaction.atomic():
        for duplicate in duplicates:
            if duplicate.pk == target.pk:
                continue
            touched |= set(duplicate.songs.values_list("pk", flat=True))
            _fold_album(target, duplicate)
            merged += 1
        _announce_updates(touched)
    return merged


def _fold_album(target: Album, duplicate: Album) -> None:
    """Move the duplicate's songs to the target, which takes what it lacks of the details its
    songs' tags gave (a cover, a year, release dates, labels, a MusicBrainz id...), as an
    album takes them from a song it gains in an ingest; then delete the duplicate, whose
    listeners' stars and ratings follow (catalog.signals.albums_replaced)."""
    Song.objects.filter(album=duplicate).update(album=target)
    _fill_blanks(target, duplicate, ALBUM_TAGGED_FIELDS)
    signals.albums_replaced.send(sender=Album, replacements={duplicate.pk: target.pk})
    duplicate.delete()


def _fill_blanks(target: Artist | Album, duplicate: Artist | Album, fields: Iterable[str]) -> None:
    """Give the target the values of these fields it lacks and the duplicate has."""
    changed = []
    for field in fields:
        if getattr(target, field) in BLANK and getattr(duplicate, field) not in BLANK:
            setattr(target, field, getattr(duplicate, field))
            changed.append(field)
    if changed:
        target.save(update_fields=changed)


def _announce_updates(song_ids: set[int]) -> None:
    search.refresh_search_text(song_ids)
    for song_id in sorted(song_ids):
        events.announce_song(events.UPDATED, song_id)
