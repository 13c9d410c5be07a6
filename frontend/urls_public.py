from django.urls import path

from . import views
from .accounts import views as account_views
from .home import views as home_views
from .urls_tenant import password_reset, password_reset_confirm, two_factor

app_name = "frontend"
urlpatterns = [
    path("", views.platform_home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("my/", views.my_clusters, name="my_clusters"),
    path("cabinet/", home_views.platform_cabinet, name="cabinet"),
    path("account/api-tokens/", account_views.platform_api_tokens, name="api_tokens"),
    path(
        "account/api-tokens/<int:token_id>/revoke/",
        account_views.platform_api_token_revoke,
        name="api_token_revoke",
    ),
    path("platform/clusters/", views.platform_clusters, name="platform_clusters"),
    path(
        "platform/clusters/<slug:slug>/status/", views.platform_cluster_status, name="platform_cluster_status"
    ),
    *password_reset,
    *password_reset_confirm,
    *two_factor,
]
