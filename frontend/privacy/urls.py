"""Pages of the personal data area on a cluster host (namespace "privacy")."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "privacy"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("purposes/new/", views.purpose_create, name="purpose_create"),
    path("purposes/<int:pk>/text/", views.purpose_text, name="purpose_text"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("register/new/", views.activity_create, name="activity_create"),
    path("register/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("register/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("requests/", views.request_index, name="requests"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/answer/<str:action>/", views.request_answer, name="request_answer"),
    path("requests/<int:pk>/refuse/", views.request_refuse, name="request_refuse"),
    path("requests/<int:pk>/copy.<str:format>", views.request_copy, name="request_copy"),
    path("incidents/", views.incident_index, name="incidents"),
    path("incidents/new/", views.incident_create, name="incident_create"),
    path("incidents/<int:pk>/<str:action>/", views.incident_step, name="incident_step"),
]
