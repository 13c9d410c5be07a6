from django.urls import include, path

from .accounts import MeView
from .auth import TokenObtainView

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("", include("api.federal.urls")),
]
