"""Decided evaluations (recognised or revoked) are read-only, and never deleted, except for superusers.

A superuser's correction may move or delete a decision: every save and delete through the admin keeps
the derived ``superseded_on`` in step (``services.recognitions_resequence``).
"""

from .. import services
from ..models import DECIDED_STATUSES, Evaluation


def locked_for(user, evaluation) -> bool:
    """Whether ``user`` may only look at ``evaluation``: a saved decision, and not a superuser."""
    return evaluation.pk is not None and evaluation.status in DECIDED_STATUSES and not user.is_superuser


class EvaluationLockMixin:
    """For an evaluation ModelAdmin: the lock, and ``superseded_on`` kept in step on every write."""

    def has_change_permission(self, request, obj=None):
        if isinstance(obj, Evaluation) and locked_for(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if isinstance(obj, Evaluation) and locked_for(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.recognitions_resequence(product_ids=[obj.product_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.recognitions_resequence(product_ids=[obj.product_id])

    def delete_queryset(self, request, queryset):
        product_ids = set(queryset.values_list("product_id", flat=True))
        super().delete_queryset(request, queryset)
        services.recognitions_resequence(product_ids=product_ids)
