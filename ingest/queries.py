"""Reads of the ingest: which jobs a person may follow."""

from django.db.models import Exists, OuterRef, QuerySet

from ingest.models import IngestJob, Upload


def may_read_every_ingest_job(user) -> bool:
    """Staff read every job, whoever or whatever brought its object into the store."""
    return bool(user and user.is_authenticated and user.is_staff)


def ingest_jobs_for(user) -> QuerySet[IngestJob]:
    """Return the ingest jobs the user may read: all for staff, those of objects the user
    uploaded for anyone else signed in, none for anonymous users."""
    if may_read_every_ingest_job(user):
        return IngestJob.objects.all()
    if not (user and user.is_authenticated):
        return IngestJob.objects.none()
    own = Upload.objects.filter(user=user, bucket=OuterRef("bucket"), key=OuterRef("key"))
    return IngestJob.objects.filter(Exists(own))
