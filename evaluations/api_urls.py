from django.urls import path

from .api import ProgressView

urlpatterns = [
    path("progress/", ProgressView.as_view(), name="api_progress"),
]
