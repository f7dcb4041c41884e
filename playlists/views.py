"""Playlist pages: your playlists, one playlist's tracks, and the owner's edits.

Each write is a POST form (so the pages work without JavaScript) that calls one
playlists.services function and redirects; static/js/playlist.js does the same edits in place
through the REST API.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from playlists import queries, services
from playlists.forms import PlaylistForm, TrackMoveForm

PUBLIC_PLAYLISTS = 24


@require_GET
def playlist_index(request):
    """List the listener's playlists with a form for a new one, then others' public ones."""
    return _render_index(request, PlaylistForm())


def _render_index(request, form: PlaylistForm, status: int = 200):
    user = request.user
    mine = list(queries.playlist_list(user, mine=True)) if user.is_authenticated else []
    public = queries.playlist_list(user).filter(is_public=True)
    if user.is_authenticated:
        public = public.exclude(owner=user)
    return render(
        request,
        "playlists/index.html",
        {"playlists": mine, "public_playlists": list(public[:PUBLIC_PLAYLISTS]), "form": form},
        status=status,
    )


@login_required
@require_POST
def playlist_new(request):
    """Create a playlist and open it."""
    form = PlaylistForm(request.POST)
    if not form.is_valid():
        return _render_index(request, form, status=400)
    playlist = services.playlist_create(
        request.user,
        name=form.cleaned_data["name"],
        description=form.cleaned_data["description"],
        is_public=form.cleaned_data["is_public"],
    )
    messages.success(request, f"Created “{playlist.name}”. Add songs from any song’s ⋯ menu.")
    return redirect("playlists:detail", pk=playlist.pk)


@require_GET
def playlist_page(request, pk: int):
    """Show a playlist's tracks in order; private playlists are 404 to everyone but the owner."""
    playlist = queries.playlist_detail(request.user, pk)
    return _render_detail(request, playlist, PlaylistForm(instance=playlist))


def _render_detail(request, playlist, form: PlaylistForm, status: int = 200):
    tracks = playlist.tracks
    return render(
        request,
        "playlists/detail.html",
        {
            "playlist": playlist,
            "tracks": tracks,
            "covers": queries.cover_urls(playlist),
            "total_seconds": sum(item.song.duration or 0 for item in tracks),
            "is_owner": playlist.owner_id == request.user.pk,
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def playlist_edit(request, pk: int):
    """Rename, describe, publish or unpublish a playlist (owner only)."""
    playlist = queries.access_playlist(request.user, pk, change=True)
    form = PlaylistForm(request.POST, instance=playlist)
    if not form.is_valid():
        detail = queries.playlist_detail(request.user, pk)
        return _render_detail(request, detail, form, status=400)
    services.playlist_update(playlist, **form.cleaned_data)
    messages.success(request, "Saved.")
    return redirect("playlists:detail", pk=pk)


@login_required
@require_POST
def playlist_remove(request, pk: int):
    """Delete a playlist (owner only)."""
    playlist = queries.access_playlist(request.user, pk, change=True)
    services.playlist_delete(playlist)
    messages.success(request, f"Deleted “{playlist.name}”.")
    return redirect("playlists:index")


@login_required
@require_POST
def track_remove(request, pk: int, item_id: int):
    """Take one track off a playlist (owner only)."""
    playlist = queries.access_playlist(request.user, pk, change=True)
    item = queries.access_playlist_item(playlist, item_id)
    services.playlist_remove_item(playlist, item)
    return redirect("playlists:detail", pk=pk)


@login_required
@require_POST
def track_move(request, pk: int, item_id: int):
    """Move a track one step up or down among the listed ones, or to a position (owner only)."""
    playlist = queries.access_playlist(request.user, pk, change=True)
    item = queries.access_playlist_item(playlist, item_id)
    form = TrackMoveForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(" ".join(form.errors.get("__all__", ["Bad move."])))
    position = form.cleaned_data["position"]
    if form.cleaned_data["direction"]:
        # Step over the neighbour the listener sees: hidden songs keep their places unseen.
        neighbour = queries.visible_neighbour(playlist, item, form.cleaned_data["direction"])
        position = item.position if neighbour is None else neighbour.position
    try:
        services.playlist_move_item(playlist, item, position)
    except services.InvalidPosition as invalid:
        return HttpResponseBadRequest(str(invalid))
    return redirect(f"{reverse('playlists:detail', args=[pk])}#item-{item.pk}")
