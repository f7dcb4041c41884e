from django.urls import path

from accounts import api

urlpatterns = [
    path("me/", api.MeView.as_view(), name="me"),
    path("me/tokens/", api.TokenListView.as_view(), name="me-tokens"),
    path("me/tokens/<str:token_id>/", api.TokenRevokeView.as_view(), name="me-token"),
    path("me/subsonic-password/", api.SubsonicPasswordView.as_view(), name="me-subsonic-password"),
]
