"""Names as people read them: one normal form for journeys, stages, touchpoints and functions.

"Onboarding", "ONBOARDING" and " onboarding " are one journey to a reader; "Customer Service"
and "customer-service" are one function, and also one column of the matrix file. So each named
row stores `name_key` = name_key(name) and the database makes the key unique where the name
must be; the matrix file's headers and the importer compare names by the same key.

The key is kept up to date on every path that writes a name: Model.save/full_clean through
`NameKeyed`, and QuerySet.update/bulk_create/bulk_update through `NamedQuerySet`.

Names and the other one-line texts (titles, holder names, descriptions shown on one line) hold no
control characters: a CR in an organization's name once became a mail header and stopped every
e-mail and webhook of the organization. A field marked with `one_line_validator` is refused at the
edges (forms, the API, full_clean: a clear error) and cleaned by `one_line` wherever a write skips
validation (save, QuerySet.update/bulk_create/bulk_update through `OneLineQuerySet`), so no stored
row can hold them.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

NAME_MAX_CHARS = 200
# Composing and case-folding can lengthen a name ("ß" -> "ss"); a longer key is cut, which only
# matters for names that already agree on their first 400 characters.
NAME_KEY_MAX_CHARS = 400
_SEPARATORS = re.compile(r"[\s_-]+")

# Controls that separate words (tab, line and paragraph breaks, the C1 next-line): each run
# becomes one space, so "Inj\r\nBcc" still reads as two words. Every other control character
# (C0, DEL, C1) and lone surrogates (which no database encodes) are dropped.
_SPACING_CONTROLS = re.compile(r"[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")
_OTHER_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")
ONE_LINE_MESSAGE = "Keep it on one line: line breaks, tabs and other control characters are not allowed."
ONE_LINE = "one_line"


def one_line(text: str) -> str:
    """`text` without control characters: spacing controls become one space, others are removed."""
    # Every character the patterns match is one isprintable() refuses (Cc, Cs, Zl, Zp): most
    # texts have none, and are passed in one C call instead of two regex passes (an import of
    # 100k rows cleans 600k texts).
    if text.isprintable():
        return text
    return _OTHER_CONTROLS.sub("", _SPACING_CONTROLS.sub(" ", text))


def one_line_validator(value) -> None:
    """Refuse a text with control characters (the error a form or the API shows)."""
    if isinstance(value, str) and value != one_line(value):
        raise ValidationError(ONE_LINE_MESSAGE, code=ONE_LINE)


def one_line_fields(model) -> list[str]:
    """The attribute names of the model's fields marked one-line (they carry one_line_validator)."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if any(validator is one_line_validator for validator in field.validators)
    ]


def one_line_clean(obj) -> None:
    """Clean the one-line fields of a model instance in place, before a write that skips validation."""
    for attname in one_line_fields(type(obj)):
        value = getattr(obj, attname)
        if isinstance(value, str):
            setattr(obj, attname, one_line(value))


class OneLine:
    """Mixin: a model whose one-line fields are cleaned on every save, whatever path wrote them."""

    def save(self, *args, **kwargs):
        one_line_clean(self)
        return super().save(*args, **kwargs)


class OneLineQuerySet(models.QuerySet):
    """Writes that bypass save() still store one-line fields without control characters."""

    def update(self, **kwargs):
        for attname in one_line_fields(self.model):
            if isinstance(kwargs.get(attname), str):
                kwargs[attname] = one_line(kwargs[attname])
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            one_line_clean(obj)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            one_line_clean(obj)
        return super().bulk_update(objs, fields, *args, **kwargs)


def name_key(name: str) -> str:
    """The normal form: compatibility-composed, case-folded, runs of spaces, "-" and "_" as one space."""
    return _SEPARATORS.sub(" ", unicodedata.normalize("NFKC", name).casefold()).strip()[:NAME_KEY_MAX_CHARS]


class NamedQuerySet(OneLineQuerySet):
    """Writes that bypass save() still keep `name_key` in step with `name` (and names on one line)."""

    def update(self, **kwargs):
        if isinstance(kwargs.get("name"), str):
            kwargs["name"] = one_line(kwargs["name"])
            kwargs["name_key"] = name_key(kwargs["name"])
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            one_line_clean(obj)
            obj.name_key = name_key(obj.name)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if "name" in fields:
            for obj in objs:
                one_line_clean(obj)
                obj.name_key = name_key(obj.name)
            fields = [*fields, "name_key"]
        return super().bulk_update(objs, fields, *args, **kwargs)


def name_key_field() -> models.CharField:
    return models.CharField(max_length=NAME_KEY_MAX_CHARS, editable=False, default="")


def duplicate_name_message(noun: str, scope: str = "") -> str:
    where = f" {scope}" if scope else ""
    return f"A {noun} with this name already exists{where} (names are compared ignoring case, spaces and hyphens)."


def names_deduplicated(rows: list, scope_of) -> list:
    """For a data migration: rename rows whose key repeats in their scope ("Cashier (2)"), oldest kept.

    `rows` have id, name and name_key; returns the rows whose name changed. Nothing is deleted.
    """
    taken: set[tuple] = set()
    renamed = []
    for row in sorted(rows, key=lambda r: r.id):
        row.name_key = name_key(row.name)
        number = 1
        original = row.name
        while (scope_of(row), row.name_key) in taken:
            number += 1
            suffix = f" ({number})"
            row.name = original[: NAME_MAX_CHARS - len(suffix)] + suffix
            row.name_key = name_key(row.name)
        if row.name != original:
            renamed.append(row)
        taken.add((scope_of(row), row.name_key))
    return renamed


DUPLICATE_NAME = "duplicate_name"


class NameKeyed:
    """Mixin for models with `name` and `name_key`: the key follows the name on validation and save."""

    def full_clean(self, *args, **kwargs):
        self.name_key = name_key(self.name or "")
        if self.name and not self.name_key:
            raise ValidationError({"name": "A name needs a letter, digit or sign besides spaces and hyphens."})
        return super().full_clean(*args, **kwargs)

    def validate_constraints(self, exclude=None):
        """A clash of keys is the name's error: shown next to the name, in forms and the API."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            duplicates = [item for item in general if getattr(item, "code", None) == DUPLICATE_NAME]
            if duplicates:
                errors.setdefault("name", []).extend(duplicates)
            rest = [item for item in general if item not in duplicates]
            if rest:
                errors[NON_FIELD_ERRORS] = rest
            raise ValidationError(errors) from None

    def save(self, *args, **kwargs):
        one_line_clean(self)
        self.name_key = name_key(self.name or "")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        return super().save(*args, **kwargs)
