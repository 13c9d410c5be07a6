"""Selection pages on the public host (namespace "selection", prefix /selection/)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "selection"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.calls, name="calls"),
    path("new/", views.call_create, name="call_create"),
    path("<int:pk>/", views.call_detail, name="call"),
    path("<int:pk>/status/", views.call_status, name="call_status"),
    path("<int:pk>/experts/", views.expert_add, name="expert_add"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/assign-evenly/", views.assign_evenly, name="assign_evenly"),
    path("<int:pk>/applications/<int:application_pk>/", views.application_detail, name="application"),
    path(
        "<int:pk>/applications/<int:application_pk>/application.<str:fmt>",
        views.application_download,
        name="application_download",
    ),
    path("<int:pk>/ranking/", views.ranking, name="ranking"),
    path("<int:pk>/ranking/<int:application_pk>/decision/", views.decide, name="decide"),
    path("<int:pk>/protocol.<str:fmt>", views.protocol, name="protocol"),
    path("<int:pk>/results/", views.results, name="results"),
    path("reviews/", views.my_reviews, name="my_reviews"),
    path("reviews/<int:pk>/", views.review, name="review"),
]
