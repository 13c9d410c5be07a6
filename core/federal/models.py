"""Federal reporting in the public schema: report forms, submitted annual reports (immutable
snapshots), their facts for dashboards, registry checks and live per-cluster metrics.

Every row that belongs to a cluster carries it and is filtered by it. Writes go through
core.federal.services (reports, forms) and the warehouse tasks (snapshots, live checks).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportForm(models.Model):
    """The list of indicators a cluster reports for one year. Versioned: a published form is
    never edited; the platform admin copies it, edits the copy and publishes that instead."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Черновик")
        PUBLISHED = "published", _("Опубликована")
        RETIRED = "retired", _("Заменена")

    year = models.PositiveSmallIntegerField(_("год отчёта"))
    version = models.PositiveSmallIntegerField(_("версия формы"), default=1)
    status = models.CharField(_("состояние"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(_("название"), max_length=300, blank=True)
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("скопирована из"),
    )
    published_at = models.DateTimeField(_("опубликована"), null=True, blank=True)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    class Meta:
        verbose_name = _("форма годового отчёта")
        verbose_name_plural = _("формы годового отчёта")
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "version"],
                name="report_form_year_version_unique",
                violation_error_message=_("Форма с такой версией за этот год уже есть."),
            ),
            models.UniqueConstraint(
                fields=["year"],
                condition=models.Q(status="published"),
                name="report_form_one_published_per_year",
                violation_error_message=_("За этот год уже опубликована форма."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="report_form_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} v{self.version}"


class Indicator(models.Model):
    """One line of a form: what is reported, in which unit, and how the value is obtained.

    `method` and `source` say where the value comes from (see core.federal.compute.SOURCES):
    sum_kpi — sum of a field of accepted member KPIs (source: the KpiReport field);
    count — a count of cluster data (source: e.g. members_total, contracts_joint_project);
    ratio — "numerator/denominator" of two sources, in percent;
    computed — a figure with its own rule (source: e.g. dues_collection_rate);
    entered — typed in by the cluster (source empty).
    """

    class ValueType(models.TextChoices):
        INTEGER = "integer", _("Целое число")
        MONEY = "money_kopecks", _("Сумма в рублях")
        PERCENT = "percent", _("Процент")
        DECIMAL = "decimal", _("Дробное число")
        TEXT = "text", _("Текст")

    class Method(models.TextChoices):
        SUM_KPI = "sum_kpi", _("Сумма показателей участников")
        COUNT = "count", _("Количество")
        RATIO = "ratio", _("Отношение")
        ENTERED = "entered", _("Вводится кластером")
        COMPUTED = "computed", _("Вычисляется по правилу")

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("код"), max_length=60)
    name_ru = models.CharField(_("название (рус.)"), max_length=300)
    name_en = models.CharField(_("название (англ.)"), max_length=300, blank=True)
    unit = models.CharField(_("единица измерения"), max_length=30, blank=True)
    value_type = models.CharField(
        _("тип значения"), max_length=20, choices=ValueType.choices, default=ValueType.INTEGER
    )
    method = models.CharField(
        _("способ получения"), max_length=20, choices=Method.choices, default=Method.ENTERED
    )
    source = models.CharField(_("источник"), max_length=120, blank=True)
    required = models.BooleanField(_("обязательный"), default=False)
    hint = models.TextField(_("пояснение"), blank=True)
    position = models.PositiveIntegerField(_("порядок"), default=0)

    class Meta:
        verbose_name = _("показатель формы")
        verbose_name_plural = _("показатели формы")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "code"],
                name="indicator_code_unique_in_form",
                violation_error_message=_("Показатель с таким кодом в форме уже есть."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name_ru}"

    @property
    def is_numeric(self) -> bool:
        return self.value_type != self.ValueType.TEXT


