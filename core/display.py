"""Human text for what the UI and the API show: people by name, regions by name, time zones as
«Новосибирск (UTC+7)», money as «120 000,00 ₽», and the audit log's rows with verbose field
names and display values («Статус: Запланировано → Выполнено», «Платёж № 75»).

The one formatter module: the audit page, the roadmap item history, the member card and the
API's audit output all build their display text here, in Python — templates never walk a
user-keyed dict (an audit entry's `changes` may hold a key named "items").
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partialmethod
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone, translation
from django.utils.encoding import force_str
from django.utils.functional import Promise
from django.utils.hashable import make_hashable
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.ru.money import format_roubles
from core.ru.regions import REGIONS

EMPTY = "—"

# --- people, regions, money, time zones ----------------------------------------------------------


def person(user: Any = None, email: str = "") -> str:
    """A person by name; the e-mail only when there is no name; «система» for no one."""
    if user is not None:
        name = (getattr(user, "full_name", "") or "").strip()
        if name:
            return name
        email = email or getattr(user, "email", "")
    return email or _("система")


def region(code: str | None) -> str:
    if not code:
        return EMPTY
    return REGIONS.get(code, code)


def regions(codes: Iterable[str] | None) -> str:
    return ", ".join(region(c) for c in codes or []) or EMPTY


def money(kopecks: int | None) -> str:
    """120000_00 → «120 000,00 ₽» (non-breaking spaces keep the number on one line)."""
    if kopecks is None:
        return EMPTY
    return format_roubles(kopecks).replace(" ", "\u00a0") + "\u00a0₽"


# Russian zones by their cities; others fall back to the city part of the zone's name.
TIME_ZONE_CITIES: dict[str, Promise] = {
    "Europe/Kaliningrad": gettext_lazy("Калининград"),
    "Europe/Moscow": gettext_lazy("Москва"),
    "Europe/Simferopol": gettext_lazy("Симферополь"),
    "Europe/Volgograd": gettext_lazy("Волгоград"),
    "Europe/Kirov": gettext_lazy("Киров"),
    "Europe/Astrakhan": gettext_lazy("Астрахань"),
    "Europe/Saratov": gettext_lazy("Саратов"),
    "Europe/Ulyanovsk": gettext_lazy("Ульяновск"),
    "Europe/Samara": gettext_lazy("Самара"),
    "Asia/Yekaterinburg": gettext_lazy("Екатеринбург"),
    "Asia/Omsk": gettext_lazy("Омск"),
    "Asia/Novosibirsk": gettext_lazy("Новосибирск"),
    "Asia/Barnaul": gettext_lazy("Барнаул"),
    "Asia/Tomsk": gettext_lazy("Томск"),
    "Asia/Novokuznetsk": gettext_lazy("Новокузнецк"),
    "Asia/Krasnoyarsk": gettext_lazy("Красноярск"),
    "Asia/Irkutsk": gettext_lazy("Иркутск"),
    "Asia/Chita": gettext_lazy("Чита"),
    "Asia/Yakutsk": gettext_lazy("Якутск"),
    "Asia/Khandyga": gettext_lazy("Хандыга"),
    "Asia/Vladivostok": gettext_lazy("Владивосток"),
    "Asia/Ust-Nera": gettext_lazy("Усть-Нера"),
    "Asia/Magadan": gettext_lazy("Магадан"),
    "Asia/Sakhalin": gettext_lazy("Сахалин"),
    "Asia/Srednekolymsk": gettext_lazy("Среднеколымск"),
    "Asia/Kamchatka": gettext_lazy("Камчатка"),
    "Asia/Anadyr": gettext_lazy("Анадырь"),
}


def utc_offset(name: str, at: dt.datetime | None = None) -> str:
    offset = (at or timezone.now()).astimezone(zoneinfo.ZoneInfo(name)).utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def time_zone(name: str, at: dt.datetime | None = None) -> str:
    """ "Asia/Novosibirsk" → «Новосибирск (UTC+7)»."""
    if not name:
        return EMPTY
    city = TIME_ZONE_CITIES.get(name)
    label = str(city) if city is not None else name.rsplit("/", 1)[-1].replace("_", " ")
    try:
        return f"{label} ({utc_offset(name, at)})"
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return label


def time_zone_choices() -> list[tuple[str, str]]:
    """The Russian zones for a select, west to east."""
    now = timezone.now()
    zones = sorted(TIME_ZONE_CITIES, key=lambda n: (now.astimezone(zoneinfo.ZoneInfo(n)).utcoffset(), n))
    return [(n, time_zone(n, now)) for n in zones]


# --- the audit log ------------------------------------------------------------------------------

# Keys services write into `changes` that are not fields of the audited model.
EXTRA_LABELS: dict[str, Promise] = {
    "items": gettext_lazy("Мероприятий"),
    "next_version": gettext_lazy("Следующая версия"),
    "previous": gettext_lazy("Предыдущая версия"),
    "version": gettext_lazy("Версия"),
    "evidence": gettext_lazy("Подтверждающий документ"),
    "representative": gettext_lazy("Представитель"),
    "file": gettext_lazy("Файл"),
    "file_name": gettext_lazy("Файл"),
    "original_name": gettext_lazy("Имя файла"),
    "created_count": gettext_lazy("Создано записей"),
    "existing_count": gettext_lazy("Уже было записей"),
    "exempt_count": gettext_lazy("Освобождено от взноса"),
    "assignments": gettext_lazy("Назначений"),
    "scores": gettext_lazy("Оценки"),
    "participants": gettext_lazy("Участники"),
    "kind": gettext_lazy("Вид"),
    "message": gettext_lazy("Сообщение"),
    "copied_from": gettext_lazy("Скопирована из"),
    "indicators": gettext_lazy("Показателей"),
    "revoked_at": gettext_lazy("Отозвано"),
    "host": gettext_lazy("Хост"),
    "name": gettext_lazy("Название"),
    "reason": gettext_lazy("Основание"),
    "decision": gettext_lazy("Решение"),
    "state": gettext_lazy("Состояние"),
    "states": gettext_lazy("Состояния"),
    "lines": gettext_lazy("Строки счёта"),
    "tiers": gettext_lazy("Ступени взноса"),
    "dispute": gettext_lazy("Спор"),
    "dispute_status": gettext_lazy("Состояние спора"),
    "quorum": gettext_lazy("Кворум"),
    "total": gettext_lazy("всего"),
    "ballots": gettext_lazy("бюллетеней"),
    "required": gettext_lazy("требовалось"),
    "reached": gettext_lazy("достигнут"),
    "invoice": gettext_lazy("Счёт"),
    "payment": gettext_lazy("Платёж"),
    "statement_line": gettext_lazy("Строка выписки"),
    "company": gettext_lazy("Организация"),
    "company_id": gettext_lazy("Организация"),
    "email": gettext_lazy("E-mail"),
    "expires_at": gettext_lazy("Действует до"),
    "rows": gettext_lazy("Строк"),
    "errors": gettext_lazy("Ошибок"),
    "recipients": gettext_lazy("Получатели"),
    "reminder": gettext_lazy("Напоминание"),
    "executors": gettext_lazy("Исполнители"),
    "attachments": gettext_lazy("Вложения"),
    "values": gettext_lazy("Значения"),
    "votes": gettext_lazy("Голоса"),
    "proxy": gettext_lazy("Доверенность"),
    "schedule": gettext_lazy("Положение о взносах"),
    "period": gettext_lazy("Период"),
    "year": gettext_lazy("Год"),
    "credits": gettext_lazy("Зачёты"),
    "projects": gettext_lazy("Проекты"),
    "companies": gettext_lazy("Организации"),
    "contracts": gettext_lazy("Договоры"),
    "clusters": gettext_lazy("Кластеры"),
    "correction_reason": gettext_lazy("Причина исправления"),
    "payment_method_types": gettext_lazy("Способы оплаты"),
    "stripe_secret_key": gettext_lazy("Секретный ключ Stripe"),
    "stripe_webhook_secret": gettext_lazy("Секрет вебхука Stripe"),
    "yookassa_secret_key": gettext_lazy("Секретный ключ ЮKassa"),
    "source_name": gettext_lazy("Исходный файл"),
    "title": gettext_lazy("Название"),
    "text": gettext_lazy("Текст"),
    "status": gettext_lazy("Статус"),
    "without": gettext_lazy("Без"),
    "list": gettext_lazy("Список"),
    "order_number": gettext_lazy("Номер платёжного поручения"),
    "order_date": gettext_lazy("Дата платёжного поручения"),
    "grace_days": gettext_lazy("Льготный период, дней"),
    "method": gettext_lazy("Способ"),
    "issue_date": gettext_lazy("Дата счёта"),
    "deadline": gettext_lazy("Срок"),
    "accepted_at": gettext_lazy("Принят"),
}

# The verb of an action (the part after the object's name), when no whole action is listed below.
VERBS: dict[str, Promise] = {
    "create": gettext_lazy("Создание"),
    "update": gettext_lazy("Изменение"),
    "delete": gettext_lazy("Удаление"),
    "approve": gettext_lazy("Утверждение"),
    "accept": gettext_lazy("Принятие"),
    "return": gettext_lazy("Возврат на доработку"),
    "submit": gettext_lazy("Отправка"),
    "publish": gettext_lazy("Публикация"),
    "revoke": gettext_lazy("Отзыв"),
    "close": gettext_lazy("Закрытие"),
    "import": gettext_lazy("Импорт"),
    "import_preview": gettext_lazy("Загрузка файла для импорта"),
    "new_version": gettext_lazy("Новая версия"),
    "superseded": gettext_lazy("Заменена новой версией"),
    "reject": gettext_lazy("Отклонение"),
    "done": gettext_lazy("Завершение"),
    "start": gettext_lazy("Начало"),
    "finish": gettext_lazy("Завершение"),
    "copy": gettext_lazy("Копирование"),
    "retire": gettext_lazy("Вывод из обращения"),
    "record": gettext_lazy("Запись решения"),
    "draft": gettext_lazy("Проект решения"),
    "draft_delete": gettext_lazy("Удаление проекта решения"),
    "draft_save": gettext_lazy("Сохранение черновика"),
    "status": gettext_lazy("Смена статуса"),
    "attendance": gettext_lazy("Отметка присутствия"),
    "voting_close": gettext_lazy("Подведение итогов голосования"),
    "voting_rules": gettext_lazy("Правила голосования"),
    "majorities": gettext_lazy("Большинство для решений"),
    "paper": gettext_lazy("Бумажный бюллетень"),
    "evidence_add": gettext_lazy("Добавлен документ"),
    "evidence_delete": gettext_lazy("Удалён документ"),
    "reminder": gettext_lazy("Напоминание"),
    "budget": gettext_lazy("Бюджет"),
    "budget_delete": gettext_lazy("Удаление статьи бюджета"),
    "document": gettext_lazy("Документ"),
    "document_delete": gettext_lazy("Удаление документа"),
    "participants": gettext_lazy("Участники"),
    "tranche": gettext_lazy("Транш"),
    "tranche_delete": gettext_lazy("Удаление транша"),
    "decide": gettext_lazy("Решение"),
    "representative_revoke": gettext_lazy("Отзыв прав представителя"),
    "apply": gettext_lazy("Заявка на вступление"),
    "admit": gettext_lazy("Приём в члены кластера"),
    "activate": gettext_lazy("Действующий участник"),
    "suspend": gettext_lazy("Приостановка членства"),
    "resume": gettext_lazy("Возобновление членства"),
    "withdraw": gettext_lazy("Выход из кластера"),
    "expel": gettext_lazy("Исключение из кластера"),
    "indicator_create": gettext_lazy("Добавлен показатель"),
    "indicator_update": gettext_lazy("Изменён показатель"),
    "indicator_delete": gettext_lazy("Удалён показатель"),
    "company_parked": gettext_lazy("Организация отложена при восстановлении"),
    "grant_company_remap": gettext_lazy("Права перенесены на организацию"),
    "invoice_company_remap": gettext_lazy("Счёт перенесён на организацию"),
}

# Whole actions whose verb alone would not say enough.
ACTIONS: dict[str, Promise] = {
    "billing.alert": gettext_lazy("Оповещение по платежам"),
    "billing.chargeback": gettext_lazy("Списание по спору"),
    "billing.invoice_issue": gettext_lazy("Выставлен счёт"),
    "billing.invoice_overdue": gettext_lazy("Счёт просрочен"),
    "billing.invoice_paid": gettext_lazy("Счёт оплачен"),
    "billing.invoice_refund": gettext_lazy("Возврат по счёту"),
    "billing.invoice_void": gettext_lazy("Счёт аннулирован"),
    "billing.payee_create": gettext_lazy("Реквизиты получателя"),
    "billing.payment_cancel": gettext_lazy("Платёж отменён"),
    "billing.payment_canceled": gettext_lazy("Платёж отменён"),
    "billing.payment_disputed": gettext_lazy("Спор по платежу"),
    "billing.payment_intent": gettext_lazy("Платёж начат"),
    "billing.payment_manual": gettext_lazy("Оплата банковским переводом"),
    "billing.payment_refunded": gettext_lazy("Платёж возвращён"),
    "billing.payment_start": gettext_lazy("Платёж начат"),
    "billing.payment_succeeded": gettext_lazy("Платёж проведён"),
    "billing.payment_failed": gettext_lazy("Платёж не прошёл"),
    "billing.payment_processing": gettext_lazy("Платёж обрабатывается"),
    "billing.refund": gettext_lazy("Возврат"),
    "billing.refund_settle": gettext_lazy("Возврат проведён"),
    "billing.refund_submitted": gettext_lazy("Возврат отправлен"),
    "billing.statement_apply": gettext_lazy("Выписка проведена"),
    "billing.statement_import": gettext_lazy("Загрузка банковской выписки"),
    "billing.statement_line_dismiss": gettext_lazy("Строка выписки отклонена"),
    "billing.statement_line_match": gettext_lazy("Строка выписки сопоставлена"),
    "company_import.create": gettext_lazy("Загрузка файла участников"),
    "company_import.done": gettext_lazy("Импорт участников завершён"),
    "invitation.accept": gettext_lazy("Приглашение принято"),
    "selection.application_create": gettext_lazy("Заявка на отбор создана"),
    "selection.application_submit": gettext_lazy("Заявка на отбор подана"),
    "selection.application_update": gettext_lazy("Заявка на отбор изменена"),
    "selection.assignment_create": gettext_lazy("Назначен эксперт"),
    "selection.assignments_distribute": gettext_lazy("Заявки распределены между экспертами"),
    "selection.attachment_add": gettext_lazy("Добавлено вложение"),
    "selection.attachment_delete": gettext_lazy("Удалено вложение"),
    "selection.call_create": gettext_lazy("Отбор объявлен"),
    "selection.clarification_answer": gettext_lazy("Ответ на запрос уточнений"),
    "selection.clarification_request": gettext_lazy("Запрос уточнений"),
    "selection.decision_record": gettext_lazy("Решение по заявке"),
    "selection.expert_grant": gettext_lazy("Эксперт допущен"),
    "selection.review_submit": gettext_lazy("Экспертиза отправлена"),
    "selection.scores_save": gettext_lazy("Оценки сохранены"),
}

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def action(name: str) -> str:
    """ "billing.payment_succeeded" → «Платёж проведён»; "company.update" → «Изменение»."""
    if name in ACTIONS:
        return str(ACTIONS[name])
    verb = name.split(".", 1)[-1]
    if verb in VERBS:
        return str(VERBS[verb])
    if verb.startswith("call_"):
        return _("Смена этапа отбора")
    return _("Действие")


def audited_model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_kind(object_type: str) -> str:
    """ "billing.payment" → «Платёж»."""
    model = audited_model(object_type)
    if model is None:
        return _("Запись")
    name = str(model._meta.verbose_name)
    return name[:1].upper() + name[1:]


def object_label(object_type: str, object_id: str) -> str:
    """ "billing.payment", "75" → «Платёж № 75»."""
    return _("%(kind)s № %(id)s") % {"kind": object_kind(object_type), "id": object_id}


def _field(model: type[models.Model] | None, key: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        field = None
    if field is None and key.endswith("_id"):
        return _field(model, key.removesuffix("_id"))
    return field if isinstance(field, models.Field) else None


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def field_label(model: type[models.Model] | None, key: str) -> str:
    field = _field(model, key)
    if field is not None and field.verbose_name and str(field.verbose_name) != key.replace("_", " "):
        return _capital(str(field.verbose_name).removesuffix(", коп."))
    related = field.related_model if field is not None and field.is_relation else None
    if related is not None and not isinstance(related, str):
        return _capital(str(related._meta.verbose_name))
    if key in EXTRA_LABELS:
        return str(EXTRA_LABELS[key])
    if key.startswith("decision "):
        return _("Решение %(n)s") % {"n": key.removeprefix("decision ")}
    if field is not None and field.verbose_name:
        return _capital(str(field.verbose_name))
    return _capital(key.replace("_", " "))


def _date(text: str) -> str:
    if _ISO_DATE.match(text):
        return formats.date_format(dt.date.fromisoformat(text), "d.m.Y")
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if timezone.is_naive(when):
        when = timezone.make_aware(when, dt.UTC)
    return formats.date_format(timezone.localtime(when), "d.m.Y H:i")


def _indicator_names(codes: list[str]) -> dict[str, str]:
    """Report indicators' names by code (keys of the annual report's entered values)."""
    codes = [c for c in codes if c not in EXTRA_LABELS and re.fullmatch(r"[a-z][a-z0-9_]*", c)]
    if not codes:
        return {}
    from core.federal.models import Indicator

    english = translation.get_language() == "en"
    return {
        code: (name_en if english and name_en else name_ru)
        for code, name_ru, name_en in Indicator.objects.filter(code__in=codes)
        .order_by("code", "-form__year", "-id")
        .distinct("code")
        .values_list("code", "name_ru", "name_en")
    }


def value(model: type[models.Model] | None, key: str, raw: Any) -> str:
    """One stored value as a person reads it."""
    if raw is None or raw == "" or raw == []:
        return EMPTY
    field = _field(model, key)
    if isinstance(raw, bool):
        return _("да") if raw else _("нет")
    if isinstance(raw, str) and raw.startswith("{") and raw.endswith("}"):
        try:  # snapshot() keeps a JSON field's dict as its repr (the annual report's entered values)
            parsed = ast.literal_eval(raw)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            raw = parsed
    if isinstance(raw, dict):
        names = _indicator_names([str(k) for k in raw if _field(model, str(k)) is None])
        return "; ".join(
            f"{names.get(str(k)) or field_label(model, str(k))}: {value(model, str(k), v)}"
            for k, v in raw.items()
        )
    if isinstance(raw, list):
        if model is not None and all(isinstance(v, str) and _field(model, v) is not None for v in raw):
            return ", ".join(field_label(model, v) for v in raw)  # a list of field names (public_fields)
        return ", ".join(value(model if field is not None else None, key, v) for v in raw)
    if field is not None and field.choices:
        labels = {str(k): str(v) for k, v in field.flatchoices}
        if str(raw) in labels:
            return labels[str(raw)]
    if key.startswith("region") and isinstance(raw, str) and raw in REGIONS:
        return REGIONS[raw]
    if isinstance(raw, int) and (
        key.endswith("_kopecks") or (field is not None and str(field.verbose_name).endswith(", коп."))
    ):
        return money(raw)
    related = field.related_model if field is not None and field.is_relation else None
    if related is not None and not isinstance(related, str) and isinstance(raw, int):
        return object_label(related._meta.label_lower, str(raw))
    if isinstance(raw, str) and (_ISO_DATE.match(raw) or _ISO_DATETIME.match(raw)):
        try:
            return _date(raw)
        except ValueError:
            return raw
    if isinstance(raw, str) and key == "time_zone":
        return time_zone(raw)
    if isinstance(raw, str) and raw in REGIONS:
        return REGIONS[raw]
    return str(raw)


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    old: str
    new: str
    single: bool  # a fact of the action (one value), not a change from old to new


@dataclass(frozen=True)
class EntryRow:
    """One audit entry as the pages show it."""

    id: int
    at: dt.datetime
    actor_id: int | None
    who: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    object_label: str
    host: str
    changes: list[Change]


def changes(object_type: str, raw: Any) -> list[Change]:
    """{field: [old, new]} (or {key: value}) → labelled, formatted rows."""
    if not isinstance(raw, dict):
        return [] if raw in (None, "", []) else [Change("", _("Изменения"), "", value(None, "", raw), True)]
    model = audited_model(object_type)
    rows = []
    for key, pair in raw.items():
        label = field_label(model, str(key))
        if isinstance(pair, list) and len(pair) == 2:
            rows.append(
                Change(
                    str(key), label, value(model, str(key), pair[0]), value(model, str(key), pair[1]), False
                )
            )
        else:
            rows.append(Change(str(key), label, "", value(model, str(key), pair), True))
    return rows


def entry_row(entry: Any) -> EntryRow:
    """An AuditEntry (actor selected with it) as display text."""
    return EntryRow(
        id=entry.pk,
        at=entry.at,
        actor_id=entry.actor_id,
        who=person(entry.actor, entry.actor_email) if entry.actor_id or entry.actor_email else _("система"),
        action=action(entry.action),
        object_type=entry.object_type,
        object_id=entry.object_id,
        object_repr=entry.object_repr,
        object_label=object_label(entry.object_type, entry.object_id),
        host=entry.host,
        changes=changes(entry.object_type, entry.changes),
    )


def entry_rows(entries: Iterable[Any]) -> list[EntryRow]:
    return [entry_row(e) for e in entries]


# --- get_FOO_display of fixed choices ---------------------------------------------------------

DJANGO_CHOICE_DISPLAY = models.Model._get_FIELD_display  # type: ignore[attr-defined]


def _choice_display(self: models.Model, *, field: models.Field[Any, Any], labels: dict[Any, Any]) -> Any:
    value = getattr(self, field.attname)
    return force_str(labels.get(make_hashable(value), value), strings_only=True)


def choice_displays_install() -> int:
    """Every model's get_FOO_display of a field with fixed choices answers from a dict of its
    (lazy) labels made once, where Django's makes a dict of all the field's choices, each label
    translated to hash it, on every call: 33 µs → 4 µs for Invoice.status, and a list page calls
    it once or twice a row. The same answers: the label in the active language, the stored value
    when it is not one of the choices. A model's own get_FOO_display and choices given as a
    callable are left to Django. Run once the models are loaded (AppConfig.ready); returns how
    many methods it replaced."""
    replaced = 0
    for model in apps.get_models():
        for field in model._meta.fields:
            name = f"get_{field.name}_display"
            current = model.__dict__.get(name)
            if not (
                isinstance(current, partialmethod)
                and current.func is DJANGO_CHOICE_DISPLAY
                and isinstance(field.choices, list | tuple)
            ):
                continue
            labels = {make_hashable(value): label for value, label in field.flatchoices}
            setattr(model, name, partialmethod(_choice_display, field=field, labels=labels))
            replaced += 1
    return replaced
