from django.urls import path
from django.views.generic import TemplateView

# Officials' dashboard. Placeholder view until the dashboard issue lands.
app_name = "evaluations"

urlpatterns = [
    path("", TemplateView.as_view(template_name="placeholder.html"), name="dashboard"),
]
