"""Pages of the governance area on a cluster host (namespace "governance")."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "governance"
urlpatterns: list[URLPattern | URLResolver] = [
    path("bodies/", views.bodies, name="bodies"),
    path("bodies/<int:pk>/edit/", views.body_edit, name="body_edit"),
    path("bodies/<int:pk>/delete/", views.body_delete, name="body_delete"),
    path("officers/", views.officers, name="officers"),
    path("officers/<int:pk>/edit/", views.officer_edit, name="officer_edit"),
    path("officers/<int:pk>/delete/", views.officer_delete, name="officer_delete"),
    path("committees/", views.committees, name="committees"),
    path("committees/new/", views.committee_create, name="committee_create"),
    path("committees/<int:pk>/", views.committee, name="committee"),
    path("committees/<int:pk>/edit/", views.committee_edit, name="committee_edit"),
    path("committees/<int:pk>/delete/", views.committee_delete, name="committee_delete"),
    path("committees/<int:pk>/members/", views.committee_member_add, name="committee_member_add"),
    path("committees/<int:pk>/members/<int:member_id>/delete/", views.committee_member_remove,
         name="committee_member_remove"),
    path("committees/<int:pk>/documents/", views.committee_document_upload, name="committee_document_upload"),
    path("committees/<int:pk>/documents/<int:document_id>/", views.committee_document, name="committee_document"),
    path("committees/<int:pk>/documents/<int:document_id>/delete/", views.committee_document_delete,
         name="committee_document_delete"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/delete/", views.meeting_delete, name="meeting_delete"),
    path("meetings/<int:pk>/agenda/", views.meeting_agenda_add, name="meeting_agenda_add"),
    path("meetings/<int:pk>/agenda/<int:item_id>/delete/", views.meeting_agenda_delete,
         name="meeting_agenda_delete"),
    path("meetings/<int:pk>/attendance/", views.meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/decisions/new/", views.meeting_decision_add, name="meeting_decision_add"),
    path("meetings/<int:pk>/protocol/", views.meeting_protocol, name="meeting_protocol"),
]
