"""Pages of the roadmap area on a cluster host (namespace "roadmap", prefix /roadmap/)."""

from django.urls import URLPattern, URLResolver, path

from . import report_views, tracking_views, views

app_name = "roadmap"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.roadmap_list, name="list"),
    path("new/", views.roadmap_create, name="create"),
    path("import/", views.roadmap_import, name="import"),
    path("import/<int:import_id>/", views.roadmap_import_preview, name="import_preview"),
    path("<int:pk>/", views.roadmap_detail, name="detail"),
    path("<int:pk>/edit/", views.roadmap_edit, name="edit"),
    path("<int:pk>/approve/", views.roadmap_approve, name="approve"),
    path("<int:pk>/new-version/", views.roadmap_new_version, name="new_version"),
    path("<int:pk>/close/", views.roadmap_close, name="close"),
    path("<int:pk>/delete/", views.roadmap_delete, name="delete"),
    path("<int:pk>/items/<int:item_id>/", views.item_detail, name="item"),
    path("<int:pk>/report/jobs/", report_views.report_job_create, name="report_job_create"),
    path("<int:pk>/report/jobs/<int:job_id>/", report_views.report_job, name="report_job"),
    path(
        "<int:pk>/report/jobs/<int:job_id>/status/", report_views.report_job_status, name="report_job_status"
    ),
    path("<int:pk>/report/jobs/<int:job_id>/file/", report_views.report_job_file, name="report_job_file"),
    path("<int:pk>/progress/", tracking_views.progress, name="progress"),
    path("<int:pk>/timeline/", tracking_views.timeline, name="timeline"),
    path("<int:pk>/report/", report_views.roadmap_report_download, name="report"),
    path("my/", tracking_views.my_items, name="my_items"),
    path(
        "<int:pk>/items/<int:item_id>/evidence/<int:evidence_id>/", views.evidence_download, name="evidence"
    ),
    path(
        "<int:pk>/items/<int:item_id>/evidence/<int:evidence_id>/delete/",
        views.evidence_delete,
        name="evidence_delete",
    ),
]
