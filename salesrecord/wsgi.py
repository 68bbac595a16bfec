import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesrecord.settings")
application = get_wsgi_application()
# Refuse to serve without a secret key (settings leave it empty when DEBUG is off and none is set):
# reading the empty setting raises ImproperlyConfigured, so the web process does not start.
settings.SECRET_KEY  # noqa: B018
