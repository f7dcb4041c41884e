"""The OpenAPI schema documents every operation's error answers in the API's one error shape."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ApiErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")
    code = serializers.CharField(help_text="A machine-readable code: not_found, throttled...")
    errors = serializers.DictField(
        required=False,
        help_text="Validation errors only: each field's messages (nested like the input).",
    )


ERRORS = {
    "400": "The input is not valid (body, query parameters or filters).",
    "401": "No credentials, or credentials that are not valid.",
    "403": "Not allowed for this user.",
    "404": "No such object (or a malformed id), or no such page of a list.",
    "413": "The request body is too large.",
    "429": "Too many requests, or too many failed sign-ins; retry after `Retry-After` seconds.",
}


class ErrorDocumentingSchema(AutoSchema):
    """drf-spectacular's schema, adding the error answers each operation can give."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error = self.resolve_serializer(ApiErrorSerializer, "response").ref
        codes = ["400", "401", "403", "404"]
        if "requestBody" in operation:
            codes.append("413")
        if self.view.get_throttles():
            codes.append("429")
        responses = operation.setdefault("responses", {})
        for code in codes:
            response = responses.setdefault(code, {"description": ERRORS[code]})
            response.setdefault("content", {"application/json": {"schema": error}})
        return operation
