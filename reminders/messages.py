"""What a reminder says, in the reader's language: one title, a few lines and the project's address."""

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from .models import Kind


@dataclass
class Message:
    title: str
    lines: list[str] = field(default_factory=list)
    url: str = ""
    # What the link says (the project, unless told otherwise), in the message's language.
    link_label: str = ""

    @property
    def text(self):
        return "\n".join([self.title, *self.lines, self.url])


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def _date(value):
    return formats.date_format(value)


def compose(reminder, language=None):
    """The message of one reminder, written in `language` (the current one if not given)."""
    with translation.override(language or translation.get_language()):
        return _compose(reminder)


def _compose(reminder):
    project = reminder.project
    facts = {
        "project": project.name,
        "customer": project.customer.legal_name,
        "stage": reminder.get_stage_display(),
        "days": reminder.days,
        "threshold": reminder.threshold,
        "owner": str(project.owner),
    }
    url = absolute(reverse("projects:detail", args=[project.pk]))
    if reminder.kind in (Kind.STALL, Kind.STALL_ESCALATION):
        title = (
            _("Escalated: %(project)s has been stalled for %(days)s days")
            if reminder.kind == Kind.STALL_ESCALATION
            else _("%(project)s has been stalled for %(days)s days")
        ) % facts
        lines = [
            _("%(customer)s · %(stage)s · owner %(owner)s") % facts,
            _("No key point for %(days)s days; this stage allows %(threshold)s.") % facts,
        ]
    elif reminder.kind in (Kind.OVERDUE, Kind.OVERDUE_ESCALATION):
        step = reminder.keypoint
        facts |= {
            "step": step.next_step,
            "step_owner": str(step.next_step_owner),
            "due": _date(step.next_step_due),
        }
        title = (
            _("Escalated: a next step on %(project)s is %(days)s days overdue")
            if reminder.kind == Kind.OVERDUE_ESCALATION
            else _("A next step on %(project)s is %(days)s days overdue")
        ) % facts
        lines = [
            _("%(customer)s · %(stage)s · owner %(owner)s") % facts,
            _("“%(step)s”, for %(step_owner)s, was due %(due)s.") % facts,
        ]
    else:
        facts["resume_on"] = _date(timezone.localtime(reminder.since).date())
        title = _("%(project)s is due to resume") % facts
        lines = [
            _("%(customer)s · %(stage)s · owner %(owner)s") % facts,
            _("Paused until %(resume_on)s: resume it, or put it on hold again with a new date.") % facts,
        ]
    return Message(title=title, lines=lines, url=url)
