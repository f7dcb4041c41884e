import django_filters
from django import forms
from django.db.models import Exists, OuterRef

from catalog.metadata import SMALL_INT_MAX
from catalog.models import Album, Artist, Genre, Song, SongArtist, name_key
from catalog.search import search_albums, search_artists, search_songs
from catalog.search.lexicon import query_words

SEARCH_HELP = (
    "Words to find in titles, artists, albums and genres: prefixes, typos, accents and case "
    "tolerated; best matches first unless `ordering` says otherwise."
)

SongGenre = Song.genres.through
MAX_ID = 2**63 - 1  # the largest key a database column holds (SQLite, PostgreSQL bigint)


class IdFilter(django_filters.NumberFilter):
    """A row's id: a whole number from 1 to MAX_ID, else a clear 400 (not a failed query)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class TrueFalseField(forms.Field):
    """A query parameter's true or false, spelt as scripts spell it; anything else is a 400.

    Django's NullBooleanField reads only its select's values ("2" is true, "3" false) and
    takes any other spelling as "no filter", answering the whole list to `?liked=1`.
    """

    widget = forms.TextInput
    TRUE = frozenset({"true", "1", "yes", "on"})
    FALSE = frozenset({"false", "0", "no", "off"})

    def to_python(self, value) -> bool | None:
        text = str(value or "").strip().lower()
        if not text:
            return None
        if text in self.TRUE or text in self.FALSE:
            return text in self.TRUE
        raise forms.ValidationError("expected true or false (or 1 or 0)", code="invalid")


class TrueFalseFilter(django_filters.BooleanFilter):
    field_class = TrueFalseField


class YearFilter(django_filters.NumberFilter):
    """A year: a whole number (a fraction is a 400, not cut down to the year before)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", SMALL_INT_MAX)  # the year columns' largest value
        super().__init__(*args, **kwargs)


class SongFilter(django_filters.FilterSet):
    """Song filters shared by the API and the browse page; each one combines with the others.

    Many-to-many filters use EXISTS rather than joins, so no filter needs DISTINCT and the
    newest-first index still serves a filtered page.
    """

    search = django_filters.CharFilter(method="filter_search", label=SEARCH_HELP)
    genre = django_filters.CharFilter(method="filter_genre", label="Genre name (any case).")
    genre_id = IdFilter(method="filter_genre_id")
    artist = django_filters.CharFilter(
        method="filter_artist",
        label="Text in a credited artist's name (any case or accents): `mira` finds Mira Sol.",
    )
    artist_id = IdFilter(method="filter_artist_id")
    album = django_filters.CharFilter(
        method="filter_album", label="Text in the album's title (any case or accents)."
    )
    album_id = IdFilter(field_name="album_id")
    year = YearFilter()
    year_min = YearFilter(field_name="year", lookup_expr="gte")
    year_max = YearFilter(field_name="year", lookup_expr="lte")
    duration_min = django_filters.NumberFilter(
        field_name="duration", lookup_expr="gte", label="Shortest duration, in seconds."
    )
    duration_max = django_filters.NumberFilter(
        field_name="duration", lookup_expr="lte", label="Longest duration, in seconds."
    )

    class Meta:
        model = Song
        fields = [
            "search",
            "genre",
            "genre_id",
            "artist",
            "artist_id",
            "album",
            "album_id",
            "year",
            "year_min",
            "year_max",
            "duration_min",
            "duration_max",
        ]

    def get_form_class(self):
        # django-filter builds a form class (and a form field per filter) for every request; it
        # depends only on the declared filters, so build it once per FilterSet class. Each form
        # still validates with its own copies of the fields, as every Django form does. (This
        # holds while no filter's field depends on the request, as a ModelChoiceFilter's can.)
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = cls._form_class = super().get_form_class()
        return form_class

    def filter_search(self, queryset, name, value):
        return queryset  # applied last, by filter_queryset

    def filter_queryset(self, queryset):
        # Search ranks the songs the other filters kept and keeps the best few, so it comes last.
        queryset = super().filter_queryset(queryset)
        query = self.form.cleaned_data.get("search") or ""
        if query and not query_words(query):
            return queryset.none()  # only punctuation ("%"): no word to find, so nothing found
        return search_songs(query, queryset, holding=self._genre_words() if query else "")

    def _genre_words(self) -> str:
        """Return the name of the genre the songs are filtered by: each song's search document
        holds its genres' names, which the full-text index can narrow by (catalog.search)."""
        data = self.form.cleaned_data
        if data.get("genre_id") is not None:
            genres = Genre.objects.filter(pk=data["genre_id"])
        elif data.get("genre"):
            genres = Genre.objects.filter(name_key=name_key(data["genre"]))
        else:
            return ""
        return genres.values_list("name", flat=True).first() or ""

    def filter_genre(self, queryset, name, value):
        genres = SongGenre.objects.filter(song=OuterRef("pk"), genre__name_key=name_key(value))
        return queryset.filter(Exists(genres))

    def filter_genre_id(self, queryset, name, value):
        return queryset.filter(Exists(SongGenre.objects.filter(song=OuterRef("pk"), genre=value)))

    # A name filter matches its text anywhere in the normalised name, as people type part of a
    # name into a box; the names' trigram indexes (PostgreSQL) find those artists or albums
    # without reading every row, and the songs follow by id.

    def filter_artist(self, queryset, name, value):
        artists = Artist.objects.filter(name_key__contains=name_key(value)).values("pk")
        credits = SongArtist.objects.filter(song=OuterRef("pk"), artist__in=artists)
        return queryset.filter(Exists(credits))

    def filter_artist_id(self, queryset, name, value):
        return queryset.filter(Exists(SongArtist.objects.filter(song=OuterRef("pk"), artist=value)))

    def filter_album(self, queryset, name, value):
        albums = Album.objects.filter(title_key__contains=name_key(value)).values("pk")
        return queryset.filter(album__in=albums)


class ArtistFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=SEARCH_HELP)
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Artist
        fields = ["search", "name"]

    def filter_search(self, queryset, name, value):
        return search_artists(value, queryset)


class AlbumFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=SEARCH_HELP)
    title = django_filters.CharFilter(lookup_expr="icontains")
    artist = django_filters.CharFilter(field_name="album_artist__name", lookup_expr="iexact")
    artist_id = IdFilter(field_name="album_artist_id")
    year = YearFilter()
    year_min = YearFilter(field_name="year", lookup_expr="gte")
    year_max = YearFilter(field_name="year", lookup_expr="lte")

    class Meta:
        model = Album
        fields = ["search", "title", "artist", "artist_id", "year", "year_min", "year_max"]

    def filter_search(self, queryset, name, value):
        return search_albums(value, queryset)
