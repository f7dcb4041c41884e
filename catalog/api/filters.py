import django_filters

from catalog.models import IngestJob, Song


class SongFilter(django_filters.FilterSet):
    genre = django_filters.CharFilter(
        field_name="genres__name", lookup_expr="iexact", distinct=True
    )
    artist = django_filters.CharFilter(
        field_name="artists__name", lookup_expr="iexact", distinct=True
    )
    artist_id = django_filters.NumberFilter(field_name="artists__id", distinct=True)
    album = django_filters.CharFilter(field_name="album__title", lookup_expr="iexact")
    album_id = django_filters.NumberFilter(field_name="album_id")
    year = django_filters.NumberFilter()

    class Meta:
        model = Song
        fields = ["genre", "artist", "artist_id", "album", "album_id", "year"]


class IngestJobFilter(django_filters.FilterSet):
    class Meta:
        model = IngestJob
        fields = ["status", "action", "bucket", "key"]
