from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("Columns to confirm")
    CHECKING = "checking", _("Being checked")
    CHECKED = "checked", _("Checked: ready to import")
    IMPORTING = "importing", _("Being imported")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One uploaded spreadsheet on its way in: its columns' mapping, the check's preview, the result.

    The file itself is kept under MEDIA_ROOT/imports (``file``) until the import is done, so that the
    check and the import read exactly what was uploaded."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=200)
    file = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.MAPPING)
    # [{"name", "header", "header_row", "rows", "kind", "mapping": [field key or ""]}], one per sheet.
    sheets = models.JSONField(default=list)
    # Who owns what the file creates without naming its owner.
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner of records without one"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The check's findings (counts, examples, rejected rows shown) and, once imported, what was made.
    preview = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    rejected_file = models.CharField(max_length=200, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=16, default="zh-hans")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Every change of the job moves it: a form shown before a change is refused.
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.filename

    @property
    def is_running(self):
        return self.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING)

    @property
    def progress_percent(self):
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0
