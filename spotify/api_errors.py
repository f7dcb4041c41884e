"""One error format for the whole REST API.

Every error answers `{"detail": "<a sentence>", "code": "<machine code>"}`; validation errors
add `"errors": {"<field>": ["<message>", ...]}` and their detail names the first problem.
"""

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions, parsers
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIX = "/api/"


def _first_message(errors) -> tuple[str, str]:
    """Return (field path, message) of the first error in DRF's nested error structure."""
    if isinstance(errors, dict):
        for field, value in errors.items():
            path, message = _first_message(value)
            return (f"{field}.{path}" if path else str(field)), message
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return "", str(errors)


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        field, message = _first_message(errors)
        generic = field in ("", "detail", "non_field_errors")
        detail = message if generic else f"{field}: {message}"
        codes = exc.get_codes()
        _, code = _first_message(codes if isinstance(codes, dict | list) else [codes])
        response.data = {"detail": detail, "code": code or "invalid", "errors": errors}
    elif isinstance(data, dict) and "detail" in data:
        code = getattr(data["detail"], "code", None) or getattr(exc, "default_code", "error")
        response.data = {"detail": str(data["detail"]), "code": code}
    return response


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering a parse error for JSON nested too deep to decode."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None


# Errors Django answers before (or instead of) a DRF view: a path no API route matches, a body
# over DATA_UPLOAD_MAX_MEMORY_SIZE, a crash. Under the API they answer the same JSON shape.


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _json_error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def bad_request(request, exception):
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return _json_error(413, "payload_too_large", "The request body is too large.")
    return _json_error(400, "bad_request", "Bad request.")


def permission_denied(request, exception):
    if not _is_api(request):
        return defaults.permission_denied(request, exception)
    return _json_error(403, "permission_denied", "You do not have permission to do this.")


def page_not_found(request, exception):
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return _json_error(404, "not_found", "Not found.")


def server_error(request):
    if not _is_api(request):
        return defaults.server_error(request)
    return _json_error(500, "server_error", "Server error.")
