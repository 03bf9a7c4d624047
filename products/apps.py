from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "products"
    verbose_name = _("Sản phẩm và chủ thể")

    def ready(self):
        from ocop_registry import data_version

        from . import facet_summary, search_names

        data_version.watch(self)  # every save or delete of a product, producer, commune… bumps the data version
        data_version.after_bump(facet_summary.rebuild)  # derived: the catalogue's facet counts
        data_version.after_bump(search_names.rebuild)  # derived: the names the catalogue search reads
