urlpatterns = []  # the catalogue API (products, schema) is added by the public catalogue issue
