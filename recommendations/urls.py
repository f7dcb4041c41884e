from django.urls import path

from recommendations import views

app_name = "recommendations"

urlpatterns = [
    path("radio/", views.radio, name="radio"),
    path("songs/<int:pk>/similar/", views.similar, name="similar"),
]
