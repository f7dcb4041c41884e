"""What an account holds besides Django's user: the separate password for Subsonic apps."""

from django.conf import settings
from django.db import models


class SubsonicCredential(models.Model):
    """A user's Subsonic password, encrypted (not hashed): see accounts.services."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subsonic_credential"
    )
    encrypted_password = models.TextField()
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Subsonic password of {self.user_id}"
