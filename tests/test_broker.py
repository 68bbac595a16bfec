"""The file broker under `make run`: a message becomes visible to a worker only once it is whole."""

import os
from queue import Empty

import pytest
from kombu import Connection
from kombu.utils import json as kombu_json

from salesrecord import broker
from tests.test_settings import run_python


@pytest.fixture
def channel(tmp_path):
    folder = tmp_path / "queue"
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder), "store_processed": False}
    with Connection(transport=broker.Transport, transport_options=options) as connection:
        yield connection.default_channel


def test_a_message_put_is_got_back_whole(channel):
    channel._put("celery", {"body": "扫描停滞"})

    assert channel._size("celery") == 1
    assert channel._get("celery") == {"body": "扫描停滞"}
    with pytest.raises(Empty):
        channel._get("celery")


def test_a_worker_polling_while_a_message_is_written_sees_nothing_yet(channel, monkeypatch):
    seen_while_writing = []

    def dumps_while_a_worker_polls(payload):
        # The worker polls the folder at the moment the sender is still writing.
        try:
            seen_while_writing.append(channel._get("celery"))
        except Empty:
            seen_while_writing.append(None)
        seen_while_writing.append(channel._size("celery"))
        return kombu_json.dumps(payload)

    monkeypatch.setattr(broker, "dumps", dumps_while_a_worker_polls)

    channel._put("celery", {"body": "每日汇总"})

    assert seen_while_writing == [None, 0]
    assert channel._get("celery") == {"body": "每日汇总"}
    assert os.listdir(channel.data_folder_in) == []


def test_the_project_uses_it_when_there_is_no_redis_and_redis_when_there_is():
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='salesrecord.settings'; django.setup(); "
    code += "from salesrecord.celery import app; t = type(app.connection_for_write().transport); "
    code += "print(t.__module__, t.__name__)"

    without_redis = run_python(code, DEBUG="1").stdout.split()
    with_redis = run_python(code, DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/9").stdout.split()

    assert without_redis == ["salesrecord.broker", "Transport"]
    assert with_redis == ["kombu.transport.redis", "Transport"]
