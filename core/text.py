"""Text that people type: control characters (U+0000–U+001F except tab, line feed and carriage
return) are refused at input by one validator (`control_characters_refuse`, used by the API's
parsers and serializers' fields and by the UI's forms) and dropped from generated documents
(`printable`), because XML-based files (XLSX, DOCX) cannot hold them and PostgreSQL refuses NUL.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
CONTROL_CHARACTERS_MESSAGE = _("Текст содержит управляющие (непечатаемые) символы; уберите их.")
# The 400 page for a form body holding them (clusterhub.request_checks).
CONTROL_CHARACTERS_TITLE = _("Недопустимые символы")
CONTROL_CHARACTERS_FIELD_MESSAGE = _(
    "Недопустимые символы в поле «%(field)s»: управляющие (непечатаемые) символы. "
    "Уберите их и отправьте форму ещё раз."
)


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def control_characters_refuse(value: Any) -> None:
    """A validator for any text field (Django forms and models, DRF serializers)."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")


def printable(text: str) -> str:
    """The text without control characters, for files whose format cannot hold them."""
    return CONTROL_CHARACTERS.sub("", text)
