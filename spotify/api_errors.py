"""One error format for the whole REST API.

Every error answers `{"detail": "<a sentence>", "code": "<machine code>"}`; validation errors
add `"errors": {"<field>": ["<message>", ...]}` and their detail names the first problem.
"""

from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


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
