"""gunicorn's settings for the image (Dockerfile CMD: `gunicorn --config gunicorn.conf.py salesrecord.wsgi`).

gunicorn names itself in a `Server` header on every response and has no setting to leave it out
(benoitc/gunicorn#825); its responses read the name from this module-level constant each time, so
blanking it here, before any worker serves, leaves the header without software or version.
"""

from gunicorn.http import wsgi

wsgi.SERVER = ""
