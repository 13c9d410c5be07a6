"""Pages of the joint projects area on a cluster host (namespace "projects")."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "projects"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.project_list_page, name="list"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/status/", views.project_status, name="status"),
    path("<int:pk>/delete/", views.project_delete, name="delete"),
    path("<int:pk>/budget/", views.budget_edit, name="budget"),
    path("<int:pk>/indicators/new/", views.indicator_create, name="indicator_create"),
    path("<int:pk>/indicators/<int:indicator_id>/edit/", views.indicator_edit, name="indicator_edit"),
    path(
        "<int:pk>/indicators/<int:indicator_id>/<str:action>/",
        views.indicator_action,
        name="indicator_action",
    ),
    path("<int:pk>/support/new/", views.support_create, name="support_create"),
    path("<int:pk>/support/<int:application_id>/decision/", views.support_decide, name="support_decide"),
    path("<int:pk>/support/<int:application_id>/delete/", views.support_delete, name="support_delete"),
    path("<int:pk>/support/<int:application_id>/tranches/new/", views.tranche_create, name="tranche_create"),
    path(
        "<int:pk>/support/<int:application_id>/tranches/<int:tranche_id>/delete/",
        views.tranche_delete,
        name="tranche_delete",
    ),
    path("<int:pk>/documents/new/", views.document_upload, name="document_upload"),
    path("<int:pk>/documents/<int:document_id>/", views.document_download, name="document"),
    path("<int:pk>/documents/<int:document_id>/delete/", views.document_delete, name="document_delete"),
]
