"""Importing a roadmap: preview (nothing saved), confirm (all or nothing), executor matching,
versions and approval by a general-meeting decision."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import Workbook

from core.accounts.models import Grant
from core.audit.models import AuditEntry
from core.audit.services import Actor
from tenants.governance.models import Body, Committee, Decision, Meeting
from tenants.members.models import Company
from tenants.models import Cluster
from tenants.roadmap import services
from tenants.roadmap.demo import SEED_001
from tenants.roadmap.models import Executor, Item, Roadmap, RoadmapImport, Section
from tests.conftest import InCluster, MakeUser

SEED = SEED_001  # = shared/seeds/001_54a93e4556976a7b.txt, kept with the demo data


def seed_bytes() -> bytes:
    return SEED.read_bytes()


def _counts() -> tuple[int, int, int, int]:
    return Roadmap.objects.count(), Section.objects.count(), Item.objects.count(), Executor.objects.count()


def approve_decision(
    *, adopted: bool = True, kind: str = Body.Kind.GENERAL_MEETING, number: int = 1
) -> Decision:
    body = Body.objects.filter(kind=kind).first() or Body.objects.create(
        kind=kind, name="Общее собрание участников"
    )
    meeting = Meeting.objects.create(
        body=body,
        number=f"Р-{number}",
        held_at=timezone.now() - dt.timedelta(days=1),
        status=Meeting.Status.HELD,
    )
    return Decision.objects.create(
        meeting=meeting,
        number=number,
        kind=Decision.Kind.APPROVE_ROADMAP,
        text="Утвердить дорожную карту кластера.",
        votes_for=5,
        adopted=adopted,
    )


def test_seed_imports_with_every_section_item_executor_and_result(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    user = make_user(Grant.Role.CLUSTER_STAFF, cluster_a)
    user.full_name = "Мадфес Наталья Александровна"
    user.save()
    with in_cluster(cluster_a):
        university = Company.objects.create(
            full_name="ФГБОУ ВО «Университет «Дубна»»", short_name="Университет «Дубна»"
        )
        hr_group = Committee.objects.create(
            name="Рабочая группа по кадрам", kind=Committee.Kind.WORKING_GROUP
        )
        actor = Actor(user=admin, cluster=cluster_a)
        upload = services.roadmap_import_preview(actor=actor, data=seed_bytes(), filename="seed_001.txt")
        assert _counts() == (0, 0, 0, 0)  # the preview saves nothing but itself
        plan = upload.parsed
        assert plan["counts"]["sections"] == 6 and plan["counts"]["items"] == 24
        assert (upload.period_start, upload.period_end) == (dt.date(2018, 1, 1), dt.date(2018, 12, 31))
        by_number = {i["number"]: i for s in plan["sections"] for i in s["items"]}
        madfes = next(e for e in by_number["3.2."]["executors"] if e["name"] == "Мадфес Н.А.")
        assert madfes["user_id"] == user.pk and madfes["kind"] == "person"
        assert (
            next(e for e in by_number["3.2."]["executors"] if e["name"] == "Университет «Дубна»")[
                "company_id"
            ]
            == university.pk
        )
        assert by_number["3.3."]["executors"][0]["committee_id"] == hr_group.pk
        assert any("Шибанов А.Н" in w for w in by_number["1.1."]["warnings"])  # not a user here

        roadmap = services.roadmap_import_confirm(actor=actor, upload=upload)
        assert roadmap.period_start.year == 2018 and roadmap.status == Roadmap.Status.DRAFT
        assert [s.number for s in roadmap.sections.all()] == ["1.", "2.", "3.", "4.", "5.", "6."]
        items = list(roadmap.items.order_by("position"))
        assert [i.number for i in items][:4] == ["1.1.", "1.2.", "1.3.", "2.1."]
        assert len(items) == 24 and "4.3." not in {i.number for i in items}  # gaps kept
        item = {i.number: i for i in items}
        assert item["1.1."].executors_text == "Шибанов А.Н"
        assert (
            item["1.1."].deadline_text == "По отдельному плану"
            and item["1.1."].deadline_kind == "separate_plan"
        )
        assert item["2.2."].deadline_end == dt.date(2018, 10, 2)
        # 2.2's continuation line merged cell by cell: a fourth executor, the title and result go on.
        assert item["2.2."].executors_text.endswith("Терехов В.В.")
        assert [e.name for e in item["2.2."].executors.all()] == [
            "Рац А.А.",
            "Шибанов А.Н.",
            "Виленский А.В.",
            "Терехов В.В.",
        ]
        assert "области» в рамках VIII Всероссийская" in item["2.2."].actual_result
        assert item["6.1."].actual_result.startswith("Проведено 3 заседания Совета")
        assert item["6.1."].status == Item.Status.DONE
        assert item["6.2."].status == Item.Status.IN_PROGRESS  # «Общее собрание назначено на …»
        assert item["2.3."].status == Item.Status.PLANNED and item["2.3."].expected_result == "–"
        assert AuditEntry.objects.filter(
            cluster=cluster_a, action="roadmap.import", object_id=str(roadmap.pk)
        ).exists()
        with pytest.raises(ValidationError, match="уже импортирован"):
            services.roadmap_import_confirm(actor=actor, upload=upload)
        assert Roadmap.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.txt", "Просто текст без таблицы\nещё строка".encode(), "Не найдена шапка таблицы"),
        ("wrong.txt", "№\tНаименование мероприятия\tСроки\n".encode(), "в шапке 3 столбцов, ожидается 6"),
        ("junk.xlsx", b"\x00\x01PK\x03\x04garbage" * 50, "Файл XLSX не читается"),
        ("junk.txt", b"\x00\xff\xfe\x00" * 100, "UTF-8"),
        ("plan.pdf", b"%PDF-1.4 ...", "Поддерживаются файлы"),
        ("empty.txt", b"", "Файл пустой"),
    ],
)
def test_malformed_files_get_a_russian_error_and_create_nothing(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser, name: str, data: bytes, message: str
) -> None:
    admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    with in_cluster(cluster_a):
        with pytest.raises(ValidationError, match=message):
            services.roadmap_import_preview(
                actor=Actor(user=admin, cluster=cluster_a), data=data, filename=name
            )
        assert RoadmapImport.objects.count() == 0 and _counts() == (0, 0, 0, 0)


def test_a_50_mb_file_is_refused_before_parsing(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    big = b"1\t2\t3\t4\t5\t6\n" * (50 * 1024 * 1024 // 12)
    with in_cluster(cluster_a):
        with pytest.raises(ValidationError, match="слишком большой"):
            services.roadmap_import_preview(
                actor=Actor(user=admin, cluster=cluster_a), data=big, filename="big.txt"
            )
        assert RoadmapImport.objects.count() == 0


def test_xlsx_without_a_year_needs_a_period_and_a_missing_year_comes_from_it(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    book = Workbook()
    sheet = book.active
    for row in (
        ["План работы кластера"],
        [
            "№",
            "Наименование мероприятия",
            "Ответственные исполнители",
            "Сроки исполнения",
            "Ожидаемый результат, примечание",
            "Результат",
        ],
        ["1.", "Развитие"],
        ["1.1.", "Провести форум", "Иванов И.И.", "декабрь", "Форум", ""],
    ):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    actor = Actor(user=admin, cluster=cluster_a)
    with in_cluster(cluster_a):
        with pytest.raises(ValidationError, match="Укажите период"):
            services.roadmap_import_preview(actor=actor, data=buffer.getvalue(), filename="plan.xlsx")
        roadmap = services.roadmap_import_file(
            actor=actor,
            data=buffer.getvalue(),
            filename="plan.xlsx",
            period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2025, 12, 31),
        )
        item = roadmap.items.get()
        assert item.deadline_kind == "month" and item.deadline_end == dt.date(2025, 12, 31)
        assert roadmap.title == "План работы кластера"


def test_only_managers_import(cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser) -> None:
    member = make_user(Grant.Role.MEMBER_REPRESENTATIVE, cluster_a)
    with in_cluster(cluster_a), pytest.raises(PermissionDenied):
        services.roadmap_import_preview(
            actor=Actor(user=member, cluster=cluster_a), data=seed_bytes(), filename="seed.txt"
        )


def test_approval_by_a_general_meeting_decision_then_changes_by_a_new_version(
    cluster_a: Cluster, in_cluster: InCluster, make_user: MakeUser
) -> None:
    admin = make_user(Grant.Role.CLUSTER_ADMIN, cluster_a)
    actor = Actor(user=admin, cluster=cluster_a)
    with in_cluster(cluster_a):
        roadmap = services.roadmap_import_file(actor=actor, data=seed_bytes(), filename="seed.txt")
        rejected = approve_decision(adopted=False, number=1)
        with pytest.raises(ValidationError, match="принятое решение общего собрания"):
            services.roadmap_approve(actor=actor, roadmap=roadmap, decision=rejected)
        council = approve_decision(kind=Body.Kind.COUNCIL, number=2)
        with pytest.raises(ValidationError, match="принятое решение общего собрания"):
            services.roadmap_approve(actor=actor, roadmap=roadmap, decision=council)
        decision = approve_decision(number=3)
        roadmap = services.roadmap_approve(actor=actor, roadmap=roadmap, decision=decision)
        assert roadmap.status == Roadmap.Status.APPROVED and roadmap.approved_by == decision

        item = roadmap.items.get(number="2.3.")
        with pytest.raises(ValidationError, match="только новой версией"):
            services.item_update(actor=actor, item=item, title="Другое мероприятие")
        with pytest.raises(ValidationError, match="опишите результат"):
            services.item_update(actor=actor, item=item, status=Item.Status.DONE)
        item = services.item_update(
            actor=actor,
            item=item,
            status=Item.Status.DONE,
            actual_result="Заявка подана 20.03.2018, см. https://example.ru/z",
        )
        assert AuditEntry.objects.filter(action="roadmap_item.update", object_id=str(item.pk)).count() == 1

        draft = services.roadmap_new_version(actor=actor, roadmap=roadmap)
        assert draft.version == 2 and draft.previous == roadmap and draft.items.count() == 24
        copied = draft.items.get(number="2.3.")
        assert copied.status == Item.Status.DONE and copied.actual_result.startswith("Заявка подана")
        assert [e.name for e in draft.items.get(number="2.2.").executors.all()] == [
            e.name for e in roadmap.items.get(number="2.2.").executors.all()
        ]
        services.item_update(
            actor=actor, item=copied, deadline_text="II квартал 2018 г.", title="Подать заявку на выставку"
        )
        copied.refresh_from_db()
        assert copied.deadline_kind == "quarter" and copied.deadline_end == dt.date(2018, 6, 30)
        with pytest.raises(ValidationError, match="уже есть следующая"):
            services.roadmap_new_version(actor=actor, roadmap=roadmap)
        services.roadmap_approve(actor=actor, roadmap=draft, decision=approve_decision(number=4))
        roadmap.refresh_from_db()
        assert roadmap.status == Roadmap.Status.CLOSED  # the old version stays readable, closed
        assert roadmap.items.get(number="2.3.").title != "Подать заявку на выставку"
        with pytest.raises(ValidationError, match="только черновик"):
            services.roadmap_delete(actor=actor, roadmap=draft)
