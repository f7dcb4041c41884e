"""Server-rendered pages of the catalogue and the cover images they show."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from catalog.models import Cover
from catalog.queries import song_list
from catalog.streaming import file_response

HOME_SONGS = 50


@require_GET
def home(request):
    """Show the newest songs; live.js adds new ones as they are ingested."""
    songs = song_list()[:HOME_SONGS]
    return render(request, "catalog/home.html", {"songs": songs})


@require_GET
def cover(request, pk: int, digest: str):
    """Serve a cover image; its URL names its content, so browsers may keep it for good."""
    image = get_object_or_404(Cover, pk=pk, sha256__startswith=digest)
    return file_response(
        request,
        image.image.name,
        image.mime_type,
        cache_control="public, max-age=31536000, immutable",
    )
