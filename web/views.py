"""The site's server-rendered pages and the cover images they show.

The pages sit above every other room: the catalogue, the listener's library (liked marks,
recent plays) and recommendations.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from catalog.media import file_response
from catalog.models import Cover
from catalog.pagination import ListedSongPaginator
from catalog.queries import (
    SONG_SORTS,
    album_list,
    album_tracks,
    artist_albums,
    artist_list,
    artist_songs,
    genre_choices,
    listed_songs,
    song_list,
    sorted_songs,
)
from catalog.search import search_catalogue
from library.api.filters import ListenerSongFilter
from library.queries import listener_songs, recently_played_songs, with_listener_state
from recommendations.queries import recommend_for_user

HOME_SONGS = 50
RECENTLY_PLAYED = 8
MADE_FOR_YOU = 8
ARTIST_SONGS = 100


@require_safe
def home(request):
    """Show the newest songs; live.js adds new ones as they are ingested."""
    songs = listed_songs(listener_songs(request.user)[:HOME_SONGS])
    return render(
        request,
        "web/home.html",
        {
            "songs": songs,
            "home_songs": HOME_SONGS,  # the live list keeps as many (live.js)
            "recently_played": _recently_played(request.user),
            "made_for_you": _made_for_you(request.user),
        },
    )


def _made_for_you(user) -> list:
    """Return recommendations for a signed-in listener."""
    if not user.is_authenticated:
        return []
    return recommend_for_user(user, limit=MADE_FOR_YOU)


def _recently_played(user) -> list:
    """Return the listener's last few distinct songs, when signed in."""
    if not user.is_authenticated:
        return []
    return recently_played_songs(user, limit=RECENTLY_PLAYED)


@require_safe
def cover(request, pk: int, digest: str):
    """Serve a cover image; its URL names its content, so browsers may keep it for good."""
    image = get_object_or_404(Cover, pk=pk, sha256__startswith=digest)
    return file_response(
        request,
        image.image.name,
        image.mime_type,
        cache_control="public, max-age=31536000, immutable",
    )


BROWSE_PAGE_SIZE = 50
BROWSE_COLUMNS = [
    ("title", "Title"),
    ("artist", "Artist"),
    ("album", "Album"),
    ("year", "Year"),
    ("added", "Added"),
    ("duration", "Time"),
]
SEARCH_RESULTS = 10
BROWSE_FILTERS = (
    "search",
    "genre_id",
    "artist",
    "album",
    "year",
    "year_min",
    "year_max",
    "duration_min",
    "duration_max",
    "length",
)
# The browse page's length choices: key -> (label, duration_min, duration_max) in seconds.
BROWSE_LENGTHS = {
    "short": ("Under 3 minutes", "", "180"),
    "medium": ("3 to 5 minutes", "180", "300"),
    "long": ("5 to 10 minutes", "300", "600"),
    "epic": ("Over 10 minutes", "600", ""),
}


def _browse_params(request):
    """Return the browse query with its `length` choice spelled as duration bounds."""
    params = request.GET.copy()
    choice = BROWSE_LENGTHS.get(params.get("length", ""))
    if choice:
        _, shortest, longest = choice
        params.setdefault("duration_min", shortest)
        params.setdefault("duration_max", longest)
    return params


def _with_query(request, **changes) -> str:
    """Return the current query string with some parameters changed (None drops one)."""
    params = request.GET.copy()
    for name, value in changes.items():
        params.pop(name, None)
        if value is not None:
            params[name] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@require_safe
