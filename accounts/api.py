"""Authentication endpoints for scripts."""

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (`Authorization: Token ...`)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"
