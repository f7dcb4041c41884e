from django.urls import path
from rest_framework.routers import SimpleRouter

from catalog.api import views

router = SimpleRouter()
router.register("artists", views.ArtistViewSet, basename="artist")
router.register("albums", views.AlbumViewSet, basename="album")
router.register("genres", views.GenreViewSet, basename="genre")
router.register("ingest/jobs", views.IngestJobViewSet, basename="ingest-job")

urlpatterns = [
    path("ingest/events/", views.IngestEventsView.as_view(), name="ingest-events"),
    path("uploads/", views.UploadView.as_view(), name="uploads"),
    *router.urls,
]
