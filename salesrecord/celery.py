import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesrecord.settings")

app = Celery("salesrecord")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The file broker (no REDIS_URL) needs its folders before the first message.
for folder in (
    app.conf.broker_transport_options.get("data_folder_in", ""),
    app.conf.broker_transport_options.get("processed_folder", ""),
    app.conf.broker_transport_options.get("control_folder", ""),
):
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
