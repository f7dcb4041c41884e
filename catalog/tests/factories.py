"""factory_boy factories for catalogue rows (no audio: use the put_song fixture for real files)."""

import factory

from catalog.models import Album, Artist, Genre, Song, SongArtist, name_key


class ArtistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Artist

    name = factory.Sequence(lambda n: f"Artist {n}")
    name_key = factory.LazyAttribute(lambda artist: name_key(artist.name))


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ["name_key"]

    name = factory.Sequence(lambda n: f"Genre {n}")
    name_key = factory.LazyAttribute(lambda genre: name_key(genre.name))


class AlbumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Album

    title = factory.Sequence(lambda n: f"Album {n}")
    title_key = factory.LazyAttribute(lambda album: name_key(album.title))
    album_artist = factory.SubFactory(ArtistFactory)
    year = 2024


class SongFactory(factory.django.DjangoModelFactory):
    """A song row whose file is not in the store; credits its lead artist."""

    class Meta:
        model = Song
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Song {n}")
    artist = factory.SubFactory(ArtistFactory)
    album = factory.SubFactory(AlbumFactory, album_artist=factory.SelfAttribute("..artist"))
    track_number = factory.Sequence(lambda n: n % 12 + 1)
    year = 2024
    duration = 180.0
    bitrate = 320_000
    sample_rate = 44_100
    channels = 2
    codec = "mp3"
    mime_type = "audio/mpeg"
    file_size = 4_000_000
    storage_key = factory.Sequence(lambda n: f"music/factory/{n}.mp3")

    @factory.post_generation
    def credits(self, create, extracted, **kwargs):
        if create:
            SongArtist.objects.create(song=self, artist=self.artist, position=0)

    @factory.post_generation
    def genres(self, create, extracted, **kwargs):
        if create and extracted:
            self.genres.set(extracted)
