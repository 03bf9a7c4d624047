from django.urls import path

from . import views

# Mounted at the site's root: the public progress page and the officials' dashboard (a staff area,
# ocop_registry.sessions.STAFF_URL_NAMES, under its own prefix).
app_name = "evaluations"

urlpatterns = [
    path("tien-do/", views.progress, name="progress"),
    path("bang-dieu-khien/", views.dashboard, name="dashboard"),
    path("bang-dieu-khien/sap-het-han.csv", views.expiring_csv, name="expiring_csv"),
    path("bang-dieu-khien/bao-cao.xlsx", views.report_xlsx, name="report_xlsx"),
]