class AnnualReport(models.Model):
    """A submitted annual report: an immutable snapshot. A correction is a new version.

    Only `is_latest` may change, and only from true to false, when a newer version arrives:
    a database trigger (migration 0002) rejects any other UPDATE.
    """

    cluster = models.ForeignKey("tenants.Cluster", on_delete=models.PROTECT, related_name="annual_reports")
    year = models.PositiveSmallIntegerField(_("год"))
    version = models.PositiveSmallIntegerField(_("версия"))
    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="reports")
    # {code: {"value": int|str|None, "display": str, "method": str, "value_type": str, "unit": str,
    #         "name_ru": str, "comment": str, "numerator": ..., "denominator": ...}}
    values = models.JSONField(_("значения"), default=dict)
    # {code: [{"label": str, "value": ..., "display": str, ...}, ...]}: rows behind each figure.
    details = models.JSONField(_("расшифровка"), default=dict, blank=True)
    # [{"code", "status", "reason", "companies": [...], "data": {...}}]
    checks = models.JSONField(_("проверки реестра"), default=list, blank=True)
    comments = models.TextField(_("комментарий"), blank=True)
    correction_reason = models.TextField(_("причина исправления"), blank=True)
    submitted_at = models.DateTimeField(_("отправлен"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    submitted_by_email = models.CharField(_("отправил"), max_length=254, blank=True)
    is_demo = models.BooleanField(_("демо-данные"), default=False)
    is_latest = models.BooleanField(_("последняя версия"), default=True)

    class Meta:
        verbose_name = _("годовой отчёт кластера")
        verbose_name_plural = _("годовые отчёты кластеров")
        ordering = ["cluster_id", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "year", "version"],
                name="annual_report_version_unique",
                violation_error_message=_("Такая версия отчёта уже отправлена."),
            ),
            models.UniqueConstraint(
                fields=["cluster", "year"],
                condition=models.Q(is_latest=True),
                name="annual_report_one_latest",
                violation_error_message=_("У отчёта за год может быть только одна последняя версия."),
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="annual_report_version_positive"),
            models.CheckConstraint(
                condition=models.Q(version=1) | ~models.Q(correction_reason=""),
                name="annual_report_correction_has_reason",
                violation_error_message=_("Укажите причину исправления."),
            ),
        ]
        indexes = [models.Index(fields=["year", "is_latest"])]

    def __str__(self) -> str:
        return f"{self.cluster_id}: {self.year} v{self.version}"


