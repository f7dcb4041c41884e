"""Who is calling: u+p (clear or enc:hex), u+t+s (md5 token) or an OpenSubsonic apiKey.

Passwords are each user's separate Subsonic password (accounts.services), never the account
password. An apiKey is one of the user's REST API tokens, listed and revoked under /me/tokens/.
Failed attempts go through the site's one sign-in limiter (accounts.signin), as the token
endpoint's and the login forms' do.
"""

from django.contrib.auth import get_user_model

from accounts import signin
from accounts.addresses import client_address
from accounts.services import (
    decrypt_subsonic_password,
    subsonic_password_matches,
    subsonic_token_matches,
)
from subsonic.params import Params
from subsonic.responses import ErrorCode, SubsonicError

MAX_VALUE_LENGTH = 512


def _wrong(message: str = "Wrong username or password.") -> SubsonicError:
    return SubsonicError(ErrorCode.WRONG_CREDENTIALS, message)


def authenticate(request, params: Params):
    """Return the active user the parameters identify, or raise the Subsonic error that fits."""
    api_key = params.get("apiKey")
    username = params.get("u")
    if api_key:
        if username or "p" in params or "t" in params:
            raise SubsonicError(
                ErrorCode.CONFLICTING_AUTH, "Multiple conflicting authentication mechanisms."
            )
        return _by_api_key(request, api_key)
    if not username:
        raise SubsonicError(ErrorCode.MISSING_PARAMETER, "Required parameter is missing: u")
    if "p" in params and "t" in params:
        raise SubsonicError(
            ErrorCode.CONFLICTING_AUTH, "Multiple conflicting authentication mechanisms."
        )
    if "t" in params and "s" not in params:
        raise SubsonicError(ErrorCode.MISSING_PARAMETER, "Required parameter is missing: s")
    if "p" not in params and "t" not in params:
        raise SubsonicError(ErrorCode.MISSING_PARAMETER, "Required parameter is missing: p or t")
    address = client_address(request)
    try:
        signin.check_sign_in(address, username)
    except signin.SignInLimited as limited:
        raise _wrong(limited.message) from None
    user = _check_password(username, params)
    if user is None:
        signin.sign_in_failed(address, username)
        raise _wrong()
    signin.sign_in_succeeded(address, username)
    return user


def _check_password(username: str, params: Params):
    if len(username) > MAX_VALUE_LENGTH:
        return None
    user = user_named(username)
    if user is None or not user.is_active:
        return None
    stored = decrypt_subsonic_password(getattr(user, "subsonic_credential", None))
    if "t" in params:
        token, salt = params.get("t"), params.get("s")
        if len(token) > MAX_VALUE_LENGTH or len(salt) > MAX_VALUE_LENGTH or not token.isascii():
            return None
        return user if subsonic_token_matches(stored, token, salt) else None
    password = _clear_password(params.get("p"))
    if password is None:
        return None
    return user if subsonic_password_matches(stored, password) else None


def user_named(username: str):
    """Find the account by name, whatever the case (phone keyboards capitalise the first
    letter); an exact match wins when two names differ only in case."""
    field = get_user_model().USERNAME_FIELD
    users = get_user_model().objects.select_related("subsonic_credential")
    candidates = list(users.filter(**{f"{field}__iexact": username})[:5])
    exact = [user for user in candidates if user.get_username() == username]
    if exact:
        return exact[0]
    return candidates[0] if len(candidates) == 1 else None


def _clear_password(password: str) -> str | None:
    """Decode `enc:<hex>`; None for what no Subsonic password can be (hmac needs ASCII)."""
    if len(password) > MAX_VALUE_LENGTH * 2:
        return None
    if password.startswith("enc:"):
        try:
            password = bytes.fromhex(password[4:]).decode()
        except (ValueError, UnicodeDecodeError):
            return None
    if not password.isascii() or password.startswith("enc:"):
        return None
    return password


def _by_api_key(request, api_key: str):
    # Keys are 160 random bits, not guessed; the limiter still holds back an address that
    # keeps trying them (as the pair of the address and no username).
    address = client_address(request)
    try:
        signin.check_sign_in(address, "")
    except signin.SignInLimited as limited:
        raise SubsonicError(ErrorCode.INVALID_API_KEY, limited.message) from None
    user = _api_key_user(api_key) if len(api_key) <= MAX_VALUE_LENGTH else None
    if user is None:
        signin.sign_in_failed(address, "")
        raise SubsonicError(ErrorCode.INVALID_API_KEY, "Invalid API key.")
    return user


def _api_key_user(key: str):
    """Return the active user of a REST API token, through accounts when it checks them."""
    try:
        from accounts.services import check_api_token
    except ImportError:  # DRF's plain tokens, before accounts kept hashed ones
        from rest_framework.authtoken.models import Token

        token = Token.objects.select_related("user").filter(key=key).first()
        return token.user if token is not None and token.user.is_active else None
    token = check_api_token(key)
    return token.user if token is not None else None
