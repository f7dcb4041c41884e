"""Background tasks of the catalogue, run by whichever Django task backend is configured."""

from django.tasks import task

from catalog import services


@task
def run_ingest_job(job_id: int) -> str:
    """Process one recorded ingest job and return its final status."""
    return services.process_ingest_job(job_id)
