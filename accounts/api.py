"""Account endpoints: token log-in for scripts, and the calling user's `me` resources."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import queries, services, signin
from accounts.addresses import client_address
from accounts.signin import SignInRateThrottle

LOGIN_TOKEN_NAME = "Script login"


class TokenLoginSerializer(AuthTokenSerializer):
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.TOKEN_NAME_MAX,
        help_text=f"What the token is for, shown on the profile page; “{LOGIN_TOKEN_NAME}” "
        "if left out.",
    )

    def validate(self, attrs):
        address = client_address(self.context["request"])
        username = attrs.get("username", "")
        try:
            signin.check_sign_in(address, username)
        except signin.SignInLimited as limited:
            # DRF adds "Expected available in N seconds." to the detail itself.
            raise exceptions.Throttled(
                wait=limited.retry_after, detail="Too many failed sign-in attempts."
            ) from None
        try:
            attrs = super().validate(attrs)
        except serializers.ValidationError:
            signin.sign_in_failed(address, username)
            raise
        signin.sign_in_succeeded(address, username)
        return attrs


class TokenView(APIView):
    """Exchange a username and password for a new API token (`Authorization: Token ...`).

    Each call makes a new named token; the user sees and revokes them under /me/tokens/.
    """

    permission_classes = [permissions.AllowAny]
    throttle_classes = [SignInRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=TokenLoginSerializer,
        responses={200: inline_serializer("TokenAnswer", {"token": serializers.CharField()})},
    )
    def post(self, request):
        login = TokenLoginSerializer(data=request.data, context={"request": request})
        login.is_valid(raise_exception=True)
        name = login.validated_data.get("name") or LOGIN_TOKEN_NAME
        created = services.token_create(login.validated_data["user"], name)
        return Response({"token": created.key})


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
    id = serializers.CharField(
        source="prefix", help_text="The key's first 8 characters; revoke the token by it."
    )
    name = serializers.CharField()
    created = serializers.DateTimeField(source="created_at")
    last_used = serializers.DateTimeField(
        source="last_used_at", allow_null=True, help_text="To the minute; null if never used."
    )


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=services.TOKEN_NAME_MAX, help_text="What it is for.")


class NewTokenSerializer(TokenSerializer):
    token = serializers.CharField(help_text="The key, shown in this answer only.")


class TokenListView(APIView):
    """The calling user's API tokens (keys are never shown again), or a new named one."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: TokenSerializer(many=True)})
    def get(self, request):
        return Response(TokenSerializer(queries.user_tokens(request.user), many=True).data)

    @extend_schema(request=TokenCreateSerializer, responses={201: NewTokenSerializer})
    def post(self, request):
        data = TokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.token_create(request.user, data.validated_data["name"])
        body = {**TokenSerializer(created.token).data, "token": created.key}
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


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
    throttle_classes = [SignInRateThrottle]
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
