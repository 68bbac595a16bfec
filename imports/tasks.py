"""Thin tasks: each loads by id and calls the import's steps."""

from celery import shared_task

from . import runs


@shared_task
def check_import(job_id):
    runs.import_check(job_id=job_id)


@shared_task
def run_import(job_id):
    runs.import_run(job_id=job_id)


@shared_task
def delete_stale_files():
    return runs.delete_stale_files()
