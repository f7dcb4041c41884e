"""Writes to accounts: sign-up, API tokens, the per-user Subsonic password."""

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import SubsonicCredential

SUBSONIC_PASSWORD_BYTES = 18  # 24 URL-safe characters


def user_sign_up(username: str, email: str, password: str) -> AbstractBaseUser:
    """Create a listener account (no staff rights, no groups)."""
    return get_user_model().objects.create_user(username=username, email=email, password=password)


def token_revoke(user, key_prefix: str) -> bool:
    """Delete the user's API token whose key starts with this prefix; tell whether one was."""
    if len(key_prefix) < 8:
        return False
    deleted, _ = Token.objects.filter(user=user, key__startswith=key_prefix).delete()
    return bool(deleted)


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
    credential = SubsonicCredential.objects.filter(user=user).first()
    if credential is None:
        return None
    try:
        return _cipher().decrypt(credential.encrypted_password.encode()).decode()
    except InvalidToken:
        return None


def check_subsonic_token(user, token: str, salt: str) -> bool:
    """Tell whether token == md5(password + salt) for the user's Subsonic password."""
    password = subsonic_password_for(user)
    if password is None or not salt:
        return False
    expected = hashlib.md5((password + salt).encode(), usedforsecurity=False).hexdigest()
    return hmac.compare_digest(expected, token.lower())


def check_subsonic_password(user, password: str) -> bool:
    """Tell whether a clear (or "enc:"-hex) Subsonic password is the user's."""
    if password.startswith("enc:"):
        try:
            password = bytes.fromhex(password[4:]).decode()
        except (ValueError, UnicodeDecodeError):
            return False
    stored = subsonic_password_for(user)
    return stored is not None and hmac.compare_digest(stored, password)
