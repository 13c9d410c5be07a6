"""Pages of the governance area on a cluster host (namespace "governance").

Bodies, officers, committees and meetings share one create / edit / delete pattern
(`views.records`): the `record` each route passes says which.
"""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "governance"
urlpatterns: list[URLPattern | URLResolver] = [
    path("bodies/", views.bodies, name="bodies"),
    path("bodies/<int:pk>/voting-rules/", views.body_voting_rules, name="body_voting_rules"),
    path("officers/", views.officers, name="officers"),
    path("committees/", views.committees, name="committees"),
    path("committees/new/", views.record_create, {"record": views.COMMITTEES}, name="committee_create"),
    path("committees/<int:pk>/", views.committee, name="committee"),
    path("committees/<int:pk>/members/", views.committee_member_add, name="committee_member_add"),
    path(
        "committees/<int:pk>/members/<int:member_id>/delete/",
        views.committee_member_remove,
        name="committee_member_remove",
    ),
    path("committees/<int:pk>/documents/", views.committee_document_upload, name="committee_document_upload"),
    path(
        "committees/<int:pk>/documents/<int:document_id>/",
        views.committee_document,
        name="committee_document",
    ),
    path(
        "committees/<int:pk>/documents/<int:document_id>/delete/",
        views.committee_document_delete,
        name="committee_document_delete",
    ),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/new/", views.record_create, {"record": views.MEETINGS}, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("meetings/<int:pk>/agenda/", views.meeting_agenda_add, name="meeting_agenda_add"),
    path(
        "meetings/<int:pk>/agenda/<int:item_id>/delete/",
        views.meeting_agenda_delete,
        name="meeting_agenda_delete",
    ),
    path("meetings/<int:pk>/attendance/", views.meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/decisions/new/", views.meeting_decision_add, name="meeting_decision_add"),
    path("meetings/<int:pk>/protocol/", views.meeting_protocol, name="meeting_protocol"),
    path("meetings/<int:pk>/publish/", views.meeting_publish, name="meeting_publish"),
    path("meetings/<int:pk>/tally/", views.meeting_tally_json, name="meeting_tally"),
    path("meetings/<int:pk>/close-voting/", views.meeting_close_voting, name="meeting_close_voting"),
    path("meetings/<int:pk>/paper-ballot/", views.meeting_paper_ballot, name="meeting_paper_ballot"),
    path("meetings/<int:pk>/register/", views.meeting_register, name="meeting_register"),
    path("meetings/<int:pk>/materials/", views.meeting_material_upload, name="meeting_material_upload"),
    path("meetings/<int:pk>/materials/<int:material_id>/", views.meeting_material, name="meeting_material"),
    path(
        "meetings/<int:pk>/materials/<int:material_id>/delete/",
        views.meeting_material_delete,
        name="meeting_material_delete",
    ),
    path("meetings/<int:pk>/ballot/", views.ballot, name="ballot"),
    path("meetings/<int:pk>/ballots/<int:ballot_id>/pdf/", views.ballot_pdf, name="ballot_pdf"),
    path("meetings/<int:pk>/ballots/<int:ballot_id>/scan/", views.ballot_scan, name="ballot_scan"),
    path("voting/", views.voting, name="voting"),
    path("proxies/", views.proxies, name="proxies"),
    path("proxies/new/", views.proxy_upload, name="proxy_upload"),
    path("proxies/<int:pk>/file/", views.proxy_file, name="proxy_file"),
    path("proxies/<int:pk>/approve/", views.proxy_approve, name="proxy_approve"),
    path("proxies/<int:pk>/reject/", views.proxy_reject, name="proxy_reject"),
]
for prefix, name, record in [
    ("bodies", "body", views.BODIES),
    ("officers", "officer", views.OFFICERS),
    ("committees", "committee", views.COMMITTEES),
    ("meetings", "meeting", views.MEETINGS),
]:
    urlpatterns += [
        path(f"{prefix}/<int:pk>/edit/", views.record_edit, {"record": record}, name=f"{name}_edit"),
        path(f"{prefix}/<int:pk>/delete/", views.record_delete, {"record": record}, name=f"{name}_delete"),
    ]
