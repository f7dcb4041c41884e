import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"listener{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("a-long-pass-phrase")


class CuratorFactory(UserFactory):
    """A staff user in the "Curators" group (created by a data migration)."""

    username = factory.Sequence(lambda n: f"curator{n}")
    is_staff = True

    @factory.post_generation
    def curators_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(curators_group())


# What the data migrations grant the Curators (accounts 0002, moved to ingest by ingest 0001).
CURATED = {
    ("catalog", model): ("add", "change", "delete", "view")
    for model in ("artist", "album", "genre", "song", "songartist", "cover")
} | {
    ("ingest", "ingestjob"): ("add", "change", "delete", "view"),
    ("catalog", "storedobject"): ("view",),
}


def curators_group() -> Group:
    """Return the Curators group as the migrations made it.

    A transactional test empties every table when it ends, the migrations' rows too, so a later
    test in the same process would otherwise find no group.
    """
    group, created = Group.objects.get_or_create(name="Curators")
    if created:
        group.permissions.set(
            permission
            for (app_label, model), verbs in CURATED.items()
            for permission in Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=[f"{verb}_{model}" for verb in verbs],
            )
        )
    return group
