from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from . import views
from .accounts import security_views
from .accounts import views as account_views
from .home import views as home_views

app_name = "frontend"
# The reset request on every host; the link it e-mails and the pages behind it only on the
# platform host (frontend.urls_public adds password_reset_confirm).
password_reset = [
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
]
password_reset_confirm = [
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("frontend:password_reset_complete")),
        name="password_reset_confirm",
    ),
]
# Two-factor sign-in, «Безопасность входа» and «Сеансы»: the same on every host.
two_factor = [
    path("login/verify/", security_views.login_verify, name="login_verify"),
    path("login/verify/passkey/options/", security_views.login_passkey_options, name="login_passkey_options"),
    path("login/verify/passkey/", security_views.login_passkey, name="login_passkey"),
    path("account/security/", security_views.security, name="security"),
    path("account/security/totp/", security_views.totp_start, name="security_totp"),
    path("account/security/totp/confirm/", security_views.totp_confirm, name="security_totp_confirm"),
    path("account/security/totp/remove/", security_views.totp_remove, name="security_totp_remove"),
    path("account/security/recovery-codes/", security_views.recovery_codes, name="security_recovery"),
    path(
        "account/security/passkeys/options/", security_views.passkey_options, name="security_passkey_options"
    ),
    path("account/security/passkeys/", security_views.passkey_register, name="security_passkey_register"),
    path(
        "account/security/passkeys/<int:key_id>/remove/",
        security_views.passkey_remove,
        name="security_passkey_remove",
    ),
    path("account/sessions/", security_views.sessions, name="sessions"),
    path("account/sessions/<int:session_id>/end/", security_views.session_end_view, name="session_end"),
]
urlpatterns = [
    path("", views.cluster_home, name="home"),
    path("account/security/policy/", security_views.security_policy, name="security_policy"),
    path("account/api-tokens/", account_views.cluster_api_tokens, name="api_tokens"),
    path(
        "account/api-tokens/<int:token_id>/revoke/",
        account_views.cluster_api_token_revoke,
        name="api_token_revoke",
    ),
    path(
        "account/api-tokens/staff/<int:token_id>/revoke/",
        account_views.staff_api_token_revoke,
        name="staff_api_token_revoke",
    ),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("cabinet/", home_views.cabinet, name="cabinet"),
    path("news/", views.news_page, name="news"),
    *password_reset,
    *two_factor,
]
# Area pages under their own namespaces (members:…, governance:…, site:…, audit:…), see
# clusterhub.urls_tenant.
area_urlpatterns = [
    path("members/", include("frontend.members.urls")),
    path("governance/", include("frontend.governance.urls")),
    path("site/", include("frontend.site.urls")),
    path("audit/", include("frontend.audit.urls")),
    path("roadmap/", include("frontend.roadmap.urls")),
    path("fees/", include("frontend.fees.urls")),
    path("billing/", include("frontend.billing.urls")),
    path("annual-report/", include("frontend.annual_report.urls")),
    path("projects/", include("frontend.projects.urls")),
    path("selection/", include("frontend.selection.cluster_urls")),
    path("privacy/", include("frontend.privacy.urls")),
    path("setup/", include("frontend.onboarding.urls")),
]
