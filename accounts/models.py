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


class ApiToken(models.Model):
    """A named key a script sends as `Authorization: Token <key>`.

    Only the key's SHA-256 is stored, so a copy of the database opens no account: the key is
    shown once, when it is made. The first characters stay in clear to tell keys apart.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "prefix"], name="api_token_user_prefix")]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class StreamingPreference(models.Model):
    """How a listener's Subsonic apps stream by default: a bitrate cap and the format past it.

    A song above the cap is transcoded to the format when the app names neither; 0 means no
    cap (the original file). For phones on cellular networks: say 128 kbit/s Opus.
    """

    class Format(models.TextChoices):
        OPUS = "opus", "Opus (smallest for the quality)"
        MP3 = "mp3", "MP3 (plays everywhere)"
        AAC = "aac", "AAC"

    class MaxBitrate(models.IntegerChoices):
        ORIGINAL = 0, "No limit (the original file)"
        KBPS_64 = 64, "64 kbit/s"
        KBPS_96 = 96, "96 kbit/s"
        KBPS_128 = 128, "128 kbit/s"
        KBPS_192 = 192, "192 kbit/s"
        KBPS_256 = 256, "256 kbit/s"
        KBPS_320 = 320, "320 kbit/s"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="streaming_preference"
    )
    max_bitrate = models.PositiveSmallIntegerField(
        choices=MaxBitrate.choices, default=MaxBitrate.ORIGINAL, help_text="kbit/s; 0: no limit."
    )
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.OPUS)

    def __str__(self) -> str:
        return f"Streaming preference of {self.user_id}"