def browse(request):
    """List every song as a sortable, filterable, paginated table; a search ranks it instead."""
    searching = bool(request.GET.get("search", "").strip())
    default_sort = "" if searching else "added"
    sort = request.GET.get("sort", default_sort)
    if sort not in SONG_SORTS:
        sort = default_sort
    descending = request.GET.get("dir", "desc" if sort == "added" else "asc") == "desc"
    filters = ListenerSongFilter(_browse_params(request), queryset=song_list(), request=request)
    songs = with_listener_state(filters.qs, request.user)
    if sort:
        songs = sorted_songs(songs, sort, descending)
    page = ListedSongPaginator(songs, BROWSE_PAGE_SIZE).get_page(request.GET.get("page"))
    columns = []
    for key, label in BROWSE_COLUMNS:
        active = key == sort
        next_dir = "asc" if active and descending else "desc" if active else "asc"
        columns.append(
            {
                "key": key,
                "label": label,
                "url": _with_query(request, sort=key, dir=next_dir, page=None),
                "aria_sort": ("descending" if descending else "ascending") if active else None,
            }
        )
    filtered = any(request.GET.get(name) for name in BROWSE_FILTERS)
    return render(
        request,
        "web/browse.html",
        {
            "page": page,
            "songs": page.object_list,
            "columns": columns,
            "filters": filters,
            "filtered": filtered,
            "genres": genre_choices(),
            "selected_genre": request.GET.get("genre_id", ""),
            "lengths": [(key, label) for key, (label, *_) in BROWSE_LENGTHS.items()],
            "sort": sort,
            # The filter form keeps a sort the listener chose; the default one (newest first)
            # it leaves out, so a search typed there comes back best match first.
            "kept_sort": sort if request.GET.get("sort") in SONG_SORTS else "",
            "previous_url": _with_query(request, page=page.previous_page_number())
            if page.has_previous()
            else None,
            "next_url": _with_query(request, page=page.next_page_number())
            if page.has_next()
            else None,
            "swapped_years_url": _swapped_years_url(request, filters.form.cleaned_data),
        },
    )


def _swapped_years_url(request, cleaned: dict) -> str | None:
    """Return the query with the year bounds swapped when "From" is after "To" (which no song
    can match), else None."""
    first, last = cleaned.get("year_min"), cleaned.get("year_max")
    if first is None or last is None or first <= last:
        return None
    return _with_query(request, year_min=last, year_max=first, page=None)


@require_safe
def artist(request, pk: int):
    """Show an artist: their albums and the songs they are credited on."""
    artist = get_object_or_404(artist_list(), pk=pk)
    albums = list(artist_albums(pk))
    songs = list(with_listener_state(artist_songs(pk), request.user)[:ARTIST_SONGS])
    cover = next((album.cover for album in albums if album.cover_id), None)
    if cover is None:
        cover = next((song.cover for song in songs if song.cover_id), None)
    return render(
        request,
        "web/artist.html",
        {"artist": artist, "albums": albums, "songs": songs, "cover": cover},
    )


@require_safe
def album(request, pk: int):
    """Show an album: its cover, its tracks in disc and track order, its total length."""
    album = get_object_or_404(album_list(), pk=pk)
    songs = list(with_listener_state(album_tracks(pk), request.user))
    discs = {song.disc_number for song in songs if song.disc_number}
    return render(
        request,
        "web/album.html",
        {
            "album": album,
            "songs": songs,
            "total_seconds": sum(song.duration or 0 for song in songs),
            "show_discs": len(discs) > 1,
        },
    )


@require_safe
def search(request):
    """Find songs, artists and albums by name; the header box asks as the listener types."""
    songs = listener_songs(request.user)
    matches = search_catalogue(request.GET.get("q", ""), limit=SEARCH_RESULTS, songs=songs)
    return render(request, "web/search.html", {"matches": matches, "query": matches.query})


@require_safe
def upload(request):
    """Let curators drop audio files; each one's ingest outcome shows up live."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url=login_url())
    if not request.user.has_perm("catalog.add_song"):
        raise PermissionDenied("Only curators may upload songs.")
    return render(
        request,
        "web/upload.html",
        {
            "uploads_url": _reverse_or_blank("uploads"),
            # Where the page asks for the outcomes its socket may have missed while it was down.
            "jobs_url": _reverse_or_blank("ingest-job-list"),
            "direct_to_store": bool(settings.AWS_STORAGE_BUCKET_NAME),
            # A larger file is refused by the page itself, before any of it is sent.
            "max_file_bytes": settings.INGEST_MAX_FILE_BYTES,
            "live_outcomes": True,  # curators follow /ws/ingest/ like staff
        },
    )


def _reverse_or_blank(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def login_url() -> str:
    """Return the sign-in page: the accounts app's when it has one, the admin's otherwise."""
    return _reverse_or_blank("accounts:login") or reverse("admin:login")


@require_safe
def favicon(request):
    """Send browsers, which ask every site for /favicon.ico (the admin's pages too), the icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
