"""Internal strings in a rendered page: what a person should never read in the UI.

`internal_strings(html)` looks at the page's visible text only (not tags, attributes, scripts,
styles, nor code samples) and returns what it found:

- raw model field names (snake_case names of the project's model fields: `amount_kopecks`);
- object types and `app.model #id` references (`billing.payment #75`, `members.company`);
- raw region codes (`RU-MOS`) instead of the region's name;
- raw time-zone names (`Europe/Moscow`) instead of «Москва (UTC+3)».

The Django test-client sweep (tests/ui/test_human_text.py) and the Chromium crawl both call it.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

from django.apps import apps

# Elements whose text a person does not read as prose (code samples, user-typed text, scripts).
SKIPPED = {"script", "style", "code", "pre", "kbd", "samp", "textarea", "template", "noscript"}
# Inline elements join their text to the neighbours'; any other tag separates words.
INLINE = {"a", "b", "strong", "em", "i", "span", "small", "abbr", "time", "sup", "sub", "mark", "q", "s", "u"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SNAKE = re.compile(r"(?<![\w.@/-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@/-])")
OBJECT_REF = re.compile(r"\b[a-z_]+\.[a-z_]+ ?#\d+")
DOTTED = re.compile(r"(?<![\w.@/-])[a-z_]+\.[a-z_]+(?![\w@/.-])")
REGION_CODE = re.compile(r"\bRU-[A-Z]{2,3}\b")
TZ_NAME = re.compile(
    r"\b(?:Europe|Asia|America|Africa|Australia|Pacific|Atlantic|Indian|Antarctica|Etc)/[A-Za-z_+\-]+"
)


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in INLINE:
            self.chunks.append(" ")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in INLINE:
            self.chunks.append(" ")
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not SKIPPED & set(self.stack):
            self.chunks.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return re.sub(r"[ \t\n\r\f\v]+", " ", "".join(parser.chunks)).strip()  # keeps no-break spaces


@functools.cache
def field_names() -> frozenset[str]:
    """snake_case names of every model field of the project (and their `_id` columns)."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for name in (field.name, getattr(field, "attname", "")):
                if name and "_" in name.strip("_"):
                    names.add(name)
    return frozenset(names)


@functools.cache
def model_labels() -> frozenset[str]:
    return frozenset(model._meta.label_lower for model in apps.get_models())


def internal_strings(html: str) -> list[str]:
    """What the visible text of `html` shows that only a developer should read."""
    text = visible_text(html)
    found: list[str] = []
    found += [m.group(0) for m in OBJECT_REF.finditer(text)]
    text = OBJECT_REF.sub(" ", text)
    found += [m.group(0) for m in DOTTED.finditer(text) if m.group(0) in model_labels()]
    found += [m.group(0) for m in SNAKE.finditer(text) if m.group(0) in field_names()]
    found += [m.group(0) for m in REGION_CODE.finditer(text)]
    found += [m.group(0) for m in TZ_NAME.finditer(text)]
    return list(dict.fromkeys(found))
