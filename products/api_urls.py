from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import api

# Mounted under /api/v1/ by ocop_registry/api_urls.py.
app_name = "products_api"

urlpatterns = [
    path("products/", api.ProductListAPI.as_view(), name="product_list"),
    path("products/<slug:slug>/", api.ProductDetailAPI.as_view(), name="product_detail"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
