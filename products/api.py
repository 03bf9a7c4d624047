"""The open-data API: read-only, unauthenticated, over the same selectors and FilterSet as the HTML catalogue."""

import functools

from django.core.paginator import Paginator
from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from drf_spectacular.views import SpectacularAPIView
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

from evaluations import rules
from evaluations.models import Evaluation
from ocop_registry.site_url import absolute_url

from . import selectors
from .filters import PAGE_SIZE, CatalogueFilterSet
from .models import Commune, Producer, Product

# The API's certificate status (``rules.public_certificate_status``): "expiring" is reported as "valid" with
# ``expiring_soon`` true.
PUBLIC_STATUSES = [
    status for status in rules.CertificateStatus.values if rules.public_certificate_status(status) == status
]


class CatalogueFilterBackend(DjangoFilterBackend):
    """The catalogue's FilterSet over the whole catalogue, kept on the view: the unfiltered list's length then
    comes from the facet summary (``CatalogueFilterSet.count``) instead of a count over every product."""

    def get_filterset(self, request, queryset, view):
        view.filterset = CatalogueFilterSet(request.query_params, request=request)
        return view.filterset


class CatalogueFilterPaginator(Paginator):
    """A page of a catalogue list whose length its FilterSet tells."""

    def __init__(self, object_list, per_page, *, filterset=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.filterset = filterset

    @cached_property
    def count(self):
        return super().count if self.filterset is None else self.filterset.count()


class CataloguePagination(PageNumberPagination):
    page_size = PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        filterset = getattr(view, "filterset", None)
        self.django_paginator_class = functools.partial(CatalogueFilterPaginator, filterset=filterset)
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise ValidationError({"page": [_("Số trang không hợp lệ hoặc vượt quá số trang hiện có.")]}) from None


class GroupSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ProducerRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Producer.Kind.choices)
    is_demo = serializers.BooleanField(help_text=_("Chủ thể minh họa (dữ liệu demo), không phải hồ sơ thật"))


class CommuneRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="full_name")


class CertificateSerializer(serializers.Serializer):
    """The product's latest recognition (not a proposal) and its certificate as of today."""

    decision_no = serializers.CharField(source="cert_decision_no")
    decision_date = serializers.DateField(source="cert_decision_date")
    valid_until = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    expiring_soon = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.DATE)
    def get_valid_until(self, product):
        return selectors.valid_until(product.cert_decision_date)

    @extend_schema_field(serializers.ChoiceField(choices=PUBLIC_STATUSES))
    def get_status(self, product):
        return rules.public_certificate_status(product.cert_status)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_expiring_soon(self, product):
        return product.cert_status == rules.CertificateStatus.EXPIRING


class ProductSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    stars = serializers.IntegerField(source="cert_stars")
    group = GroupSerializer(allow_null=True)
    producer = ProducerRefSerializer()
    commune = CommuneRefSerializer()
    certificate = CertificateSerializer(source="*")
    is_demo = serializers.BooleanField(help_text=_("Sản phẩm minh họa (dữ liệu demo), không phải hồ sơ thật"))

    class Meta:
        model = Product
        fields = ["code", "name", "slug", "url", "stars", "is_demo", "group", "producer", "commune", "certificate"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, product):
        return absolute_url(product.get_absolute_url(), self.context.get("request"))


class LegacyCommuneSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.SerializerMethodField()
    district = serializers.CharField(source="district.__str__")

    def get_name(self, legacy) -> str:
        return f"{legacy.get_kind_display()} {legacy.name}"


class RecognitionSerializer(serializers.ModelSerializer):
    """One recognition decision in the product's rating history."""

    level_name = serializers.CharField(source="get_level_display")
    valid_until = serializers.DateField(read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "decision_no",
            "decision_date",
            "valid_until",
            "level",
            "level_name",
            "rule_set",
            "stars",
            "score_a",
            "score_b",
            "score_c",
            "total",
            "status",
            "revocation_no",
            "revocation_date",
        ]


