import django_filters
from django.db.models import Exists, OuterRef

from catalog.models import Album, Artist, IngestJob, Song


class SongFilter(django_filters.FilterSet):
    genre = django_filters.CharFilter(
        field_name="genres__name", lookup_expr="iexact", distinct=True
    )
    genre_id = django_filters.NumberFilter(field_name="genres__id", distinct=True)
    artist = django_filters.CharFilter(
        field_name="artists__name", lookup_expr="iexact", distinct=True
    )
    artist_id = django_filters.NumberFilter(field_name="artists__id", distinct=True)
    album = django_filters.CharFilter(field_name="album__title", lookup_expr="iexact")
    album_id = django_filters.NumberFilter(field_name="album_id")
    year = django_filters.NumberFilter()
    liked = django_filters.BooleanFilter(
        method="filter_liked",
        label="Only songs the calling user liked (true) or did not like (false).",
    )

    class Meta:
        model = Song
        fields = ["genre", "genre_id", "artist", "artist_id", "album", "album_id", "year", "liked"]

    def filter_liked(self, queryset, name, value):
        from library.models import Like

        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            # Nobody signed in has liked anything.
            return queryset.none() if value else queryset
        liked = Exists(Like.objects.filter(user=user, song=OuterRef("pk")))
        return queryset.filter(liked if value else ~liked)


class ArtistFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Artist
        fields = ["name"]


class AlbumFilter(django_filters.FilterSet):
    title = django_filters.CharFilter(lookup_expr="icontains")
    artist = django_filters.CharFilter(field_name="album_artist__name", lookup_expr="iexact")
    artist_id = django_filters.NumberFilter(field_name="album_artist_id")
    year = django_filters.NumberFilter()

    class Meta:
        model = Album
        fields = ["title", "artist", "artist_id", "year"]


class IngestJobFilter(django_filters.FilterSet):
    class Meta:
        model = IngestJob
        fields = ["status", "action", "bucket", "key"]
