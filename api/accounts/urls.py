"""API routes of accounts (included by api/urls_public.py and api/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .auth import TokenObtainView
from .me import MeView
from .sessions import OwnSessionViewSet
from .tokens import OwnTokenViewSet

router = SimpleRouter()
router.register("auth/tokens", OwnTokenViewSet, basename="auth-token")
router.register("auth/sessions", OwnSessionViewSet, basename="auth-session")

urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenObtainView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
]
