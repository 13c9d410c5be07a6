"""The report-form editor of platform admins, on the public host (namespace "reportforms")."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "reportforms"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.form_list, name="list"),
    path("<int:pk>/", views.form_detail, name="detail"),
    path("<int:pk>/copy/", views.form_copy, name="copy"),
    path("<int:pk>/publish/", views.form_publish, name="publish"),
    path("<int:pk>/delete/", views.form_delete, name="delete"),
    path("<int:pk>/indicators/<int:indicator_id>/", views.indicator_edit, name="indicator"),
    path("<int:pk>/indicators/<int:indicator_id>/delete/", views.indicator_delete, name="indicator_delete"),
]
