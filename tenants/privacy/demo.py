"""Demo personal data (mosreg): two consent purposes with texts, consents of the cluster's
people (one text revised after a consent, so that consent keeps version 1), the register of
processing, one open copy request two working days before its deadline and one closed
incident. Through the services; runs once (nothing is duplicated)."""

from __future__ import annotations

import datetime as dt

from core.accounts.models import Grant, User
from core.audit.services import Actor
from core.clock import cluster_today
from tenants.models import Cluster

from . import services
from .models import ConsentPurpose, Incident, ProcessingActivity, SubjectRequest
from .selectors import cluster_people

PRIVACY_DEMO_CLUSTERS = {"mosreg"}

PURPOSES = [
    (
        "Рассылка новостей и приглашений на мероприятия кластера",
        "Я согласен(а) на обработку моих ФИО и e-mail для рассылки новостей и приглашений кластера.",
    ),
    (
        "Публикация сведений о представителе в каталоге участников",
        "Я согласен(а) на публикацию моих ФИО и должности в каталоге участников на сайте кластера.",
    ),
]
ACTIVITIES = [
    {
        "name": "Учёт представителей участников",
        "data_categories": "ФИО, должность, e-mail, телефон представителя",
        "purpose": "Взаимодействие с участниками кластера, созыв общих собраний",
        "legal_basis": ProcessingActivity.Basis.CONTRACT,
        "retention": "Срок членства организации и 5 лет после выхода",
        "access": "Администраторы и сотрудники кластера",
    },
    {
        "name": "Протоколы общих собраний и бюллетени",
        "data_categories": "ФИО представителей, голосовавших и подписавших протокол",
        "purpose": "Оформление решений органов кластера (ГК РФ, ст. 181.2)",
        "legal_basis": ProcessingActivity.Basis.LAW,
        "retention": "Постоянно",
        "access": "Администраторы кластера, секретарь собрания",
    },
    {
        "name": "Рассылка новостей",
        "data_categories": "ФИО, e-mail",
        "purpose": "Информирование о мероприятиях кластера",
        "legal_basis": ProcessingActivity.Basis.CONSENT,
        "retention": "До отзыва согласия",
        "access": "Сотрудники кластера",
    },
]


def demo_privacy(cluster: Cluster, *, tz: str) -> bool:
    """The hook: mosreg only. False when there is nothing to do (other cluster, or done)."""
    if cluster.schema_name not in PRIVACY_DEMO_CLUSTERS or ConsentPurpose.objects.exists():
        return False
    admin = User.objects.filter(grants__cluster=cluster, grants__role=Grant.Role.CLUSTER_ADMIN).first()
    actor = Actor(user=admin, host=f"{cluster.schema_name}.localhost", cluster=cluster)
    purposes = [services.purpose_create(actor=actor, title=title, text=text) for title, text in PURPOSES]
    people = list(cluster_people(cluster=cluster))
    for person in people:
        for purpose in purposes:
            services.consent_give(
                actor=actor,
                purpose=purpose,
                user_id=person.pk,
                ip="10.0.0.15",
                user_agent="Бумажное согласие",
            )
    services.purpose_text_publish(
        actor=actor,
        purpose=purposes[0],
        text=PURPOSES[0][1] + " Согласие действует до его отзыва письмом или на сайте кластера.",
    )
    for fields in ACTIVITIES:
        services.activity_create(actor=actor, **fields)
    today = cluster_today(cluster)
    subject = next((p for p in people if p != admin), admin)
    if subject is not None:
        received = today
        while (services.request_deadline(received) - today).days > 3:
            received -= dt.timedelta(days=1)
        services.request_create(
            actor=actor, kind=SubjectRequest.Kind.COPY, user_id=subject.pk, received_on=received
        )
    detected = dt.datetime.combine(today - dt.timedelta(days=45), dt.time(10, 30), tzinfo=dt.UTC)
    incident = services.incident_create(
        actor=actor,
        title="Письмо с рассылкой ушло с открытым списком адресатов",
        description="Приглашение на форум отправлено 38 представителям в поле «Кому» вместо скрытой копии.",
        detected_at=detected,
        affected=38,
    )
    services.incident_step(
        actor=actor, incident=incident, step="notify", at=detected + dt.timedelta(hours=20)
    )
    services.incident_step(
        actor=actor, incident=incident, step="report", at=detected + dt.timedelta(hours=60)
    )
    services.incident_step(actor=actor, incident=incident, step="close", at=detected + dt.timedelta(hours=61))
    return Incident.objects.exists()
