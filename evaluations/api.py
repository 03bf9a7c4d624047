"""The public progress API: headline figures only, no contact data."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors


class ProgressView(APIView):
    """Progress towards each phase's targets and the current standing, as of a date (default today)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("as_of", OpenApiTypes.DATE, description=gettext_lazy("YYYY-MM-DD; mặc định hôm nay"))
        ],
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        raw = request.query_params.get("as_of")
        if raw:
            try:
                day = datetime.date.fromisoformat(raw) if len(raw) == 10 else None
            except ValueError:
                day = None
            if day is None or not selectors.MIN_AS_OF <= day <= selectors.MAX_AS_OF:
                message = _("Tham số as_of không hợp lệ: dùng dạng YYYY-MM-DD (năm 1900–2999), ví dụ 2020-06-30.")
                return Response({"as_of": [message], "detail": message}, status=400)
        else:
            day = timezone.localdate()
        progress = selectors.cached_progress_on(day=day)
        phases, standing = progress.phases, progress.standing
        return Response({
            "as_of": day.isoformat(),
            "phases": [
                {
                    "name": phase.name,
                    "start": phase.start.isoformat(),
                    "end": phase.end.isoformat(),
                    "targets": [
                        {
                            "label": t.label,
                            "measure": t.measure,
                            "min_stars": t.min_stars,
                            "max_stars": t.max_stars,
                            "target": t.target,
                            "achieved": t.achieved,
                            "percent": t.percent,
                        }
                        for t in phase.targets
                    ],
                }
                for phase in phases
            ],
            "current": {
                "valid_by_stars": {str(stars): n for stars, n in standing.valid_by_stars.items()},
                "expired": standing.expired,
                "revoked": standing.revoked,
                "expiring_90_days": standing.expiring,
            },
        })
