"""Pages of the recommender: a radio queue and the songs like a song."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from catalog.models import Artist
from catalog.queries import song_list
from recommendations import queries

RADIO_SONGS = 50
SIMILAR_SONGS = 30


def _positive_int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and int(value) > 0 else None


@require_GET
def radio(request):
    """Show a radio queue seeded by ?song= or ?artist=, ready to play from the top."""
    song_id = _positive_int(request.GET.get("song"))
    artist_id = _positive_int(request.GET.get("artist"))
    if (song_id is None) == (artist_id is None):
        # A page of the site, not a bare error: people reach it by editing or sharing a link.
        context = {
            "kicker": "Radio",
            "title": "Start a radio",
            "subtitle": "A radio starts from one song (?song=) or one artist (?artist=).",
            "empty": "Open a song's ⋯ menu and choose “Start radio”.",
        }
        return render(request, "recommendations/songs.html", context, status=400)
    if song_id is not None:
        seed = get_object_or_404(song_list(), pk=song_id)
        title = f"{seed.title} radio"
        subtitle = f"Starts with {seed.title} by {seed.artist.name}, then songs its listeners love."
    else:
        seed = get_object_or_404(Artist, pk=artist_id)
        title = f"{seed.name} radio"
        subtitle = f"{seed.name}'s most played songs and the songs their listeners love."
    songs = queries.radio(
        song_id=song_id, artist_id=artist_id, user=request.user, limit=RADIO_SONGS
    )
    return render(
        request,
        "recommendations/songs.html",
        {"kicker": "Radio", "title": title, "subtitle": subtitle, "songs": songs},
    )


@require_GET
def similar(request, pk: int):
    """Show the songs listeners enjoy together with this one."""
    song = song_list().filter(pk=pk).first()
    if song is None:
        raise Http404("No such song.")
    songs = queries.similar_songs(pk, limit=SIMILAR_SONGS, user=request.user)
    return render(
        request,
        "recommendations/songs.html",
        {
            "kicker": "Similar songs",
            "title": f"Songs like {song.title}",
            "subtitle": f"What listeners of {song.title} by {song.artist.name} also play.",
            "songs": songs,
        },
    )
