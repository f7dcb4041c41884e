from rest_framework.routers import SimpleRouter

from catalog.api import views

router = SimpleRouter()
router.register("artists", views.ArtistViewSet, basename="artist")
router.register("albums", views.AlbumViewSet, basename="album")
router.register("genres", views.GenreViewSet, basename="genre")

urlpatterns = router.urls
