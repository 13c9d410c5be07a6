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


def _cluster_folder() -> str:
    return getattr(connection, "schema_name", "public")  # django-tenants' wrapper


def _safe_name(filename: str) -> str:
    return get_valid_filename(PurePath(filename).name)[-120:] or "file"


def meeting_material_path(instance: MeetingMaterial, filename: str) -> str:
    return f"clusters/{_cluster_folder()}/meetings/{instance.meeting_id}/{uuid.uuid4().hex}/{_safe_name(filename)}"


def proxy_file_path(instance: Proxy, filename: str) -> str:
    return f"clusters/{_cluster_folder()}/proxies/{instance.grantor_id}/{uuid.uuid4().hex}/{_safe_name(filename)}"


def ballot_scan_path(instance: Ballot, filename: str) -> str:
    return f"clusters/{_cluster_folder()}/ballots/{instance.meeting_id}/{uuid.uuid4().hex}/{_safe_name(filename)}"


class Majority(models.TextChoices):
    """How many votes «for» adopt a decision (set per body and decision kind)."""

    SIMPLE_OF_CAST = "simple_of_cast", _("Простое большинство поданных голосов")
    SIMPLE_OF_ALL = "simple_of_all", _("Простое большинство от всех участников с правом голоса")
    TWO_THIRDS = "two_thirds", _("Квалифицированное большинство: не менее двух третей поданных голосов")
    THREE_QUARTERS = (
        "three_quarters",
        _("Квалифицированное большинство: не менее трёх четвертей поданных голосов"),
    )
    UNANIMOUS = "unanimous", _("Единогласно")


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
    quorum_rule = models.CharField(
        _("правило кворума"), max_length=20, choices=Quorum.choices, default=Quorum.MAJORITY
    )
    quorum_fixed_count = models.PositiveIntegerField(_("кворум, число участников"), null=True, blank=True)

    class VoteWeights(models.TextChoices):
        ONE_PER_COMPANY = "one_per_company", _("Один голос у каждой организации-участника")
        FEE_TIER = "fee_tier", _("По ступени членского взноса")

    # Voting rules of the charter: how long before a meeting the notice goes out, how votes
    # are weighted, whether abstentions count as votes cast. Majorities: MajorityRule rows.
    notice_days = models.PositiveSmallIntegerField(_("срок уведомления о собрании, дней"), default=10)
    vote_weights = models.CharField(
        _("вес голосов"), max_length=20, choices=VoteWeights.choices, default=VoteWeights.ONE_PER_COMPANY
    )
    abstentions_counted = models.BooleanField(
        _("воздержавшиеся учитываются среди поданных голосов"), default=True
    )

    class Meta:
        verbose_name = _("орган управления")
        verbose_name_plural = _("органы управления")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(quorum_rule="fixed")
                | models.Q(quorum_fixed_count__isnull=False, quorum_fixed_count__gt=0),
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
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    company = models.ForeignKey(
        "members.Company", on_delete=models.SET_NULL, null=True, blank=True, related_name="officers"
    )
    term_start = models.DateField(_("начало полномочий"))
    term_end = models.DateField(_("окончание полномочий"), null=True, blank=True)

    class Meta:
        verbose_name = _("должностное лицо")
        verbose_name_plural = _("должностные лица")
        ordering = ["-term_start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_end__isnull=True) | models.Q(term_end__gte=models.F("term_start")),
                name="officer_term_ordered",
                violation_error_message=_("Окончание полномочий раньше их начала."),
            ),
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
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    person_name = models.CharField(_("ФИО"), max_length=200)
    company = models.ForeignKey(
        "members.Company", on_delete=models.SET_NULL, null=True, blank=True, related_name="committee_seats"
    )

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
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    uploaded_at = models.DateTimeField(_("загружен"), auto_now_add=True)

    class Meta:
        verbose_name = _("документ комитета")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title


