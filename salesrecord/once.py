"""One record per create form: a form sent twice (a double click, a resend after a slow answer, the
browser's back button and send again) creates its record once, and the second answer is the first's.

Each create form carries a hidden one-time token, made when the form is rendered. The record and its
token are saved in one transaction, the token as a primary key (FormToken). A resend finds the token
and answers with the record it created. Two submits at the same moment both pass that check, but the
second's token insert waits for the first's transaction and fails once it commits: the second's
record is rolled back with it, and it answers with the first's. A form without a token (one rendered
before tokens existed) still creates, unguarded.
"""

import uuid
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import FormToken

FIELD = "once_token"
# A resend comes within minutes; a week covers a form left open over a holiday.
KEEP = timedelta(days=7)


class OnceFormMixin:
    """Gives a model form that creates a record (its instance is not saved yet) the hidden token."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and getattr(self, "once", True):
            # A callable initial: each rendering of an unbound form gets its own token; a bound form
            # with errors renders the token it was sent with, which has created nothing yet.
            self.fields[FIELD] = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)


def save_once(request, form, create, success):
    """Validate the create form and create its record through create() (a service call that returns
    the record), once per token.

    Returns the record, created now (the person is told success, or success(record) when it is a
    function) or by an earlier send of this form's token (a resend, or a submit racing the first: the
    person is told so), for the view to answer as the first time; None when the form has errors."""
    record, first = _save_once(request, form, create)
    if first:
        messages.success(request, success(record) if callable(success) else success)
    return record


def _save_once(request, form, create):
    """(record, True) when created now; (record, False) when this token had created it; (None, False)
    when the form has errors."""
    token = _token(request)
    earlier = _earlier(request, token)
    if earlier is _ELSEWHERE:
        return _refuse(form)
    if earlier is not None:
        return _again(request, earlier)
    if not form.is_valid():
        # The first of two submits at once may have committed since the check above, and its record
        # make this one's input a duplicate (a team member already on the team).
        earlier = _earlier(request, token)
        return _again(request, earlier) if earlier not in (None, _ELSEWHERE) else (None, False)
    if token is None:
        return create(), True
    try:
        with transaction.atomic():
            record = create()
            _record(request, token, record)
    except Exception:
        # Whatever the racing second submit ran into (the token's key, or the record's own unique key
        # and the refusal a service makes of it) means nothing when the first saved this form.
        earlier = _earlier(request, token)
        if earlier in (None, _ELSEWHERE):
            raise
        return _again(request, earlier)
    return record, True


def _token(request):
    try:
        return uuid.UUID(str(request.POST.get(FIELD, "")))
    except ValueError:
        return None


def _record(request, token, record):
    FormToken.objects.create(
        token=token,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        user=request.user,
        path=request.path[:200],
    )


# A token that created something, but not by this person's submit of this form, or whose record is gone.
_ELSEWHERE = object()


def _earlier(request, token):
    """The record this token created when this person sent this form; None when it created nothing."""
    if token is None:
        return None
    row = FormToken.objects.select_related("content_type").filter(token=token).first()
    if row is None:
        return None
    model = row.content_type.model_class()
    record = model._default_manager.filter(pk=row.object_id).first() if model else None
    if record is None or row.user_id != request.user.pk or row.path != request.path[:200]:
        return _ELSEWHERE
    return record


def _refuse(form):
    """A token from elsewhere (a copied or edited form) is refused, the input kept under a fresh token,
    so that saving again creates one record."""
    data = form.data.copy()
    data[form.add_prefix(FIELD)] = str(uuid.uuid4())
    form.data = data
    form.is_valid()
    form.add_error(None, _("This form was already used, so nothing was saved. Check the entries and save again."))
    return None, False


def _again(request, record):
    messages.info(request, _("This form had already been saved; it was not saved a second time."))
    return record, False


def prune(now=None):
    """Forget tokens older than KEEP: a form that old is sent again as a new one."""
    now = now or timezone.now()
    return FormToken.objects.filter(created_at__lt=now - KEEP).delete()[0]
