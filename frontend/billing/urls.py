"""Pages of the member portal invoices and payment, on a cluster host area (namespace "billing")."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "billing"
urlpatterns: list[URLPattern | URLResolver] = [
    path("invoices/", views.my_invoices, name="my_invoices"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/receipt/", views.receipt_pdf, name="receipt_pdf"),
    path("invoices/<int:pk>/status/", views.invoice_status, name="invoice_status"),
    path("invoices/<int:pk>/pay/", views.invoice_pay, name="invoice_pay"),
    path("invoices/<int:pk>/pay/confirm/", views.invoice_pay_confirm, name="invoice_pay_confirm"),
    path("payee/", views.payee_settings, name="payee"),
]