class ReportFact(models.Model):
    """One figure of one submitted report, flattened so dashboards aggregate in SQL.

    `value` holds every numeric type (kopecks, counts, percents, decimals); a ratio also keeps
    its numerator and denominator so totals across clusters can be weighted properly.
    """

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="facts")
    cluster = models.ForeignKey("tenants.Cluster", on_delete=models.CASCADE, related_name="report_facts")
    year = models.PositiveSmallIntegerField(_("год"))
    is_latest = models.BooleanField(_("последняя версия"), default=True)
    is_demo = models.BooleanField(_("демо-данные"), default=False)
    code = models.SlugField(_("код показателя"), max_length=60)
    value_type = models.CharField(_("тип значения"), max_length=20, choices=Indicator.ValueType.choices)
    value = models.DecimalField(_("значение"), max_digits=24, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(_("числитель"), max_digits=24, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(
        _("знаменатель"), max_digits=24, decimal_places=4, null=True, blank=True
    )
    text_value = models.TextField(_("текст"), blank=True)

    class Meta:
        verbose_name = _("значение показателя")
        ordering = ["report_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["report", "code"], name="report_fact_unique"),
        ]
        indexes = [
            models.Index(fields=["year", "code", "is_latest"]),
            models.Index(fields=["cluster", "year"]),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.code}={self.value}"


class RegistryCheckResult(models.Model):
    """The outcome of one Decree No. 779 check. report=None: the live check (one per cluster and
    code, refreshed by the warehouse); otherwise the check as it was at submission."""

    class Code(models.TextChoices):
        PARTICIPANTS_MIN = "participants_min", _("Не менее 10 участников")
        COOPERATION_EACH = "cooperation_each", _("Каждый участник связан договором с другим")
        FUNCTIONAL_DEPENDENCE = "functional_dependence", _("Функциональная зависимость участников")
        MAX_WITHOUT_COOPERATION = "max_without_cooperation", _("Не более 3 участников без кооперации")

    class Status(models.TextChoices):
        PASS = "pass", _("Выполнено")
        FAIL = "fail", _("Не выполнено")
        NO_DATA = "no_data", _("Недостаточно данных")

    cluster = models.ForeignKey("tenants.Cluster", on_delete=models.CASCADE, related_name="registry_checks")
    report = models.ForeignKey(
        AnnualReport, on_delete=models.CASCADE, null=True, blank=True, related_name="check_results"
    )
    year = models.PositiveSmallIntegerField(_("год"), null=True, blank=True)
    code = models.CharField(_("проверка"), max_length=40, choices=Code.choices)
    status = models.CharField(_("результат"), max_length=10, choices=Status.choices)
    reason = models.TextField(_("пояснение"))
    # [{"id": int, "name": str, "inn": str}]: the companies the outcome is about.
    companies = models.JSONField(_("организации"), default=list, blank=True)
    # The figures behind the outcome: {"value": ..., "threshold": ..., ...}
    data = models.JSONField(_("данные"), default=dict, blank=True)
    # The rows the outcome was decided on: {"participants"|"contracts"|"bindings"|"revenue"|
    # "special_territory"|"without"|"method": ...} (core.federal.checks)
    evidence = models.JSONField(_("обоснование"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("вычислено"))

    class Meta:
        verbose_name = _("проверка требований реестра")
        ordering = ["cluster_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "code"],
                condition=models.Q(report__isnull=False),
                name="registry_check_once_per_report",
            ),
            models.UniqueConstraint(
                fields=["cluster", "code"],
                condition=models.Q(report__isnull=True),
                name="registry_check_one_live_per_cluster",
            ),
        ]
        indexes = [models.Index(fields=["code", "status"])]

    def __str__(self) -> str:
        return f"{self.cluster_id}:{self.code}={self.status}"


class ClusterSnapshot(models.Model):
    """Live metrics of a cluster for the dashboards, refreshed by the warehouse tasks."""

    cluster = models.OneToOneField(
        "tenants.Cluster", on_delete=models.CASCADE, related_name="federal_snapshot"
    )
    member_count = models.PositiveIntegerField(_("участников"), default=0)
    members_by_kind = models.JSONField(_("участники по типам"), default=dict, blank=True)
    dues_invoiced_kopecks = models.BigIntegerField(_("взносы начислены, коп."), default=0)
    dues_paid_kopecks = models.BigIntegerField(_("взносы оплачены, коп."), default=0)
    roadmap_items_total = models.PositiveIntegerField(_("мероприятий дорожной карты"), default=0)
    roadmap_items_done = models.PositiveIntegerField(_("выполнено мероприятий"), default=0)
    # joint projects (sums of the cluster's FederalProject rows, kept here so totals need no extra query)
    projects_total = models.PositiveIntegerField(_("совместных проектов"), default=0)
    projects_active = models.PositiveIntegerField(_("проектов реализуется"), default=0)
    project_shortfalls = models.PositiveIntegerField(_("показателей проектов ниже плана"), default=0)
    support_granted_kopecks = models.BigIntegerField(_("господдержка предоставлена, коп."), default=0)
    support_received_kopecks = models.BigIntegerField(_("господдержка получена, коп."), default=0)
    updated_at = models.DateTimeField(_("обновлено"), auto_now=True)

    class Meta:
        verbose_name = _("текущие показатели кластера")

    def __str__(self) -> str:
        return f"{self.cluster_id} @ {self.updated_at}"


class FederalProject(models.Model):
    """A cluster's joint project as the ministry sees it: a warehouse row, refreshed with the snapshot
    (core.federal.warehouse.cluster_refresh) from the projects area's metrics. `project_id` is the
    project's id inside the cluster's schema; `indicators` hold plan against actual per year."""

    cluster = models.ForeignKey("tenants.Cluster", on_delete=models.CASCADE, related_name="federal_projects")
    project_id = models.PositiveIntegerField(_("номер проекта в кластере"))
    title = models.CharField(_("название"), max_length=500)
    kind = models.CharField(_("вид"), max_length=120, blank=True)
    status = models.CharField(_("статус"), max_length=30, blank=True)
    status_label = models.CharField(_("статус (название)"), max_length=120, blank=True)
    period_start = models.DateField(_("начало"), null=True, blank=True)
    period_end = models.DateField(_("окончание"), null=True, blank=True)
    lead = models.CharField(_("головной участник"), max_length=500, blank=True)
    participants = models.PositiveIntegerField(_("участников проекта"), default=0)
    budget_kopecks = models.BigIntegerField(_("бюджет, коп."), default=0)
    budget_by_source = models.JSONField(_("бюджет по источникам, коп."), default=dict, blank=True)
    support_requested_kopecks = models.BigIntegerField(_("господдержка запрошена, коп."), default=0)
    support_granted_kopecks = models.BigIntegerField(_("господдержка предоставлена, коп."), default=0)
    support_received_kopecks = models.BigIntegerField(_("господдержка получена, коп."), default=0)
    support_measures = models.JSONField(_("меры поддержки"), default=list, blank=True)
    # [{"year", "name", "unit", "planned", "actual", "status", "shortfall_percent"}]
    indicators = models.JSONField(_("целевые показатели"), default=list, blank=True)
    shortfalls = models.PositiveIntegerField(_("показателей ниже плана"), default=0)
    worst_shortfall_percent = models.DecimalField(
        _("наибольшее недовыполнение, %"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    updated_at = models.DateTimeField(_("обновлено"), auto_now=True)

    class Meta:
        verbose_name = _("совместный проект кластера (сводка)")
        ordering = ["cluster_id", "title", "project_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "project_id"], name="federal_project_once_per_cluster"
            ),
        ]
        indexes = [
            models.Index(fields=["shortfalls"]),
            # The dashboard's projects furthest below plan, read in this order (dashboard.shortfall_projects).
            models.Index(
                models.F("worst_shortfall_percent").desc(nulls_last=True),
                models.F("title"),
                models.F("id"),
                condition=models.Q(shortfalls__gt=0),
                name="fedproject_shortfall_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cluster_id}:{self.project_id} {self.title}"
