"""Who an executor named in the table is: a user, a member company, a committee or an
organization named as text. The index is built once per import (or plan change)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core.accounts.models import Grant
from tenants.governance.models import Committee, CommitteeMember
from tenants.members.models import Company

from ..models import Executor
from ..table import PERSON_RE

QUOTES = str.maketrans({c: " " for c in "«»\"'“”„()"})
LEGAL_FORMS = {
    "ооо",
    "ао",
    "пао",
    "зао",
    "оао",
    "нп",
    "ано",
    "фгбоу",
    "во",
    "гбу",
    "ип",
    "фгуп",
    "муп",
    "нко",
}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("ё", "е").translate(QUOTES)).strip(" .,")


def _org_key(text: str) -> str:
    words = [w for w in _norm(text).split(" ") if w and w not in LEGAL_FORMS]
    return " ".join(words)


def person_key(text: str) -> str | None:
    """«Шибанов А.Н», «Шибанов А. Н.» and «Шибанов Александр Николаевич» -> «шибанов ан»."""
    words = [w for w in re.split(r"[\s.]+", text.replace("ё", "е").replace("Ё", "Е")) if w]
    if not 2 <= len(words) <= 4 or not words[0][:1].isupper():
        return None
    rest = words[1:]
    if len(rest) == 1 and len(rest[0]) <= 3 and rest[0].isupper():  # «АН» written without dots
        initials = rest[0]
    else:
        initials = "".join(w[0] for w in rest)
    return f"{words[0].lower()} {initials.lower()}"


@dataclass
class ExecutorIndex:
    """Who a name in the «Ответственные исполнители» column can be: built once per import."""

    people: dict[str, tuple[int | None, str]]
    companies: dict[str, tuple[int, str]]
    committees: dict[str, tuple[int, str]]

    @classmethod
    def build(cls, cluster: Any) -> ExecutorIndex:
        people: dict[str, tuple[int | None, str]] = {}
        ambiguous: set[str] = set()

        def add(key: str | None, user_id: int | None, label: str) -> None:
            if not key:
                return
            if key in people and people[key][0] != user_id:
                ambiguous.add(key)
            people[key] = (user_id, label)

        grants = Grant.objects.filter(cluster=cluster).select_related("user") if cluster is not None else []
        for grant in grants:
            if grant.user.full_name:
                add(person_key(grant.user.full_name), grant.user_id, grant.user.full_name)
        for member in CommitteeMember.objects.all().only("user_id", "person_name"):
            key = person_key(member.person_name)
            if key and (key not in people or people[key][0] is None or member.user_id == people[key][0]):
                if member.user_id is not None or key not in people:
                    add(key, member.user_id, member.person_name)
        for key in ambiguous:
            people.pop(key, None)
        companies: dict[str, tuple[int, str]] = {}
        for company in Company.objects.only("id", "short_name", "full_name"):
            for name in (company.short_name, company.full_name):
                if _org_key(name):
                    companies.setdefault(_org_key(name), (company.pk, company.short_name))
        committees = {_org_key(c.name): (c.pk, c.name) for c in Committee.objects.only("id", "name")}
        return cls(people=people, companies=companies, committees=committees)

    def match(self, name: str) -> dict[str, Any]:
        """{name, kind, user_id, company_id, committee_id, matched: label or ""}."""
        found: dict[str, Any] = {
            "name": name,
            "kind": Executor.Kind.ORGANIZATION,
            "user_id": None,
            "company_id": None,
            "committee_id": None,
            "matched": "",
        }
        key = _org_key(name)
        if key in self.committees:
            found.update(
                kind=Executor.Kind.COMMITTEE,
                committee_id=self.committees[key][0],
                matched=self.committees[key][1],
            )
            return found
        if key in self.companies:
            found.update(
                kind=Executor.Kind.COMPANY, company_id=self.companies[key][0], matched=self.companies[key][1]
            )
            return found
        if PERSON_RE.fullmatch(name.strip(" ,")):
            found["kind"] = Executor.Kind.PERSON
            pkey = person_key(name)
            if pkey and pkey in self.people and self.people[pkey][0] is not None:
                found.update(user_id=self.people[pkey][0], matched=self.people[pkey][1])
        return found
