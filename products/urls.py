from django.urls import path

from . import views
from .feeds import NewRecognitionsFeed

# The public catalogue (Vietnamese slugs).
app_name = "products"

urlpatterns = [
    path("", views.home, name="home"),
    path("san-pham/", views.product_list, name="product_list"),
    path("san-pham/du-lieu.csv", views.product_csv, name="product_csv"),
    path("san-pham/moi.atom", NewRecognitionsFeed(), name="feed"),
    path("san-pham/<slug:slug>/", views.product_detail, name="product_detail"),
    path("san-pham/<slug:slug>/giay-chung-nhan/", views.product_print, name="product_print"),
    path("chu-the/<slug:slug>/", views.producer_detail, name="producer_detail"),
    path("xa-phuong/", views.commune_list, name="commune_list"),
    path("xa-phuong/<slug:slug>/", views.commune_detail, name="commune_detail"),
    path("xac-minh/", views.verify, name="verify"),
    path("huong-dan/", views.help_page, name="help"),
]
