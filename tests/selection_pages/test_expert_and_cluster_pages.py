"""The expert's «Мои экспертизы» and scoring form (public host), and «Заявка на отбор» of a
cluster admin (cluster host): what each sees and changes, and who may not."""

from __future__ import annotations

import pytest

from core.selection import services
from core.selection.models import Application, Assignment, Call
from tenants.models import Cluster
from tests.conftest import ROLE, MakeUser, client_for, signed_in

from .conftest import SYSTEM, reviewed, submitted

pytestmark = pytest.mark.django_db


def _assigned(call: Call, application: Application, expert: object) -> Assignment:
    services.expert_grant(call=call, expert=expert, actor=SYSTEM)  # type: ignore[arg-type]
    return services.assignment_create(application=application, expert=expert, actor=SYSTEM)  # type: ignore[arg-type]


def test_expert_scores_every_criterion_and_sees_others_only_after_submitting(
    call: Call, cluster_a: Cluster, make_user: MakeUser
) -> None:
    alpha = submitted(call, cluster_a)
    first = make_user(email="first@example.test")
    reviewed(alpha, first, 9, 9)
    expert = make_user(email="expert@example.test")
    assignment = _assigned(call, alpha, expert)
    client = signed_in(expert, None)
    listing = client.get("/selection/reviews/").content.decode()
    assert "Кластер Альфа (тест)" in listing and "ждёт оценки" in listing
    page = client.get(f"/selection/reviews/{assignment.pk}/").content.decode()
    assert "Рост выпуска медицинских изделий" in page  # the application's narrative
    assert "Оценки других экспертов станут видны после отправки ваших." in page
    assert "9,00" not in page and "first@example.test" not in page  # the other expert's scores are hidden
    criteria = {c.code: c.pk for c in call.criteria.all()}
    # Out of the scale: a Russian error, nothing saved.
    response = client.post(
        f"/selection/reviews/{assignment.pk}/",
        {
            f"value_{criteria['team']}": "11",
            f"comment_{criteria['team']}": "Команда",
            f"value_{criteria['effects']}": "5",
            f"comment_{criteria['effects']}": "Эффекты",
            "submit": "1",
        },
    )
    assert response.status_code == 200 and "оценка должна быть от 0 до 10" in response.content.decode()
    assert not assignment.scores.exists()
    response = client.post(
        f"/selection/reviews/{assignment.pk}/",
        {
            f"value_{criteria['team']}": "7",
            f"comment_{criteria['team']}": "Команда опытная",
            f"value_{criteria['effects']}": "4",
            f"comment_{criteria['effects']}": "Эффекты без базы",
            "submit": "1",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "Оценки отправлены." in body and "Команда опытная" in body
    assert "Оценки других экспертов" in body and "9,00" in body  # now visible
    assignment.refresh_from_db()
    assert assignment.submitted_at is not None


def test_wrong_expert_and_others_cannot_open_a_review(
    call: Call, cluster_a: Cluster, make_user: MakeUser
) -> None:
    alpha = submitted(call, cluster_a)
    assignment = _assigned(call, alpha, make_user(email="expert@example.test"))
    url = f"/selection/reviews/{assignment.pk}/"
    other_expert = make_user(email="other@example.test")
    services.expert_grant(call=call, expert=other_expert, actor=SYSTEM)
    assert signed_in(other_expert, None).get(url).status_code == 404  # not assigned to them
    assert signed_in(make_user(ROLE.MINISTRY_FEDERAL), None).get(url).status_code == 404
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a).get(url).status_code == 404
    assert (
        "Вам пока не назначены заявки"
        in signed_in(other_expert, None).get("/selection/reviews/").content.decode()
    )


def test_cluster_admin_sees_the_open_call_starts_edits_and_submits(
    call: Call, cluster_a: Cluster, make_user: MakeUser
) -> None:
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    client = signed_in(admin, cluster_a)
    home = client.get("/").content.decode()
    assert "Отбор PROКЛАСТЕРЫ" in home and "PROКЛАСТЕРЫ 2026" in home and 'href="/selection/"' in home
    assert "PROКЛАСТЕРЫ 2026" in client_for(cluster_a).get("/").content.decode()  # anonymous visitors too
    index = client.get("/selection/").content.decode()
    assert "Начать заявку" in index
    response = client.post(f"/selection/calls/{call.pk}/start/")
    application = Application.objects.get(call=call, cluster=cluster_a)
    assert (
        response.status_code == 302 and response["Location"] == f"/selection/applications/{application.pk}/"
    )
    page = client.get(response["Location"]).content.decode()
    assert "Сведения о кластере (по текущим данным)" in page and "Участники кластера" in page
    assert "Совместные проекты" in page and "Подать заявку" in page
    bad = client.post(
        f"/selection/applications/{application.pk}/",
        {"goals": "Цели", "expected_effects": "Выручка; млн руб.; 10; много; 2027"},
    )
    assert "целевое значение должно быть числом" in bad.content.decode()
    application.refresh_from_db()
    assert application.goals == ""  # nothing half-saved
    client.post(
        f"/selection/applications/{application.pk}/",
        {
            "goals": "Импортозамещение средств реабилитации",
            "anchor_project": "Производство колясок",
            "team": "Фонд развития промышленности",
            "expected_effects": "Выручка участников; млн руб.; 1200; 1800; 2027",
        },
    )
    unconfirmed = client.post(f"/selection/applications/{application.pk}/submit/", follow=True)
    assert "Подтвердите отправку заявки" in unconfirmed.content.decode()
    done = client.post(f"/selection/applications/{application.pk}/submit/", {"confirm": "on"}, follow=True)
    body = done.content.decode()
    assert "Заявка подана: версия 1 зафиксирована." in body and "на момент подачи" in body
    assert "Производство колясок" in body and 'id="narrative-form"' not in body  # frozen
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED and application.snapshot["sections"]


def test_cluster_answers_a_clarification_with_a_new_version(
    call: Call, cluster_a: Cluster, make_user: MakeUser
) -> None:
    alpha = submitted(call, cluster_a)
    request = services.clarification_request(application=alpha, text="Уточните команду", actor=SYSTEM)
    client = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    page = client.get(f"/selection/applications/{alpha.pk}/").content.decode()
    assert "Министерство запросило уточнения" in page and "Уточните команду" in page
    response = client.post(
        f"/selection/applications/{alpha.pk}/clarifications/{request.pk}/answer/",
        {"answer": "В команде 5 человек"},
        follow=True,
    )
    assert "Ответ отправлен, заявка подана новой версией." in response.content.decode()
    alpha.refresh_from_db()
    assert alpha.version == 2 and alpha.status == Application.Status.SUBMITTED


def test_who_may_not_use_the_cluster_application_pages(
    call: Call, cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    alpha = submitted(call, cluster_a)
    url = f"/selection/applications/{alpha.pk}/"
    anonymous = client_for(cluster_a).get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    member = make_user(ROLE.MEMBER_REPRESENTATIVE, cluster_a)
    assert signed_in(member, cluster_a).get(url).status_code == 403
    assert signed_in(member, cluster_a).get("/selection/").status_code == 403
    other_admin = make_user(ROLE.CLUSTER_ADMIN, cluster_b)
    assert signed_in(other_admin, cluster_b).get(url).status_code == 404  # another cluster's application
    staff = signed_in(make_user(ROLE.CLUSTER_STAFF, cluster_a), cluster_a)
    assert staff.get(url).status_code == 200
    refused = staff.post(f"/selection/calls/{call.pk}/start/")
    assert refused.status_code == 403 or Application.objects.filter(call=call, cluster=cluster_a).count() == 1
    # The staff member cannot submit or edit: the service refuses, nothing changes.
    staff.post(url, {"goals": "Чужие цели"})
    alpha.refresh_from_db()
    assert alpha.goals == "Рост выпуска медицинских изделий"


def test_a_cluster_outside_the_call_cannot_start(cluster_a: Cluster, make_user: MakeUser) -> None:
    from .conftest import open_call

    call = open_call(title="Только межрегиональные")
    Call.objects.filter(pk=call.pk).update(eligible_kinds=["interregional"])
    client = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_a), cluster_a)
    assert "Только межрегиональные" not in client.get("/selection/").content.decode()
    assert client.post(f"/selection/calls/{call.pk}/start/").status_code == 404
    assert not Application.objects.filter(call=call).exists()


