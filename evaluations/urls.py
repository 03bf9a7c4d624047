from django.urls import path

from . import views

# Officials' dashboard, mounted at /bang-dieu-khien/.
app_name = "evaluations"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("sap-het-han.csv", views.expiring_csv, name="expiring_csv"),
]
