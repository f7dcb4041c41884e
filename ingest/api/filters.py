import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ingest.models import IngestJob

MAX_KEYS = 100


class KeysField(forms.Field):
    """Every value of a repeated query parameter (`?key=a&key=b`), at most MAX_KEYS of them."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        keys = [key for key in (value or []) if key]
        if len(keys) > MAX_KEYS:
            raise forms.ValidationError(f"ask for at most {MAX_KEYS} keys at once", code="max_keys")
        return keys


@extend_schema_field(
    serializers.ListField(
        child=serializers.CharField(),
        max_length=MAX_KEYS,
        help_text="An object's key; repeat it (`key=a&key=b`) for the jobs of several objects.",
    )
)
class KeysFilter(django_filters.Filter):
    field_class = KeysField


class IngestJobFilter(django_filters.FilterSet):
    # Repeatable, so the upload page asks for all its pending uploads in one request.
    key = KeysFilter(lookup_expr="in")

    class Meta:
        model = IngestJob
        fields = ["status", "action", "bucket", "key"]
