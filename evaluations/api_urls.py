urlpatterns = []  # the progress API is added by the dashboard issue
