"""API routes of the site area (included by api/urls_tenant.py): the cluster's content
(news, articles, jobs, documents), events and the public read-only site API."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .content import ArticleViewSet, DocumentViewSet, JobViewSet, NewsViewSet
from .events import EventViewSet
from .public import PublicDirectoryViewSet, PublicEventViewSet, PublicProductViewSet

router = SimpleRouter()
router.register("news", NewsViewSet, basename="news")
router.register("events", EventViewSet, basename="event")
router.register("articles", ArticleViewSet, basename="article")
router.register("jobs", JobViewSet, basename="job")
router.register("documents", DocumentViewSet, basename="site-document")
router.register("public/directory", PublicDirectoryViewSet, basename="public-directory")
router.register("public/products", PublicProductViewSet, basename="public-product")
router.register("public/events", PublicEventViewSet, basename="public-event")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