class ProductDetailSerializer(ProductSerializer):
    description = serializers.CharField()
    legacy_commune = LegacyCommuneSerializer(allow_null=True)
    history = RecognitionSerializer(many=True, source="recognitions")

    class Meta(ProductSerializer.Meta):
        fields = [*ProductSerializer.Meta.fields, "description", "legacy_commune", "history"]


# The columns a list entry needs (``product_entries``), read as rows rather than model instances.
LIST_COLUMNS = (
    "code", "name", "slug", "cert_stars", "is_demo", "group__code", "group__name",
    "producer__name", "producer__kind", "producer__is_demo", "commune__code", "commune__kind", "commune__name",
    "cert_decision_no", "cert_decision_date", "cert_status",
)


def product_entries(rows, request) -> list[dict]:
    """``ProductSerializer``'s representation of each of ``rows`` (``LIST_COLUMNS``), built directly: a page of the
    list without building 170 model instances and running DRF's fields over them (a third of the request's time).
    Tests hold it equal to the serializer's, which stays the schema's and the detail's."""
    marker = "slug-placeholder"  # the product URLs differ only by slug: build the absolute prefix once
    url_template = absolute_url(reverse("products:product_detail", kwargs={"slug": marker}), request)
    expiring = rules.CertificateStatus.EXPIRING
    entries = []
    for row in rows:
        decided = row["cert_decision_date"]
        entries.append({
            "code": row["code"],
            "name": row["name"],
            "slug": row["slug"],
            "url": url_template.replace(marker, row["slug"]),
            "stars": row["cert_stars"],
            "is_demo": row["is_demo"],
            "group": {"code": row["group__code"], "name": row["group__name"]} if row["group__code"] else None,
            "producer": {
                "name": row["producer__name"], "kind": row["producer__kind"], "is_demo": row["producer__is_demo"],
            },
            "commune": {
                "code": row["commune__code"], "name": Commune.full_name_of(row["commune__kind"], row["commune__name"]),
            },
            "certificate": {
                "decision_no": row["cert_decision_no"],
                "decision_date": decided.isoformat(),
                "valid_until": selectors.valid_until(decided).isoformat(),
                "status": rules.public_certificate_status(row["cert_status"]),
                "expiring_soon": row["cert_status"] == expiring,
            },
        })
    return entries


class ProductListAPI(generics.ListAPIView):
    """Products in the public catalogue, with the catalogue's filters as query parameters."""

    serializer_class = ProductSerializer  # the schema's; the entries are built by product_entries
    pagination_class = CataloguePagination
    filter_backends = [CatalogueFilterBackend]
    filterset_class = CatalogueFilterSet

    def get_queryset(self):
        return selectors.catalogue_products()

    def list(self, request, *args, **kwargs):
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*LIST_COLUMNS))
        return self.get_paginated_response(product_entries(rows, request))


class ProductDetailAPI(generics.RetrieveAPIView):
    """One catalogue product with its rating history (every recognition decision)."""

    serializer_class = ProductDetailSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.catalogue_products().prefetch_related(selectors.rating_history())

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise NotFound(_("Không có sản phẩm này trong danh mục OCOP.")) from None


class ReadableYamlRenderer(OpenApiYamlRenderer):
    """The schema in YAML as plain text, which a browser shows instead of downloading; programs asking for
    ``application/vnd.oai.openapi`` or ``application/yaml`` get the same YAML under those types."""

    media_type = "text/plain"


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, readable in a browser: YAML shown as text by default, ``?format=json`` as JSON; or
    what the Accept header asks for. Shown inline, under an ASCII file name if saved."""

    renderer_classes = [
        ReadableYamlRenderer,
        OpenApiYamlRenderer,
        OpenApiYamlRenderer2,
        OpenApiJsonRenderer2,  # application/json: browsers show it
        OpenApiJsonRenderer,
    ]

    def _get_filename(self, request, version):
        return f"ocop-thanh-hoa-openapi.{self.perform_content_negotiation(request, force=True)[0].format}"
