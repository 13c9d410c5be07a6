from django.urls import path

from . import views
from .urls_tenant import password_reset

app_name = "frontend"
urlpatterns = [
    path("", views.platform_home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("my/", views.my_clusters, name="my_clusters"),
    path("platform/clusters/", views.platform_clusters, name="platform_clusters"),
    path("platform/clusters/<slug:slug>/status/", views.platform_cluster_status, name="platform_cluster_status"),
    *password_reset,
]
