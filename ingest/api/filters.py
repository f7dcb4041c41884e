import django_filters

from ingest.models import IngestJob


class IngestJobFilter(django_filters.FilterSet):
    class Meta:
        model = IngestJob
        fields = ["status", "action", "bucket", "key"]
