from django.urls import path
from rest_framework.routers import SimpleRouter

from catalog.api import views

router = SimpleRouter()
router.register("songs", views.SongViewSet, basename="song")
router.register("ingest/jobs", views.IngestJobViewSet, basename="ingest-job")

urlpatterns = [
    path("ingest/events/", views.IngestEventsView.as_view(), name="ingest-events"),
    *router.urls,
]
