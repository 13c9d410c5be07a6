"""Pages of the members area on a cluster host (namespace "members")."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "members"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.member_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.member_create, name="create"),
    path("export/", views.member_export, name="export"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/status/", views.member_lifecycle, name="lifecycle"),
    path("<int:pk>/representatives/", views.representative_invite, name="invite"),
    path(
        "<int:pk>/representatives/<int:user_id>/revoke/",
        views.representative_revoke,
        name="representative_revoke",
    ),
    path(
        "<int:pk>/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation"),
    path("products/", views.products, name="products"),
    path("<int:pk>/products/new/", views.product_create, name="product_create"),
    path("products/<int:product_id>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:product_id>/delete/", views.product_delete, name="product_delete"),
    path("kpis/", views.kpis, name="kpis"),
    path("<int:pk>/kpis/new/", views.kpi_create, name="kpi_create"),
    path("kpis/<int:report_id>/", views.kpi_detail, name="kpi"),
    path("kpis/<int:report_id>/<str:action>/", views.kpi_action, name="kpi_action"),
    path("contracts/", views.contracts, name="contracts"),
    path("contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:contract_id>/delete/", views.contract_delete, name="contract_delete"),
    path("import/", views.import_page, name="import"),
    path("import/<int:job_id>/", views.import_job, name="import_job"),
    path("import/<int:job_id>/status/", views.import_status, name="import_status"),
]
