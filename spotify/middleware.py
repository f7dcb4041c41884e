"""Django's common middleware, redirecting a write that lacks its trailing slash with 308."""

from django.http import HttpResponsePermanentRedirect
from django.middleware import common
from django.utils.http import escape_leading_slashes

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class CommonMiddleware(common.CommonMiddleware):
    """APPEND_SLASH answers a GET with 301, which is right; for a POST, PUT, PATCH or DELETE
    a 301 makes clients send the request again as a bodiless GET (so a script's write was
    lost without an error), and with DEBUG on Django raises instead (a 500). Such a request
    gets 308, which clients follow with the same method and body."""

    def process_response(self, request, response):
        if (
            response.status_code == 404
            and request.method not in SAFE_METHODS
            and self.should_redirect_with_slash(request)
        ):
            path = escape_leading_slashes(request.get_full_path(force_append_slash=True))
            response = HttpResponsePermanentRedirect(path, preserve_request=True)
        return super().process_response(request, response)
