import django_filters

from catalog.api.filters import TrueFalseFilter
from playlists.models import Playlist


class PlaylistFilter(django_filters.FilterSet):
    """`is_public` and `mine`, each a strict true or false (anything else is a 400)."""

    is_public = TrueFalseFilter(label="Only public (true) or private (false) playlists.")
    mine = TrueFalseFilter(method="filter_mine", label="Only the calling user's playlists.")

    class Meta:
        model = Playlist
        fields = ["is_public", "mine"]

    def filter_mine(self, queryset, name, value):
        if not value:
            return queryset
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none()
        return queryset.filter(owner=user)