def _pdf_text(content: bytes) -> str:
    import subprocess

    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def test_attachment_then_submit_then_pdf_and_docx_of_the_application(
    call: Call, cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser
) -> None:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from docx import Document

    Call.objects.filter(pk=call.pk).update(required_attachments=["Презентация проекта"])
    admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a)
    client = signed_in(admin, cluster_a)
    client.post(f"/selection/calls/{call.pk}/start/")
    application = Application.objects.get(call=call, cluster=cluster_a)
    here = f"/selection/applications/{application.pk}/"
    client.post(
        here,
        {
            "goals": "Серийный выпуск реабилитационных колясок",
            "anchor_project": "",
            "team": "",
            "expected_effects": "",
        },
    )
    refused = client.post(f"{here}submit/", {"confirm": "on"}, follow=True).content.decode()
    assert "Приложите обязательные файлы: Презентация проекта." in refused
    assert client.get(f"{here}application.pdf").status_code == 404  # a draft has no document yet
    pdf_bytes = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    response = client.post(
        f"{here}attachments/",
        {"name": "Презентация проекта", "file": SimpleUploadedFile("deck.pdf", pdf_bytes, "application/pdf")},
        follow=True,
    )
    assert "Файл приложен к заявке." in response.content.decode() and "deck.pdf" in response.content.decode()
    done = client.post(f"{here}submit/", {"confirm": "on"}, follow=True).content.decode()
    assert "Заявка подана: версия 1 зафиксирована." in done and 'id="attachment-form"' not in done
    text = _pdf_text(client.get(f"{here}application.pdf").content)
    assert "Серийный выпуск реабилитационных колясок" in text and "Кластер Альфа (тест)" in text
    document = Document(io.BytesIO(client.get(f"{here}application.docx").content))
    assert any("Серийный выпуск реабилитационных колясок" in p.text for p in document.paragraphs)
    # The ministry downloads it too; another cluster's admin does not.
    federal = signed_in(make_user(ROLE.MINISTRY_FEDERAL), None)
    ministry_pdf = federal.get(f"/selection/{call.pk}/applications/{application.pk}/application.pdf")
    assert ministry_pdf.status_code == 200 and "Серийный выпуск" in _pdf_text(ministry_pdf.content)
    other = signed_in(make_user(ROLE.CLUSTER_ADMIN, cluster_b), cluster_b)
    assert other.get(f"{here}application.pdf").status_code == 404
    assert client_for(cluster_a).get(f"{here}application.pdf").status_code == 302
