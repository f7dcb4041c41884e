"""Account endpoints: token log-in for scripts, and the calling user's `me` resources."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import queries, services


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (`Authorization: Token ...`)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses={200: inline_serializer("TokenAnswer", {"token": serializers.CharField()})},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField(source="get_username")
    email = serializers.EmailField()
    date_joined = serializers.DateTimeField()
    is_curator = serializers.SerializerMethodField()
    is_admin = serializers.BooleanField(source="is_superuser")
    has_subsonic_password = serializers.SerializerMethodField()

    def get_is_curator(self, user) -> bool:
        return queries.is_curator(user)

    def get_has_subsonic_password(self, user) -> bool:
        return queries.has_subsonic_password(user)


class MeView(APIView):
    """The calling user's account."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: MeSerializer})
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class TokenSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField(help_text="The key's first 8 characters; revoke by it.")
    created = serializers.DateTimeField()

    def get_id(self, token) -> str:
        return token.key[:8]


class TokenListView(generics.ListAPIView):
    """The calling user's API tokens (keys are never shown again; see the first characters)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = TokenSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return queries.user_tokens(self.request.user)


class TokenRevokeView(APIView):
    """Revoke one of the calling user's API tokens."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, token_id: str):
        if not services.token_revoke(request.user, token_id):
            raise Http404("No such token.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubsonicPasswordView(APIView):
    """Create or reset the calling user's Subsonic password; shown in this answer only."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("SubsonicPassword", {"password": serializers.CharField()})
        },
    )
    def post(self, request):
        password = services.subsonic_password_reset(request.user)
        return Response({"password": password})
