from django.urls import path

from playlists import views

app_name = "playlists"

urlpatterns = [
    path("", views.playlist_index, name="index"),
    path("new/", views.playlist_new, name="new"),
    path("<int:pk>/", views.playlist_page, name="detail"),
    path("<int:pk>/edit/", views.playlist_edit, name="edit"),
    path("<int:pk>/delete/", views.playlist_remove, name="delete"),
    path("<int:pk>/tracks/<int:item_id>/remove/", views.track_remove, name="track-remove"),
    path("<int:pk>/tracks/<int:item_id>/move/", views.track_move, name="track-move"),
]
