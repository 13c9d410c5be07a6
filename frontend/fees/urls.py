"""Pages of the fees and invoices for cluster staff, on a cluster host area (namespace "fees")."""

from django.urls import URLPattern, URLResolver, path

from . import statements, views

app_name = "fees"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.schedules, name="schedules"),
    path("schedules/new/", views.schedule_create, name="schedule_create"),
    path("schedules/<int:pk>/", views.schedule_detail, name="schedule"),
    path("schedules/<int:pk>/edit/", views.schedule_edit, name="schedule_edit"),
    path("schedules/<int:pk>/delete/", views.schedule_delete, name="schedule_delete"),
    path("exemptions/", views.exemptions, name="exemptions"),
    path("exemptions/new/", views.exemption_create, name="exemption_create"),
    path("exemptions/<int:pk>/", views.exemption_edit, name="exemption_edit"),
    path("exemptions/<int:pk>/delete/", views.exemption_delete, name="exemption_delete"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/payment/", views.invoice_payment, name="invoice_payment"),
    path("invoices/<int:pk>/void/", views.invoice_void, name="invoice_void"),
    path("invoices/<int:pk>/payments/<int:payment_id>/refund/", views.payment_refund, name="payment_refund"),
    path("arrears/", views.arrears, name="arrears"),
    path("ledger/", views.ledger, name="ledger"),
    path("statements/", statements.statements, name="statements"),
    path("statements/<int:pk>/", statements.statement_detail, name="statement"),
    path("statements/<int:pk>/apply/", statements.statement_apply, name="statement_apply"),
    path("statements/queue/", statements.queue, name="statement_queue"),
    path("statements/demo-file/", statements.demo_file, name="statement_demo_file"),
    path("statements/lines/<int:pk>/", statements.line_detail, name="statement_line"),
    path("statements/lines/<int:pk>/match/", statements.line_match, name="statement_line_match"),
    path("statements/lines/<int:pk>/dismiss/", statements.line_dismiss, name="statement_line_dismiss"),
]
