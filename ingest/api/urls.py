from django.urls import path
from rest_framework.routers import SimpleRouter

from ingest.api import views

router = SimpleRouter()
router.register("ingest/jobs", views.IngestJobViewSet, basename="ingest-job")

urlpatterns = [
    path("ingest/events/", views.IngestEventsView.as_view(), name="ingest-events"),
    path("uploads/", views.UploadView.as_view(), name="uploads"),
    *router.urls,
]
