from django.urls import path

from web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("covers/<int:pk>-<str:digest>/", views.cover, name="cover"),
    path("browse/", views.browse, name="browse"),
    path("artists/<int:pk>/", views.artist, name="artist"),
    path("albums/<int:pk>/", views.album, name="album"),
    path("search/", views.search, name="search"),
    path("upload/", views.upload, name="upload"),
    path("favicon.ico", views.favicon),
]
