"""A listener's own pages: the songs they liked and the ones they played lately."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from library.queries import liked_songs, recently_played_songs

LIKED_PAGE_SIZE = 100
RECENT_SONGS = 50


@login_required
@require_GET
def liked(request):
    """List the songs the listener liked, newest like first."""
    page = Paginator(liked_songs(request.user), LIKED_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "library/liked.html",
        {"page": page, "songs": page.object_list, "total": page.paginator.count},
    )


@login_required
@require_GET
def recent(request):
    """List the songs the listener played lately, each once, the latest first."""
    songs = recently_played_songs(request.user, limit=RECENT_SONGS)
    return render(request, "library/recent.html", {"songs": songs})
