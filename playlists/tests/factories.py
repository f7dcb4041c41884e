import factory

from accounts.tests.factories import UserFactory
from catalog.tests.factories import SongFactory
from playlists.models import Playlist, PlaylistItem


class PlaylistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Playlist

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Playlist {n}")


class PlaylistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlaylistItem

    playlist = factory.SubFactory(PlaylistFactory)
    song = factory.SubFactory(SongFactory)
    position = factory.LazyAttribute(lambda item: item.playlist.items.count())
