"""The broker kept in files, for a laptop with no Redis (`make run`).

kombu's own file transport opens a message's final ``*.msg`` file and then writes into it, so a worker
polling the same folder can claim the file while it is still empty and die on it ("Expecting value:
line 1 column 1"); with the scheduler in the worker's own process that happens within minutes. Here a
message is written under a name no reader takes, then renamed into place, which is atomic on one file
system: a reader sees a whole message or none.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps
from kombu.utils.objects import cached_property


class Channel(filesystem.Channel):
    @cached_property
    def data_folder_out(self):
        folder = super().data_folder_out
        os.makedirs(folder, exist_ok=True)
        return folder

    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A leading dot and a trailing suffix: not "<id>.<queue>.msg", so no reader counts or takes it.
        partial = os.path.join(self.data_folder_out, f".{name}.partial")
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
