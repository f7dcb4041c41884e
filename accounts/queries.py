"""Reads about accounts."""

from django.db.models import QuerySet

from accounts.models import ApiToken, StreamingPreference, SubsonicCredential

CURATORS_GROUP = "Curators"


def user_tokens(user) -> QuerySet[ApiToken]:
    """Return the user's API tokens, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def has_subsonic_password(user) -> bool:
    return SubsonicCredential.objects.filter(user=user).exists()


def is_curator(user) -> bool:
    """Curators (and admins) manage the catalogue: they may add songs."""
    return bool(user and user.is_authenticated and user.has_perm("catalog.add_song"))


def streaming_preference(user) -> StreamingPreference:
    """Return the user's streaming defaults, unsaved defaults (no cap, Opus) when none are set."""
    if user is None or not user.is_authenticated:
        return StreamingPreference()
    found = StreamingPreference.objects.filter(user=user).first()
    return found or StreamingPreference(user=user)
