from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def my_orders(request):
    """我的订单."""
    return render(request, "payments/my_orders.html", {"orders": []})
