import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.tests.factories import SongFactory
from library.models import Like, Play, Rating


class LikeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Like

    user = factory.SubFactory(UserFactory)
    song = factory.SubFactory(SongFactory)


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    user = factory.SubFactory(UserFactory)
    song = factory.SubFactory(SongFactory)
    stars = 4


class PlayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Play

    user = factory.SubFactory(UserFactory)
    song = factory.SubFactory(SongFactory)
    played_at = factory.LazyFunction(timezone.now)
