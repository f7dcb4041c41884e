from django.urls import path

from library import views

app_name = "library"

urlpatterns = [
    path("liked/", views.liked, name="liked"),
    path("recent/", views.recent, name="recent"),
]
