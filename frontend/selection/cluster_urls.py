"""«Заявка на отбор» on a cluster host (namespace "program", prefix /selection/)."""

from django.urls import URLPattern, URLResolver, path

from . import cluster_views as views

app_name = "program"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("calls/<int:call_pk>/start/", views.start, name="start"),
    path("applications/<int:pk>/", views.application_page, name="application"),
    path("applications/<int:pk>/submit/", views.submit, name="submit"),
    path("applications/<int:pk>/attachments/", views.attach, name="attach"),
    path("applications/<int:pk>/attachments/<int:attachment_pk>/delete/", views.detach, name="detach"),
    path("applications/<int:pk>/application.<str:fmt>", views.download, name="download"),
    path("applications/<int:pk>/clarifications/<int:clarification_pk>/answer/", views.answer, name="answer"),
]
