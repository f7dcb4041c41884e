"""Reads about accounts."""

from django.db.models import QuerySet

from accounts.models import ApiToken, SubsonicCredential

CURATORS_GROUP = "Curators"


def user_tokens(user) -> QuerySet[ApiToken]:
    """Return the user's API tokens, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def has_subsonic_password(user) -> bool:
    return SubsonicCredential.objects.filter(user=user).exists()


def is_curator(user) -> bool:
    """Curators (and admins) manage the catalogue: they may add songs."""
    return bool(user and user.is_authenticated and user.has_perm("catalog.add_song"))
