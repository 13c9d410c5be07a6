"""Forms of the governance pages: parse and validate input, nothing more."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.governance.models import (
    AgendaItem,
    BallotVote,
    Body,
    Committee,
    CommitteeMember,
    Decision,
    Majority,
    Meeting,
)
from tenants.governance.services import VoteInput
from tenants.members.models import Company

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class BodyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Вид"), choices=Body.Kind.choices)
    name = forms.CharField(label=_("Наименование"), max_length=200)
    quorum_rule = forms.ChoiceField(
        label=_("Правило кворума"), choices=Body.Quorum.choices, initial=Body.Quorum.MAJORITY
    )
    quorum_fixed_count = forms.IntegerField(
        label=_("Кворум, число участников"),
        min_value=1,
        required=False,
        help_text=_("Только для правила «не менее заданного числа»."),
    )


class OfficerForm(forms.Form):
    title = forms.CharField(
        label=_("Должность"),
        max_length=200,
        help_text=_("Например: председатель совета, исполнительный директор."),
    )
    person_name = forms.CharField(label=_("ФИО"), max_length=200)
    body = forms.ModelChoiceField(label=_("Орган управления"), queryset=Body.objects.all(), required=False)
    company = forms.ModelChoiceField(label=_("Организация"), queryset=Company.objects.all(), required=False)
    term_start = forms.DateField(label=_("Начало полномочий"), widget=forms.DateInput(attrs={"type": "date"}))
    term_end = forms.DateField(
        label=_("Окончание полномочий"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class CommitteeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Вид"), choices=Committee.Kind.choices)
    name = forms.CharField(label=_("Наименование"), max_length=300)
    description = forms.CharField(label=_("Задачи"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    plan = forms.CharField(label=_("План работы"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    is_active = forms.BooleanField(label=_("Действует"), required=False, initial=True)


class CommitteeMemberForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Роль"), choices=CommitteeMember.Role.choices, initial=CommitteeMember.Role.MEMBER
    )
    user_email = forms.EmailField(
        label=_("Учётная запись (e-mail)"),
        required=False,
        help_text=_("Представитель участника или сотрудник кластера; можно не указывать."),
    )
    person_name = forms.CharField(label=_("ФИО"), max_length=200, required=False)
    company = forms.ModelChoiceField(label=_("Организация"), queryset=Company.objects.all(), required=False)


class CommitteeDocumentForm(forms.Form):
    title = forms.CharField(label=_("Название"), max_length=300, required=False)
    file = forms.FileField(label=_("Файл"))


class MeetingForm(forms.Form):
    body = forms.ModelChoiceField(label=_("Орган управления"), queryset=Body.objects.all())
    number = forms.CharField(label=_("Номер протокола"), max_length=30, required=False)
    held_at = forms.DateTimeField(
        label=_("Дата и время"),
        input_formats=[DATETIME_INPUT, "%d.%m.%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
        help_text=_("Время кластера."),
    )
    place = forms.CharField(label=_("Место"), max_length=300, required=False)
    status = forms.ChoiceField(
        label=_("Состояние"), choices=Meeting.Status.choices, initial=Meeting.Status.PLANNED
    )
    form = forms.ChoiceField(
        label=_("Форма проведения"),
        choices=Meeting.Form.choices,
        initial=Meeting.Form.IN_PERSON,
        required=False,
        help_text=_("Заочное и очно-заочное собрание голосует бюллетенями в личном кабинете."),
    )
    chair_name = forms.CharField(label=_("Председательствующий"), max_length=200, required=False)
    secretary_name = forms.CharField(label=_("Секретарь"), max_length=200, required=False)
    counter_name = forms.CharField(label=_("Подсчёт голосов проводит"), max_length=200, required=False)
    notes = forms.CharField(label=_("Примечания"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_form(self) -> str:
        return self.cleaned_data["form"] or Meeting.Form.IN_PERSON


class MeetingCreateForm(MeetingForm):
    agenda = forms.CharField(
        label=_("Повестка дня"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Один вопрос в строке."),
    )

    def clean_agenda(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["agenda"].splitlines() if line.strip()]


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Вопрос повестки"), widget=forms.Textarea(attrs={"rows": 2}))


class AttendanceForm(forms.Form):
    """One checkbox and one name per voting member at the meeting date."""

    def __init__(self, *args: Any, sheet: list[tuple[Company, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        for company, attendance in sheet:
            self.fields[f"present_{company.pk}"] = forms.BooleanField(
                label=str(company), required=False, initial=bool(attendance and attendance.present)
            )
            self.fields[f"rep_{company.pk}"] = forms.CharField(
                label=_("Представитель"),
                max_length=200,
                required=False,
                initial=attendance.representative_name if attendance else "",
            )

    def rows(self) -> list[tuple[Company, forms.BoundField, forms.BoundField]]:
        return [
            (company, self[f"present_{company.pk}"], self[f"rep_{company.pk}"]) for company, _a in self.sheet
        ]

    def cleaned_rows(self) -> list[tuple[Company, bool, str]]:
        return [
            (company, self.cleaned_data[f"present_{company.pk}"], self.cleaned_data[f"rep_{company.pk}"])
            for company, _a in self.sheet
        ]


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Вид решения"), choices=Decision.Kind.choices, initial=Decision.Kind.OTHER
    )
    agenda_item = forms.ModelChoiceField(
        label=_("Вопрос повестки"), queryset=AgendaItem.objects.none(), required=False
    )
    subject_company = forms.ModelChoiceField(
        label=_("Организация (для приёма в члены кластера)"), queryset=Company.objects.all(), required=False
    )
    text = forms.CharField(label=_("Формулировка решения"), widget=forms.Textarea(attrs={"rows": 4}))
    votes_for = forms.IntegerField(label=_("За"), min_value=0, initial=0)
    votes_against = forms.IntegerField(label=_("Против"), min_value=0, initial=0)
    votes_abstained = forms.IntegerField(label=_("Воздержались"), min_value=0, initial=0)

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = AgendaItem.objects.filter(meeting=meeting)  # type: ignore[attr-defined]


# --- voting by ballots ------------------------------------------------------------------


class PublishForm(forms.Form):
    deadline = forms.DateTimeField(
        label=_("Окончание приёма бюллетеней"),
        input_formats=[DATETIME_INPUT, "%d.%m.%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
        help_text=_("Время кластера."),
    )
    record_date = forms.DateField(
        label=_("Дата определения участников с правом голоса"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Не указана — сегодня. Принятые позже этой даты не голосуют."),
    )
    late_notice_reason = forms.CharField(
        label=_("Основание сокращённого срока уведомления"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Нужно, если до собрания осталось меньше срока уведомления органа; попадёт в протокол."),
    )


class BallotForm(forms.Form):
    """For / against / abstain per decision of the meeting."""

    def __init__(
        self, *args: Any, decisions: list[Decision], current: dict[int, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.decisions = decisions
        for decision in decisions:
            self.fields[f"decision_{decision.pk}"] = forms.ChoiceField(
                label=f"{decision.number}. {decision.text}",
                choices=BallotVote.Choice.choices,
                widget=forms.RadioSelect,
                initial=(current or {}).get(decision.pk),
                error_messages={"required": _("Выберите «за», «против» или «воздержался».")},
            )

    def rows(self) -> list[tuple[Decision, forms.BoundField]]:
        return [(decision, self[f"decision_{decision.pk}"]) for decision in self.decisions]

    def votes(self) -> list[VoteInput]:
        return [
            VoteInput(decision=decision.pk, choice=self.cleaned_data[f"decision_{decision.pk}"])
            for decision in self.decisions
        ]


class PaperBallotForm(BallotForm):
    """A paper ballot received by post: the company, who signed it, the scan, the votes."""

    def __init__(self, *args: Any, companies: list[Company], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        head = {
            "company": forms.TypedChoiceField(
                label=_("Организация"), coerce=int, choices=[("", "—"), *[(c.pk, str(c)) for c in companies]]
            ),
            "representative_name": forms.CharField(label=_("Подписал (ФИО, должность)"), max_length=200),
            "scan": forms.FileField(label=_("Скан бюллетеня")),
        }
        self.fields = {**head, **self.fields}


class ProxyForm(forms.Form):
    grantor = forms.TypedChoiceField(label=_("Доверитель (организация, за которую голосуют)"), coerce=int)
    holder = forms.TypedChoiceField(label=_("Представитель по доверенности (ваша организация)"), coerce=int)
    valid_from = forms.DateField(label=_("Действует с"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Действует по"), widget=forms.DateInput(attrs={"type": "date"}))
    file = forms.FileField(label=_("Скан доверенности"), help_text=_("PDF или изображение, до 10 МБ."))

    def __init__(self, *args: Any, grantors: list[Company], holders: list[Company], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grantor"].choices = [("", "—"), *[(c.pk, str(c)) for c in grantors]]  # type: ignore[attr-defined]
        self.fields["holder"].choices = [(c.pk, str(c)) for c in holders]  # type: ignore[attr-defined]


class ProxyRejectForm(forms.Form):
    reason = forms.CharField(label=_("Причина отклонения"), widget=forms.Textarea(attrs={"rows": 2}))


class DecisionDraftForm(forms.Form):
    """A decision put to the vote by ballots: its results come from the ballots."""

    kind = forms.ChoiceField(
        label=_("Вид решения"), choices=Decision.Kind.choices, initial=Decision.Kind.OTHER
    )
    agenda_item = forms.ModelChoiceField(
        label=_("Вопрос повестки"), queryset=AgendaItem.objects.none(), required=False
    )
    subject_company = forms.ModelChoiceField(
        label=_("Организация (для приёма в члены кластера)"), queryset=Company.objects.all(), required=False
    )
    text = forms.CharField(label=_("Формулировка решения"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = AgendaItem.objects.filter(meeting=meeting)  # type: ignore[attr-defined]


class BodyVotingRulesForm(forms.Form):
    """The charter's voting rules of a body: notice, weights, abstentions, a majority per kind
    of decision (fields `majority_<kind>`). The ranges are the service's to check."""

    notice_days = forms.IntegerField(
        label=_("Срок уведомления о собрании, дней"),
        help_text=_("Не позднее чем за столько дней до окончания голосования рассылается уведомление."),
    )
    vote_weights = forms.ChoiceField(label=_("Кто голосует"), choices=Body.VoteWeights.choices)
    abstentions_counted = forms.BooleanField(
        label=_("Воздержавшиеся учитываются среди поданных голосов"), required=False
    )

    def __init__(self, *args: Any, majorities: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in Decision.Kind.choices:
            self.fields[f"majority_{kind}"] = forms.ChoiceField(
                label=_("Большинство: %(kind)s") % {"kind": label},
                choices=Majority.choices,
                initial=majorities.get(kind, Majority.SIMPLE_OF_CAST),
            )

    def majorities(self) -> dict[str, str]:
        return {kind: self.cleaned_data[f"majority_{kind}"] for kind in Decision.Kind.values}


class MeetingMaterialForm(forms.Form):
    title = forms.CharField(
        label=_("Название"),
        max_length=300,
        required=False,
        help_text=_("Не указано — имя файла."),
    )
    file = forms.FileField(label=_("Файл"))
