from django.urls import path

from recommendations.api import views

urlpatterns = [
    path("recommendations/", views.RecommendationsView.as_view(), name="recommendations"),
    path("songs/<int:pk>/similar/", views.SimilarSongsView.as_view(), name="song-similar"),
    path("radio/", views.RadioView.as_view(), name="radio"),
]
