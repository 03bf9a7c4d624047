"""The public progress API: headline figures only, no contact data."""

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import rules, selectors
from .forms import API_INVALID_AS_OF, parse_iso_as_of
from .models import Target


class AsOfField(serializers.DateField):
    """An as-of date as the API reads it (:func:`evaluations.forms.parse_iso_as_of`): YYYY-MM-DD, in range."""

    default_error_messages = {"invalid": API_INVALID_AS_OF}

    def to_internal_value(self, value):
        day = parse_iso_as_of(value) if isinstance(value, str) else None
        if day is None:
            self.fail("invalid")
        return day


class ProgressQuerySerializer(serializers.Serializer):
    """The progress API's query string."""

    as_of = AsOfField(default=timezone.localdate, help_text=_("YYYY-MM-DD; mặc định hôm nay"))


class TargetProgressSerializer(serializers.Serializer):
    """One target of a phase and how much of it was achieved by the as-of date."""

    label = serializers.CharField(help_text=_("Tên chỉ tiêu"))
    label_en = serializers.CharField(help_text=_("Tên chỉ tiêu bằng tiếng Anh (rỗng nếu chưa có)"))
    measure = serializers.ChoiceField(choices=Target.Measure.choices, help_text=_("Cách đếm của chỉ tiêu"))
    min_stars = serializers.IntegerField(help_text=_("Hạng sao thấp nhất được tính"))
    max_stars = serializers.IntegerField(help_text=_("Hạng sao cao nhất được tính"))
    target = serializers.IntegerField(help_text=_("Số sản phẩm cần đạt trong giai đoạn"))
    achieved = serializers.IntegerField(help_text=_("Số sản phẩm đã đạt tính đến ngày as_of"))
    percent = serializers.FloatField(help_text=_("Phần trăm chỉ tiêu đã đạt, làm tròn đến một chữ số thập phân"))


class PhaseProgressSerializer(serializers.Serializer):
    """A phase of the programme with its targets."""

    name = serializers.CharField(help_text=_("Tên giai đoạn"))
    start = serializers.DateField(help_text=_("Ngày bắt đầu giai đoạn"))
    end = serializers.DateField(help_text=_("Ngày kết thúc giai đoạn"))
    targets = TargetProgressSerializer(many=True, help_text=_("Các chỉ tiêu của giai đoạn"))


class CurrentStandingSerializer(serializers.Serializer):
    """Products counted by their latest recognition on the as-of date."""

    valid_by_stars = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=_("Số sản phẩm có giấy chứng nhận còn hiệu lực, theo hạng sao (khóa là số sao)"),
    )
    expired = serializers.IntegerField(help_text=_("Số sản phẩm có giấy chứng nhận đã hết hiệu lực"))
    revoked = serializers.IntegerField(help_text=_("Số sản phẩm có quyết định công nhận gần nhất đã bị thu hồi"))
    expiring_90_days = serializers.IntegerField(
        source="expiring",
        help_text=format_lazy(
            _("Số giấy chứng nhận còn hiệu lực sẽ hết hiệu lực trong {days} ngày tới"), days=rules.EXPIRING_SOON_DAYS
        ),
    )


class ProgressSerializer(serializers.Serializer):
    """Progress towards each phase's targets and the current standing, as of a date."""

    as_of = serializers.DateField(help_text=_("Ngày tính số liệu"))
    phases = PhaseProgressSerializer(many=True, help_text=_("Các giai đoạn, theo ngày bắt đầu"))
    current = CurrentStandingSerializer(source="standing", help_text=_("Hiện trạng giấy chứng nhận"))


class ProgressErrorSerializer(serializers.Serializer):
    """An invalid as_of: the same message under the parameter's name and as detail."""

    as_of = serializers.ListField(child=serializers.CharField(), help_text=_("Lỗi của tham số as_of"))
    detail = serializers.CharField(help_text=_("Thông báo lỗi"))


class ProgressView(APIView):
    """Progress towards each phase's targets and the current standing, as of a date (default today)."""

    @extend_schema(
        parameters=[ProgressQuerySerializer],
        responses={
            200: ProgressSerializer,
            400: OpenApiResponse(ProgressErrorSerializer, description=_("Tham số as_of không hợp lệ")),
        },
    )
    def get(self, request):
        query = ProgressQuerySerializer(data=request.query_params)
        if not query.is_valid():
            message = query.errors["as_of"][0]
            return Response(ProgressErrorSerializer({"as_of": [message], "detail": message}).data, status=400)
        return Response(ProgressSerializer(selectors.cached_progress_on(day=query.validated_data["as_of"])).data)
