from django.urls import re_path

from subsonic import views

app_name = "subsonic"

urlpatterns = [
    re_path(r"^(?P<name>[A-Za-z0-9]+)(?:\.view)?/?$", views.endpoint, name="endpoint"),
]
