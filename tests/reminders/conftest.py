import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Robot:
    """A local group robot: records each POST and answers as the platform does (or fails), after
    `delay` seconds (a slow robot keeps a delivery's row locked while another worker looks at it)."""

    def __init__(self):
        self.received = []
        self.answer = {"errcode": 0, "errmsg": "ok"}
        self.status = 200
        self.delay = 0
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                robot.received.append((self.path, json.loads(self.rfile.read(length))))
                time.sleep(robot.delay)
                body = json.dumps(robot.answer).encode()
                self.send_response(robot.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot():
    server = Robot()
    yield server
    server.close()
