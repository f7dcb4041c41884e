from django.urls import path
from rest_framework.routers import SimpleRouter

from library.api import views

router = SimpleRouter()
router.register("songs", views.ListenerSongViewSet, basename="song")

urlpatterns = [
    path("songs/<int:pk>/like/", views.SongLikeView.as_view(), name="song-like"),
    path("songs/<int:pk>/rating/", views.SongRatingView.as_view(), name="song-rating"),
    path("songs/<int:pk>/plays/", views.SongPlaysView.as_view(), name="song-plays"),
    path("me/plays/", views.RecentPlaysView.as_view(), name="me-plays"),
    path("me/likes/", views.LikedSongsView.as_view(), name="me-likes"),
    *router.urls,
]
