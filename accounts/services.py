"""Writes to accounts: sign-up, named API tokens, the per-user Subsonic password."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import ApiToken, StreamingPreference, SubsonicCredential

SUBSONIC_PASSWORD_BYTES = 18  # 24 URL-safe characters
TOKEN_KEY_BYTES = 20  # 40 hex characters, 160 random bits
TOKEN_PREFIX_LENGTH = 8
TOKEN_NAME_MAX = 100
MAX_TOKENS_PER_USER = 100
# last_used_at is written at most this often per token, not on every request.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def user_sign_up(username: str, email: str, password: str) -> AbstractBaseUser:
    """Create a listener account (no staff rights, no groups)."""
    return get_user_model().objects.create_user(username=username, email=email, password=password)


# --- API tokens ---------------------------------------------------------------------------
#
# A key is 160 random bits, so one SHA-256 is enough to store it (no slow, salted hash is needed
# against guessing) and lets a request find its token by an indexed equality lookup.


@dataclass(frozen=True)
class NewToken:
    """A token just made, with its key in clear: show it once, it is not stored."""

    token: ApiToken
    key: str


def token_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(user, name: str = "") -> NewToken:
    """Make a named API token for the user; return it with its key.

    A user keeps at most MAX_TOKENS_PER_USER tokens: beyond that the least recently used go,
    so scripts that log in on every run cannot grow the table without bound. Tokens never
    used go before used ones; the new token always stays.
    """
    key = secrets.token_hex(TOKEN_KEY_BYTES)
    name = " ".join(name.split())[:TOKEN_NAME_MAX] or "API token"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=key[:TOKEN_PREFIX_LENGTH],
            key_hash=token_key_hash(key),
        )
        stale = (
            ApiToken.objects.filter(user=user)
            .exclude(pk=token.pk)
            .order_by(F("last_used_at").desc(nulls_last=True), "-created_at", "-id")
            .values_list("pk", flat=True)[MAX_TOKENS_PER_USER - 1 :]
        )
        ApiToken.objects.filter(pk__in=list(stale)).delete()
    return NewToken(token=token, key=key)


def token_revoke(user, token_id: str) -> bool:
    """Delete the user's API token with this id (its key's start); tell whether one was."""
    if len(token_id) != TOKEN_PREFIX_LENGTH:
        return False
    deleted, _ = ApiToken.objects.filter(user=user, prefix=token_id).delete()
    return bool(deleted)


def check_api_token(key: str) -> ApiToken | None:
    """Return the token this key opens, with its active user, and note that it was used."""
    if not key or len(key) > 2 * TOKEN_KEY_BYTES or not key.isascii():
        return None
    digest = token_key_hash(key)
    token = ApiToken.objects.select_related("user").filter(key_hash=digest).first()
    if token is None or not hmac.compare_digest(token.key_hash, digest):
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- the Subsonic password ----------------------------------------------------------------
#
# Subsonic clients authenticate with t = md5(password + s) for a random salt s, so the server
# must know the password itself to check a token: a one-way hash cannot work. We therefore
# store it encrypted (Fernet: AES-128-CBC + HMAC-SHA256) under a key derived from SECRET_KEY,
# and keep it separate from the account password, so a leaked Subsonic password (which those
# clients also send in clear with p=) never opens the account. Keys derived from
# SECRET_KEY_FALLBACKS still decrypt, so rotating SECRET_KEY does not lock Subsonic apps out
# until the fallback is dropped; then users reset the Subsonic password on their profile page.


def _fernet_for(secret: str) -> Fernet:
    digest = hashlib.sha256(b"spotify.accounts.subsonic-password\0" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _cipher() -> MultiFernet:
    secrets_in_use = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(secret) for secret in secrets_in_use])


def subsonic_password_reset(user) -> str:
    """Create or replace the user's Subsonic password; return it (it is shown only once)."""
    password = secrets.token_urlsafe(SUBSONIC_PASSWORD_BYTES)
    encrypted = _cipher().encrypt(password.encode()).decode()
    with transaction.atomic():
        SubsonicCredential.objects.update_or_create(
            user=user, defaults={"encrypted_password": encrypted}
        )
    return password


def subsonic_password_for(user) -> str | None:
    """Return the user's Subsonic password in clear, or None when unset or undecryptable."""
    return decrypt_subsonic_password(SubsonicCredential.objects.filter(user=user).first())


def decrypt_subsonic_password(credential: SubsonicCredential | None) -> str | None:
    """Return a credential's password in clear, or None (no credential, or undecryptable).

    For a caller that read the credential with the user (select_related), in one query.
    """
    if credential is None:
        return None
    try:
        return _cipher().decrypt(credential.encrypted_password.encode()).decode()
    except InvalidToken:
        return None


def check_subsonic_token(user, token: str, salt: str) -> bool:
    """Tell whether token == md5(password + salt) for the user's Subsonic password."""
    return subsonic_token_matches(subsonic_password_for(user), token, salt)


def subsonic_token_matches(stored: str | None, token: str, salt: str) -> bool:
    """Tell whether token == md5(stored + salt); never for no stored password or no salt."""
    if stored is None or not salt:
        return False
    expected = hashlib.md5((stored + salt).encode(), usedforsecurity=False).hexdigest()
    # compare_digest refuses non-ASCII str; bytes compare whatever a client sends.
    return hmac.compare_digest(expected.encode(), token.lower().encode())


def check_subsonic_password(user, password: str) -> bool:
    """Tell whether a clear (or "enc:"-hex) Subsonic password is the user's."""
    return subsonic_password_matches(subsonic_password_for(user), password)


def subsonic_password_matches(stored: str | None, password: str) -> bool:
    """Tell whether a clear (or "enc:"-hex) password is the stored one."""
    if password.startswith("enc:"):
        try:
            password = bytes.fromhex(password[4:]).decode()
        except (ValueError, UnicodeDecodeError):
            return False
    return stored is not None and hmac.compare_digest(stored.encode(), password.encode())


# --- streaming ----------------------------------------------------------------------------


def streaming_preference_set(user, *, max_bitrate: int, format: str) -> StreamingPreference:
    """Save the user's default bitrate cap and format for Subsonic apps."""
    preference, _ = StreamingPreference.objects.update_or_create(
        user=user, defaults={"max_bitrate": max_bitrate, "format": format}
    )
    return preference
