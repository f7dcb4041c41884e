from django.urls import re_path

from subsonic import dispatch

app_name = "subsonic"

urlpatterns = [
    re_path(r"^(?P<name>[A-Za-z0-9]+)(?:\.view)?/?$", dispatch.endpoint, name="endpoint"),
]
