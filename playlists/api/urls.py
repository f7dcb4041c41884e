from rest_framework.routers import SimpleRouter

from playlists.api import views

router = SimpleRouter()
router.register("playlists", views.PlaylistViewSet, basename="playlist")

urlpatterns = router.urls
