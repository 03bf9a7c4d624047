"""The admin for evaluations, programme phases and targets, split along what staff do.

- ``filters``: finding evaluations on the list (the product list reuses them);
- ``entry``: entering a council's scores: the form, the part maxima shown beside it, the data of the live
  stars script, and the evaluations inline on the product page;
- ``decisions``: taking decisions with actions (recognise, revoke, propose for 5 stars) on an intermediate page;
- ``locking``: decided evaluations read-only except for superusers, whose corrections keep ``superseded_on``
  in step;
- ``importing``: the register import's URL and button (the page is ``evaluations.import_views``);
- ``evaluation``: the list, its export (``ocop_registry.exports``), and the ModelAdmin putting the above together;
- ``phases``: programme phases and their targets;
- ``notices``: renewal notices (the record, and the producer's send and download actions).
"""

from django.contrib import admin

from ..models import Evaluation, Phase, Target
from .entry import EvaluationInline
from .evaluation import EvaluationAdmin
from .filters import DecisionYearFilter, ProducerKindFilter, ProductGroupFilter, StarsFilter
from .notices import RenewalLetterActions, RenewalNoticeAdmin, renewal_notice_display
from .phases import PhaseAdmin, TargetAdmin

__all__ = [
    "DecisionYearFilter",
    "EvaluationAdmin",
    "EvaluationInline",
    "PhaseAdmin",
    "RenewalLetterActions",
    "RenewalNoticeAdmin",
    "ProducerKindFilter",
    "ProductGroupFilter",
    "StarsFilter",
    "TargetAdmin",
    "renewal_notice_display",
]

admin.site.register(Evaluation, EvaluationAdmin)
admin.site.register(Phase, PhaseAdmin)
admin.site.register(Target, TargetAdmin)
