from django.db.models import Exists, OuterRef

from catalog.api.filters import SongFilter, TrueFalseFilter
from library.models import Like


class ListenerSongFilter(SongFilter):
    """The catalogue's song filters and the calling listener's own: `liked`."""

    liked = TrueFalseFilter(
        method="filter_liked",
        label="Only songs the calling user liked (true) or did not like (false).",
    )

    class Meta(SongFilter.Meta):
        fields = [*SongFilter.Meta.fields, "liked"]

    def filter_liked(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            # Nobody signed in has liked anything.
            return queryset.none() if value else queryset
        liked = Exists(Like.objects.filter(user=user, song=OuterRef("pk")))
        return queryset.filter(liked if value else ~liked)
