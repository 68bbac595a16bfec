"""Tables that serve every app."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class FormToken(models.Model):
    """A create form's one-time token and the record it created (salesrecord/once.py).

    The token is the primary key: of two submits of one form at the same moment, the second's insert
    waits for the first's transaction and then fails, so that only one record stays."""

    token = models.UUIDField(primary_key=True, editable=False)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    # Who sent it, from which page: the same token sent by someone else or to another form is not a resend.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return str(self.token)
