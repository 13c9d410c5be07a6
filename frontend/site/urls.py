"""Pages of the site area on a cluster host (namespace "site", mounted at /site/).

Public (anyone on the cluster's host): events, calendar, event, directory, company, products,
news, news_detail, articles, article, jobs, job, documents, document_download.
Cluster roles: event_register, event_withdraw. Cluster admin and staff: event_create,
event_edit, event_delete and manage_<news|articles|jobs|documents>[_create|_edit|_delete].
"""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "site"
urlpatterns: list[URLPattern | URLResolver] = [
    path("events/", views.event_list_page, name="events"),
    path("events/calendar/", views.event_calendar, name="calendar"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/delete/", views.event_delete, name="event_delete"),
    path("events/<int:pk>/participants/", views.event_register, name="event_register"),
    path(
        "events/<int:pk>/participants/<int:company_id>/withdraw/", views.event_withdraw, name="event_withdraw"
    ),
    path("members/", views.directory, name="directory"),
    path("members/<int:pk>/", views.company_detail, name="company"),
    path("products/", views.products, name="products"),
    path("news/", views.news_public, name="news"),
    path("news/<int:pk>/", views.news_detail, name="news_detail"),
    path("articles/", views.articles_public, name="articles"),
    path("articles/<int:pk>/", views.article_detail, name="article"),
    path("jobs/", views.jobs_public, name="jobs"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("documents/", views.documents_public, name="documents"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
]
for kind in views.CONTENT_KINDS:
    urlpatterns += [
        path(f"manage/{kind}/", views.manage_list, {"kind": kind}, name=f"manage_{kind}"),
        path(f"manage/{kind}/new/", views.manage_create, {"kind": kind}, name=f"manage_{kind}_create"),
        path(f"manage/{kind}/<int:pk>/edit/", views.manage_edit, {"kind": kind}, name=f"manage_{kind}_edit"),
        path(
            f"manage/{kind}/<int:pk>/delete/",
            views.manage_delete,
            {"kind": kind},
            name=f"manage_{kind}_delete",
        ),
    ]
