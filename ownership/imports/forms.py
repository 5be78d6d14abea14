"""The import page's form."""

from django import forms
from django.conf import settings

from ownership.imports.reading import IMPORT_OPTION_FIELDS, LAYOUT_CHOICES, import_options

# What the file chooser offers; the reader also recognises a table in a file named otherwise.
FILE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".md", ".markdown", ".html", ".htm")


class ImportForm(forms.Form):
    """A RACI chart to import: a file or pasted text, and how to read it (docs/import.md)."""

    file = forms.FileField(
        required=False,
        label="File (CSV, XLSX, Markdown or HTML)",
        help_text="The matrix file, or a RACI chart as published: one row per activity.",
        widget=forms.FileInput(attrs={"accept": ",".join(FILE_SUFFIXES)}),
    )
    text = forms.CharField(
        required=False,
        label="Or paste a table",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text="A Markdown or HTML table, or rows copied from a spreadsheet.",
    )
    journey = forms.CharField(
        required=False,
        max_length=200,
        help_text="For a table without a journey column; empty: named from the chart's heading, sheet or file.",
    )
    stage = forms.CharField(
        required=False, max_length=200, help_text="For rows above any section heading; empty: one stage, Activities."
    )
    layout = forms.ChoiceField(required=False, choices=[("", "Detect it"), *LAYOUT_CHOICES.items()], label="Layout")
    letter_map = forms.CharField(
        required=False,
        max_length=200,
        label="Letter map",
        help_text="Other letters as R, A, C, I, e.g. S=R, W=I, V=C, O= (empty: leave the letter out).",
    )
    table = forms.IntegerField(
        required=False, min_value=1, label="Table number", help_text="Empty: the first RACI table."
    )
    touchpoint_column = forms.CharField(
        required=False, max_length=200, label="Activity column", help_text="Its header, when its name is unusual."
    )
    keep_remarks = forms.BooleanField(required=False, label="Keep remarks in brackets after function names")
    heading_rows = forms.BooleanField(required=False, initial=True, label="Read one-cell rows as stage headings")
    replace = forms.BooleanField(
        required=False,
        label="Replace the journeys the file names",
        help_text="Delete their touchpoints and stages the file does not list. Unticked, those are kept.",
    )

    OPTION_FIELDS = IMPORT_OPTION_FIELDS

    def main_fields(self):
        return [self[name] for name in ("file", "text", "journey", "stage", "replace")]

    def reading_fields(self):
        return [self[name] for name in self.OPTION_FIELDS if name not in ("journey", "stage", "replace")]

    def option_fields(self):
        return [self[name] for name in self.OPTION_FIELDS]

    def __init__(self, *args, source_waiting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # A file already uploaded waits on the server while the user maps letters: no new one needed.
        self.source_waiting = source_waiting
        # The drop zone says which file was chosen (templates/ownership/_import_drop.html).
        file_id = self["file"].auto_id
        self.fields["file"].widget.attrs["aria-describedby"] = f"{file_id}_helptext {file_id}_chosen"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.MATRIX_UPLOAD_MAX_BYTES
        if upload and upload.size > limit:
            raise forms.ValidationError(f"The file is {upload.size:,} bytes; the limit is {limit:,}.")
        return upload

    def clean_text(self):
        text = self.cleaned_data["text"]
        limit = settings.MATRIX_UPLOAD_MAX_BYTES
        if len(text.encode()) > limit:
            raise forms.ValidationError(f"The text is over {limit:,} bytes, the limit.")
        return text

    def clean(self):
        cleaned = super().clean()
        if self.has_error("file") or self.has_error("text"):
            return cleaned  # the file or the text was refused: saying "choose one" as well would contradict it
        if not (cleaned.get("file") or (cleaned.get("text") or "").strip() or self.source_waiting):
            self.add_error("file", "Choose a file or paste a table.")
            return cleaned
        # The choices made for letters the chart uses beyond R, A, C, I (map_S = "R", "" to leave out).
        chosen = []
        for key, value in self.data.items():
            if key.startswith("map_") and len(key) == 5:
                if value not in ("R", "A", "C", "I", ""):
                    raise forms.ValidationError(f"Choose R, A, C, I or nothing for the letter {key[4:]}.")
                chosen.append(f"{key[4:]}={value}")
        cleaned["letter_map"] = ", ".join(part for part in [cleaned.get("letter_map") or "", *chosen] if part)
        try:
            cleaned["options"] = import_options(**self.option_values())
        except ValueError as error:
            self.add_error("letter_map" if "letter map" in str(error) else None, str(error))
        return cleaned

    def option_values(self) -> dict:
        """The reading options as entered: kept with a file that waits for its confirmation."""
        values = {name: self.cleaned_data.get(name) for name in self.OPTION_FIELDS}
        for name in ("journey", "stage", "layout", "letter_map", "touchpoint_column"):
            values[name] = values[name] or ""
        for name in ("keep_remarks", "heading_rows", "replace"):
            values[name] = bool(values[name])
        return values
