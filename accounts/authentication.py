"""`Authorization: Token <key>` for the REST API, checked against the hashed ApiToken keys."""

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from accounts.services import check_api_token


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's Token scheme (header parsing, 401 challenge) over our named, hashed tokens."""

    keyword = "Token"

    def authenticate_credentials(self, key: str):
        token = check_api_token(key)
        if token is None:
            raise AuthenticationFailed("Invalid token.")
        return (token.user, token)
