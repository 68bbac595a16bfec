from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from customers import permissions as customer_permissions
from salesrecord.forms import IdChoiceField

from .columns import COLUMNS, SheetKind, guess


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (XLSX or CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
        help_text=_("A workbook with a customer sheet, a key-point sheet or both, or one CSV sheet."),
    )


class MappingForm(forms.Form):
    """For each sheet, what it holds; for each of its columns, the field it fills (or none)."""

    default_owner = IdChoiceField(
        label=_("Owner of what the file creates without naming one"),
        queryset=None,
        help_text=_("Customers and projects whose rows name no owner are given to this person."),
    )
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, job, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        self.fields["default_owner"].queryset = customer_permissions.assignable_owners().order_by("username")
        self.initial.setdefault("default_owner", job.default_owner_id)
        self.initial.setdefault("seen", job.changed_at.isoformat())
        self.sheets = []
        for index, sheet in enumerate(job.sheets):
            kind = (kinds or {}).get(index) or sheet["kind"]
            kind_field = f"kind-{index}"
            self.fields[kind_field] = forms.ChoiceField(
                label=_("What the sheet “%(sheet)s” holds") % {"sheet": sheet["name"]}, choices=SheetKind.choices
            )
            self.initial.setdefault(kind_field, kind)
            mapping = sheet["mapping"] if kind == sheet["kind"] else [key or "" for key in guess(kind, sheet["header"])]
            choices = [("", _("— not imported —"))] + [
                (column.key, capfirst(column.label)) for column in COLUMNS.get(kind, ())
            ]
            columns = []
            for column_index, header in enumerate(sheet["header"]):
                name = f"map-{index}-{column_index}"
                self.fields[name] = forms.ChoiceField(
                    label=header or _("Column %(number)s") % {"number": column_index + 1},
                    choices=choices,
                    required=False,
                )
                if column_index < len(mapping):
                    self.initial.setdefault(name, mapping[column_index] or "")
                example = sheet.get("example", [])
                shown = example[column_index] if column_index < len(example) else ""
                columns.append({"field": self[name], "example": shown})
            self.sheets.append({"sheet": sheet, "kind": self[kind_field], "kind_value": kind, "columns": columns})

    def chosen(self):
        """(kinds, mappings) as the services take them; call once valid."""
        kinds, mappings = [], []
        for index, sheet in enumerate(self.job.sheets):
            kind = self.cleaned_data[f"kind-{index}"]
            kinds.append(kind)
            keys = {column.key for column in COLUMNS.get(kind, ())}
            mapping = []
            for column_index in range(len(sheet["header"])):
                key = self.cleaned_data.get(f"map-{index}-{column_index}") or ""
                mapping.append(key if key in keys else "")
            mappings.append(mapping)
        return kinds, mappings


class ConfirmForm(forms.Form):
    seen = forms.CharField(widget=forms.HiddenInput)
