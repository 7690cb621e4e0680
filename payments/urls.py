from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("", views.my_orders, name="my_orders"),
    path("manage/", views.staff_orders, name="staff_orders"),
    path("manage/export/", views.staff_orders_export, name="staff_orders_export"),
    path("manage/<str:number>/", views.staff_order_detail, name="staff_order_detail"),
    path("sandbox/pay/<uuid:reference>/", views.sandbox_gateway, name="sandbox_gateway"),
    path("notify/<slug:provider>/", views.provider_notify, name="provider_notify"),
    path("return/<slug:provider>/", views.provider_return, name="provider_return"),
    path("<str:number>/", views.order_detail, name="order_detail"),
    path("<str:number>/invoice/", views.order_invoice, name="order_invoice"),
    path("<str:number>/member/", views.order_member, name="order_member"),
    path("<str:number>/pay/", views.order_pay, name="order_pay"),
    path("<str:number>/receipt.pdf", views.order_receipt, name="order_receipt"),
]
