from django.urls import path
from django.views.generic import TemplateView

# Public catalogue. Placeholder views until the catalogue issue lands.
app_name = "products"

_placeholder = TemplateView.as_view(template_name="placeholder.html")

urlpatterns = [
    path("", _placeholder, name="home"),
    path("san-pham/", _placeholder, name="product_list"),
    path("san-pham/du-lieu.csv", _placeholder, name="product_csv"),
    path("san-pham/<slug:slug>/", _placeholder, name="product_detail"),
    path("chu-the/<slug:slug>/", _placeholder, name="producer_detail"),
    path("xa-phuong/", _placeholder, name="commune_list"),
    path("xa-phuong/<slug:slug>/", _placeholder, name="commune_detail"),
    path("huong-dan/", _placeholder, name="help"),
]
