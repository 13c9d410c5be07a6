"""API routes of the site area (included by api/urls_tenant.py).

news/ is registered there (api.content.NewsViewSet); the rest of the site area is here.
"""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .content import ArticleViewSet, DocumentViewSet, JobViewSet
from .events import EventViewSet
from .site import PublicDirectoryViewSet, PublicEventViewSet, PublicProductViewSet

router = SimpleRouter()
router.register("events", EventViewSet, basename="event")
router.register("articles", ArticleViewSet, basename="article")
router.register("jobs", JobViewSet, basename="job")
router.register("documents", DocumentViewSet, basename="site-document")
router.register("public/directory", PublicDirectoryViewSet, basename="public-directory")
router.register("public/products", PublicProductViewSet, basename="public-product")
router.register("public/events", PublicEventViewSet, basename="public-event")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
