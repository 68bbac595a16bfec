"""Thin tasks: each loads by id and calls the export module."""

from celery import shared_task

from . import exports


@shared_task
def run_ledger_export(job_id):
    return exports.run_job(job_id)


@shared_task
def delete_expired_exports():
    return exports.delete_expired()
