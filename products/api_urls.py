from django.urls import path

from . import api

# Mounted under /api/v1/ by ocop_registry/api_urls.py (which also serves the index and the docs page).
app_name = "products_api"

urlpatterns = [
    path("products/", api.ProductListAPI.as_view(), name="product_list"),
    path("products/<slug:slug>/", api.ProductDetailAPI.as_view(), name="product_detail"),
    path("schema/", api.SchemaView.as_view(), name="schema"),
]
