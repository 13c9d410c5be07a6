"""API routes of the roadmap area (included by api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .report_views import (
    RoadmapReportJobFileView,
    RoadmapReportJobsView,
    RoadmapReportJobView,
    RoadmapReportView,
)
from .tracking_views import MyRoadmapItemsView, RoadmapProgressView
from .views import RoadmapImportViewSet, RoadmapItemViewSet, RoadmapViewSet

router = SimpleRouter()
router.register("roadmaps/import", RoadmapImportViewSet, basename="roadmap-import")
router.register(r"roadmaps/(?P<roadmap_id>\d+)/items", RoadmapItemViewSet, basename="roadmap-item")
router.register("roadmaps", RoadmapViewSet, basename="roadmap")

urlpatterns: list[URLPattern | URLResolver] = [
    path("roadmaps/<int:roadmap_id>/progress/", RoadmapProgressView.as_view(), name="roadmap-progress"),
    path("roadmap-items/mine/", MyRoadmapItemsView.as_view(), name="roadmap-items-mine"),
    path("roadmaps/<int:pk>/report/", RoadmapReportView.as_view(), name="roadmap-report"),
    path("roadmaps/<int:pk>/report-jobs/", RoadmapReportJobsView.as_view(), name="roadmap-report-jobs"),
    path(
        "roadmaps/<int:pk>/report-jobs/<int:job_id>/",
        RoadmapReportJobView.as_view(),
        name="roadmap-report-job",
    ),
    path(
        "roadmaps/<int:pk>/report-jobs/<int:job_id>/file/",
        RoadmapReportJobFileView.as_view(),
        name="roadmap-report-job-file",
    ),
    *router.urls,
]
