"""The open-data API: read-only, unauthenticated, over the same selectors and FilterSet as the HTML catalogue."""

from django.http import Http404
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
from .models import Producer, Product

# The API's certificate status (``rules.public_certificate_status``): "expiring" is reported as "valid" with
# ``expiring_soon`` true.
PUBLIC_STATUSES = [
    status for status in rules.CertificateStatus.values if rules.public_certificate_status(status) == status
]


class CataloguePagination(PageNumberPagination):
    page_size = PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
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


class ProductListAPI(generics.ListAPIView):
    """Products in the public catalogue, with the catalogue's filters as query parameters."""

    serializer_class = ProductSerializer
    pagination_class = CataloguePagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = CatalogueFilterSet

    def get_queryset(self):
        return selectors.catalogue_products()


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
