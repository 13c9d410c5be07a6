"""Quorum and adoption rules of meetings (pure functions; the selectors feed them the counts).

Quorum: counted over the member companies that were voting members (admitted or active)
just before the meeting began; present = how many of them were marked present.

- majority (default): more than half of them, i.e. at least total // 2 + 1;
- two thirds: at least two thirds, i.e. at least ceil(2 * total / 3);
- fixed: at least the body's fixed count.

Nobody present is never a quorum.

Adoption: a decision is adopted iff the meeting has its quorum and the votes «for» are more
than half of the members present (votes_for * 2 > present). Abstaining or not voting
therefore counts against adoption, as in most cluster statutes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Body, Majority


def quorum_required(*, rule: str, total: int, fixed_count: int | None = None) -> int:
    """The smallest number of present voting members that makes a quorum."""
    if rule == Body.Quorum.TWO_THIRDS:
        return (2 * total + 2) // 3
    if rule == Body.Quorum.FIXED:
        return fixed_count or 0
    return total // 2 + 1


@dataclass(frozen=True)
class Quorum:
    rule: str
    total: int  # voting members at the meeting date
    present: int  # of them, marked present
    required: int

    @property
    def reached(self) -> bool:
        return self.present > 0 and self.present >= self.required

    @property
    def label(self) -> str:
        """«Кворум есть: 14 из 25» / «Кворума нет: 10 из 25, нужно не менее 13»."""
        if self.reached:
            return _("Кворум есть: %(present)s из %(total)s") % {"present": self.present, "total": self.total}
        return _("Кворума нет: %(present)s из %(total)s, нужно не менее %(required)s") % {
            "present": self.present,
            "total": self.total,
            "required": max(self.required, 1),
        }


def quorum_for(*, body: Body, total: int, present: int) -> Quorum:
    required = quorum_required(rule=body.quorum_rule, total=total, fixed_count=body.quorum_fixed_count)
    return Quorum(rule=body.quorum_rule, total=total, present=present, required=required)


def is_adopted(*, quorum: Quorum, votes_for: int) -> bool:
    """Adopted iff quorum is present and «for» is more than half of the members present."""
    return quorum.reached and votes_for * 2 > quorum.present


# Shown next to decisions in the UI and the API description.
ADOPTION_RULE = gettext_lazy(
    "Решение принято, если есть кворум и «за» проголосовало более половины присутствующих участников."
)


# --- voting by ballots ----------------------------------------------------------------------

MAJORITY_RULES_TEXT = {
    Majority.SIMPLE_OF_CAST: gettext_lazy("«за» более половины поданных голосов"),
    Majority.SIMPLE_OF_ALL: gettext_lazy("«за» более половины голосов всех участников с правом голоса"),
    Majority.TWO_THIRDS: gettext_lazy("«за» не менее двух третей поданных голосов"),
    Majority.THREE_QUARTERS: gettext_lazy("«за» не менее трёх четвертей поданных голосов"),
    Majority.UNANIMOUS: gettext_lazy("все поданные голоса «за»"),
}


def votes_cast(*, votes_for: int, votes_against: int, votes_abstained: int, abstentions_counted: bool) -> int:
    """The votes cast a majority is measured against (abstentions only if the body counts them)."""
    return votes_for + votes_against + (votes_abstained if abstentions_counted else 0)


def majority_reached(
    *,
    rule: str,
    votes_for: int,
    votes_against: int,
    votes_abstained: int,
    abstentions_counted: bool,
    all_votes: int,
) -> bool:
    """Whether «for» reaches the rule's majority (the quorum is checked by the caller).

    Votes are weighted already (one per company by default); `all_votes` is the weight of
    every voting member, used by «simple majority of all voters».
    """
    cast = votes_cast(
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstained=votes_abstained,
        abstentions_counted=abstentions_counted,
    )
    if rule == Majority.SIMPLE_OF_ALL:
        return votes_for * 2 > all_votes
    if cast == 0:
        return False
    if rule == Majority.TWO_THIRDS:
        return votes_for * 3 >= cast * 2
    if rule == Majority.THREE_QUARTERS:
        return votes_for * 4 >= cast * 3
    if rule == Majority.UNANIMOUS:
        return votes_for == cast
    return votes_for * 2 > cast
