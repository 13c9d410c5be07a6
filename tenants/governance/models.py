"""Governing bodies, officers, committees, meetings and decisions (tenant schema)."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _


def committee_document_path(instance: CommitteeDocument, filename: str) -> str:
    """Files of a cluster live under MEDIA_ROOT/clusters/<schema>/: never shared, never guessed."""
    name = get_valid_filename(PurePath(filename).name)[-120:] or "file"
    schema = getattr(connection, "schema_name", "public")  # django-tenants' wrapper
    return f"clusters/{schema}/committees/{instance.committee_id}/{uuid.uuid4().hex}/{name}"


class Body(models.Model):
    """A governing body: general meeting, council, supervisory board, presidium."""

    class Kind(models.TextChoices):
        GENERAL_MEETING = "general_meeting", _("Общее собрание")
        COUNCIL = "council", _("Совет")
        SUPERVISORY_BOARD = "supervisory_board", _("Наблюдательный совет")
        PRESIDIUM = "presidium", _("Президиум")

    class Quorum(models.TextChoices):
        MAJORITY = "majority", _("Более половины действующих участников")
        TWO_THIRDS = "two_thirds", _("Не менее двух третей действующих участников")
        FIXED = "fixed", _("Не менее заданного числа участников")

    kind = models.CharField(_("вид"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("наименование"), max_length=200)
    quorum_rule = models.CharField(_("правило кворума"), max_length=20, choices=Quorum.choices,
                                   default=Quorum.MAJORITY)
    quorum_fixed_count = models.PositiveIntegerField(_("кворум, число участников"), null=True, blank=True)

    class Meta:
        verbose_name = _("орган управления")
        verbose_name_plural = _("органы управления")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(quorum_rule="fixed") | models.Q(quorum_fixed_count__isnull=False,
                                                                              quorum_fixed_count__gt=0),
                name="body_fixed_quorum_has_count",
                violation_error_message=_("Для кворума «не менее заданного числа» укажите число."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Officer(models.Model):
    """A post held for a term: council chair, executive director, …"""

    title = models.CharField(_("должность"), max_length=200)
    body = models.ForeignKey(Body, on_delete=models.SET_NULL, null=True, blank=True, related_name="officers")
    person_name = models.CharField(_("ФИО"), max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, blank=True,
                             related_name="+", db_constraint=False)
    company = models.ForeignKey("members.Company", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="officers")
    term_start = models.DateField(_("начало полномочий"))
    term_end = models.DateField(_("окончание полномочий"), null=True, blank=True)

    class Meta:
        verbose_name = _("должностное лицо")
        verbose_name_plural = _("должностные лица")
        ordering = ["-term_start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(term_end__isnull=True) | models.Q(term_end__gte=models.F("term_start")),
                                   name="officer_term_ordered",
                                   violation_error_message=_("Окончание полномочий раньше их начала.")),
        ]

    def __str__(self) -> str:
        return f"{self.title}: {self.person_name}"


class Committee(models.Model):
    """A committee or working group (quality, HR, marketing & state support, …)."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Комитет")
        WORKING_GROUP = "working_group", _("Рабочая группа")

    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices, default=Kind.COMMITTEE)
    name = models.CharField(_("наименование"), max_length=300)
    description = models.TextField(_("задачи"), blank=True)
    plan = models.TextField(_("план работы"), blank=True)
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        verbose_name = _("комитет или рабочая группа")
        verbose_name_plural = _("комитеты и рабочие группы")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CommitteeMember(models.Model):
    """A person in a committee: a representative or staff account, or a name as written."""

    class Role(models.TextChoices):
        HEAD = "head", _("Руководитель")
        MEMBER = "member", _("Участник")

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="people")
    role = models.CharField(_("роль"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, blank=True,
                             related_name="+", db_constraint=False)
    person_name = models.CharField(_("ФИО"), max_length=200)
    company = models.ForeignKey("members.Company", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="committee_seats")

    class Meta:
        verbose_name = _("член комитета")
        ordering = ["role", "person_name"]

    def __str__(self) -> str:
        return self.person_name


class CommitteeDocument(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("название"), max_length=300)
    file = models.FileField(_("файл"), upload_to=committee_document_path, max_length=300)
    original_name = models.CharField(_("имя файла"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("размер, байт"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, blank=True,
                                    related_name="+", db_constraint=False)
    uploaded_at = models.DateTimeField(_("загружен"), auto_now_add=True)

    class Meta:
        verbose_name = _("документ комитета")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Запланировано")
        HELD = "held", _("Проведено")
        CANCELLED = "cancelled", _("Отменено")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    number = models.CharField(_("номер протокола"), max_length=30, blank=True)
    held_at = models.DateTimeField(_("дата и время"))
    place = models.CharField(_("место"), max_length=300, blank=True)
    status = models.CharField(_("состояние"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    chair_name = models.CharField(_("председательствующий"), max_length=200, blank=True)
    secretary_name = models.CharField(_("секретарь"), max_length=200, blank=True)
    notes = models.TextField(_("примечания"), blank=True)
    # The quorum as it stood when the first decisions were recorded (later changes of the
    # body's rule or of the membership history do not rewrite a held meeting).
    quorum_total = models.PositiveIntegerField(_("участников с правом голоса"), null=True, blank=True)
    quorum_present = models.PositiveIntegerField(_("присутствовало участников"), null=True, blank=True)
    quorum_required = models.PositiveIntegerField(_("требовалось для кворума"), null=True, blank=True)

    class Meta:
        verbose_name = _("заседание")
        verbose_name_plural = _("заседания")
        ordering = ["-held_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["body", "number"], condition=~models.Q(number=""),
                                    name="meeting_number_unique_per_body",
                                    violation_error_message=_("У этого органа уже есть заседание с таким номером протокола.")),
        ]

    def __str__(self) -> str:
        number = f" № {self.number}" if self.number else ""
        return f"{self.body}{number}: {timezone.localtime(self.held_at):%d.%m.%Y}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    number = models.PositiveSmallIntegerField(_("№"))
    title = models.TextField(_("вопрос повестки"))

    class Meta:
        verbose_name = _("вопрос повестки")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="agenda_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title[:60]}"


class Attendance(models.Model):
    """Whether a member company was present (and who represented it)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    company = models.ForeignKey("members.Company", on_delete=models.PROTECT, related_name="attendance")
    present = models.BooleanField(_("присутствовал"), default=True)
    representative_name = models.CharField(_("представитель"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("участие в заседании")
        constraints = [models.UniqueConstraint(fields=["meeting", "company"], name="attendance_unique")]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.company_id}"


class Decision(models.Model):
    """A decision put to the vote. Admitting a member, approving a roadmap and setting fees
    are decisions; their effect is applied by the services of the app concerned."""

    class Kind(models.TextChoices):
        ADMIT_MEMBER = "admit_member", _("Приём в члены кластера")
        APPROVE_ROADMAP = "approve_roadmap", _("Утверждение дорожной карты")
        SET_FEES = "set_fees", _("Установление взносов")
        OTHER = "other", _("Иное решение")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="decisions")
    number = models.PositiveSmallIntegerField(_("№"))
    kind = models.CharField(_("вид"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    text = models.TextField(_("формулировка решения"))
    subject_company = models.ForeignKey("members.Company", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="decisions")
    votes_for = models.PositiveIntegerField(_("за"), default=0)
    votes_against = models.PositiveIntegerField(_("против"), default=0)
    votes_abstained = models.PositiveIntegerField(_("воздержались"), default=0)
    adopted = models.BooleanField(_("принято"), default=False)

    class Meta:
        verbose_name = _("решение")
        verbose_name_plural = _("решения")
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="decision_number_unique"),
            models.CheckConstraint(condition=~models.Q(kind="admit_member") | models.Q(subject_company__isnull=False),
                                   name="admission_names_company",
                                   violation_error_message=_("В решении о приёме укажите организацию.")),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"