class MajorityRule(models.Model):
    """The majority a body needs for one kind of decision (missing: simple majority of votes cast)."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="majority_rules")
    decision_kind = models.CharField(_("вид решения"), max_length=30)
    rule = models.CharField(
        _("большинство"), max_length=20, choices=Majority.choices, default=Majority.SIMPLE_OF_CAST
    )

    class Meta:
        verbose_name = _("правило большинства")
        verbose_name_plural = _("правила большинства")
        ordering = ["body", "decision_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "decision_kind"],
                name="majority_rule_unique_per_kind",
                violation_error_message=_("Для этого вида решений правило уже задано."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body_id}: {self.decision_kind} → {self.rule}"


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Запланировано")
        HELD = "held", _("Проведено")
        CANCELLED = "cancelled", _("Отменено")

    class Form(models.TextChoices):
        IN_PERSON = "in_person", _("Совместное присутствие")
        ABSENTEE = "absentee", _("Заочное голосование")
        MIXED = "mixed", _("Очно-заочная форма")

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
    # Voting by ballots (absentee and mixed meetings): the notice, the deadline, the close.
    form = models.CharField(
        _("форма проведения"), max_length=20, choices=Form.choices, default=Form.IN_PERSON
    )
    published_at = models.DateTimeField(_("уведомление разослано"), null=True, blank=True)
    deadline = models.DateTimeField(_("окончание приёма бюллетеней"), null=True, blank=True)
    record_date = models.DateField(_("дата определения участников с правом голоса"), null=True, blank=True)
    late_notice_reason = models.TextField(_("основание сокращённого срока уведомления"), blank=True)
    counter_name = models.CharField(_("подсчёт голосов провёл"), max_length=200, blank=True)
    voting_closed_at = models.DateTimeField(_("голосование завершено"), null=True, blank=True)

    class Meta:
        verbose_name = _("заседание")
        verbose_name_plural = _("заседания")
        ordering = ["-held_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "number"],
                condition=~models.Q(number=""),
                name="meeting_number_unique_per_body",
                violation_error_message=_("У этого органа уже есть заседание с таким номером протокола."),
            ),
            models.CheckConstraint(
                condition=models.Q(voting_closed_at__isnull=True) | models.Q(published_at__isnull=False),
                name="meeting_closed_only_if_published",
                violation_error_message=_("Голосование не открывалось."),
            ),
        ]

    def __str__(self) -> str:
        number = f" № {self.number}" if self.number else ""
        return f"{self.body}{number}: {timezone.localtime(self.held_at):%d.%m.%Y}"

    @property
    def by_ballots(self) -> bool:
        """Absentee and mixed meetings vote by ballots."""
        return self.form in (self.Form.ABSENTEE, self.Form.MIXED)

    @property
    def voting_status(self) -> str:
        """draft (not published) / open / closed."""
        if self.voting_closed_at is not None:
            return "closed"
        return "open" if self.published_at is not None else "draft"


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
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    number = models.PositiveSmallIntegerField(_("№"))
    kind = models.CharField(_("вид"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    text = models.TextField(_("формулировка решения"))
    subject_company = models.ForeignKey(
        "members.Company", on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    votes_for = models.PositiveIntegerField(_("за"), default=0)
    votes_against = models.PositiveIntegerField(_("против"), default=0)
    votes_abstained = models.PositiveIntegerField(_("воздержались"), default=0)
    adopted = models.BooleanField(_("принято"), default=False)
    # Frozen when voting by ballots closes: the majority applied and whether abstentions counted.
    majority_rule = models.CharField(_("большинство"), max_length=20, choices=Majority.choices, blank=True)
    abstentions_counted = models.BooleanField(_("воздержавшиеся учитывались"), null=True, blank=True)

    class Meta:
        verbose_name = _("решение")
        verbose_name_plural = _("решения")
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="decision_number_unique"),
            models.CheckConstraint(
                condition=~models.Q(kind="admit_member") | models.Q(subject_company__isnull=False),
                name="admission_names_company",
                violation_error_message=_("В решении о приёме укажите организацию."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"


class MeetingMaterial(models.Model):
    """A document sent with the notice (draft regulation, roadmap, financial report …)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("название"), max_length=300)
    file = models.FileField(_("файл"), upload_to=meeting_material_path, max_length=300)
    original_name = models.CharField(_("имя файла"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("размер, байт"), default=0)
    uploaded_at = models.DateTimeField(_("загружен"), auto_now_add=True)

    class Meta:
        verbose_name = _("материал к собранию")
        verbose_name_plural = _("материалы к собранию")
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.title


class Proxy(models.Model):
    """A power of attorney (доверенность): the holder company's representatives vote for the grantor."""

    class Status(models.TextChoices):
        PENDING = "pending", _("На проверке")
        APPROVED = "approved", _("Подтверждена")
        REJECTED = "rejected", _("Отклонена")

    grantor = models.ForeignKey(
        "members.Company",
        on_delete=models.PROTECT,
        related_name="proxies_given",
        verbose_name=_("доверитель"),
    )
    holder = models.ForeignKey(
        "members.Company",
        on_delete=models.PROTECT,
        related_name="proxies_held",
        verbose_name=_("представитель по доверенности"),
    )
    file = models.FileField(_("скан доверенности"), upload_to=proxy_file_path, max_length=300)
    original_name = models.CharField(_("имя файла"), max_length=200, blank=True)
    valid_from = models.DateField(_("действует с"))
    valid_until = models.DateField(_("действует по"))
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.PENDING)
    review_note = models.TextField(_("причина отклонения"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    reviewed_at = models.DateTimeField(_("проверена"), null=True, blank=True)
    created_at = models.DateTimeField(_("загружена"), auto_now_add=True)

    class Meta:
        verbose_name = _("доверенность")
        verbose_name_plural = _("доверенности")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(grantor=models.F("holder")),
                name="proxy_not_to_itself",
                violation_error_message=_("Организация не может выдать доверенность самой себе."),
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="proxy_dates_ordered",
                violation_error_message=_("Окончание действия доверенности раньше его начала."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grantor_id} → {self.holder_id}"


class Ballot(models.Model):
    """The one ballot of a member company at a meeting voting by ballots; the last cast counts."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="ballots")
    company = models.ForeignKey("members.Company", on_delete=models.PROTECT, related_name="ballots")
    weight = models.PositiveIntegerField(_("число голосов"), default=1)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    representative_name = models.CharField(_("представитель"), max_length=200, blank=True)
    proxy = models.ForeignKey(
        Proxy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ballots",
        verbose_name=_("доверенность"),
    )
    paper = models.BooleanField(_("бумажный бюллетень"), default=False)
    scan = models.FileField(_("скан бюллетеня"), upload_to=ballot_scan_path, max_length=300, blank=True)
    cast_at = models.DateTimeField(_("подан"))
    created_at = models.DateTimeField(_("впервые подан"), auto_now_add=True)

    # Set by the cast services (not stored): True when this cast replaced earlier votes.
    replaced: bool = False

    class Meta:
        verbose_name = _("бюллетень")
        verbose_name_plural = _("бюллетени")
        ordering = ["meeting", "company_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "company"],
                name="ballot_one_per_company",
                violation_error_message=_("У этой организации уже есть бюллетень."),
            ),
            models.CheckConstraint(condition=models.Q(weight__gte=1), name="ballot_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.company_id}"


class BallotVote(models.Model):
    class Choice(models.TextChoices):
        FOR = "for", _("За")
        AGAINST = "against", _("Против")
        ABSTAIN = "abstain", _("Воздержался")

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="ballot_votes")
    choice = models.CharField(_("голос"), max_length=10, choices=Choice.choices)

    class Meta:
        verbose_name = _("голос")
        ordering = ["ballot", "decision__number"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "decision"], name="ballot_vote_one_per_decision"),
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id}/{self.decision_id}: {self.choice}"


class BallotChange(models.Model):
    """The history of a ballot: every cast, with who cast it and the votes as cast."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(_("когда"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    representative_name = models.CharField(_("представитель"), max_length=200, blank=True)
    proxy = models.ForeignKey(Proxy, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    paper = models.BooleanField(_("бумажный бюллетень"), default=False)
    votes = models.JSONField(_("голоса"), default=dict)  # {"<decision id>": "for" | "against" | "abstain"}

    class Meta:
        verbose_name = _("изменение бюллетеня")
        ordering = ["ballot", "at", "id"]

    def __str__(self) -> str:
        return f"{self.ballot_id} @ {self.at:%Y-%m-%d %H:%M:%S}"
