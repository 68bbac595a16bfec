"""gunicorn's settings for the image (Dockerfile CMD: `gunicorn --config gunicorn.conf.py salesrecord.wsgi`).

gunicorn names itself in a `Server` header on every response and has no setting to leave it out
(benoitc/gunicorn#825); its responses read the name from this module-level constant each time, so
blanking it here, before any worker serves, leaves the header without software or version.

Why these settings suit SalesRecord:

- Every request is short. The one piece of work that used to take minutes, a large ledger export,
  is a Celery job (EXPORT_INLINE_ROWS): the request that asks for it returns at once. So `timeout`
  stays a guard against a stuck worker, not a budget for slow pages: WEB_TIMEOUT, 60 s by default.
- `gthread` workers with a few threads each (WEB_THREADS, 4): a small export streams to the browser
  and a prepared file is downloaded at the client's pace; with sync workers a slow connection would
  hold a whole process, and the handful of processes a small server runs would soon all be busy.
  Django's views are thread-safe; each thread keeps its own database connection. With gthread the
  worker's heartbeat comes from its main loop, so `timeout` restarts a worker that has hung, while a
  slow download in one thread does not get the others killed.
- Processes: WEB_CONCURRENCY (compose: 3), else two per CPU plus one.
- `graceful_timeout` 30 s: on a restart or deploy, requests in flight (a download) may finish.
- `max_requests` with jitter: each worker is replaced after about a thousand requests, so that memory
  a long-lived process gathers is given back, and not by all workers at the same moment.
- `keepalive` 5 s: the reverse proxy in front reuses its connections to us.
"""

import multiprocessing
import os

from gunicorn.http import wsgi

wsgi.SERVER = ""

worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1)))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = 1000
max_requests_jitter = 100
