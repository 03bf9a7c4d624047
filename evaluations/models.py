"""Star-rating evaluations, programme phases and their targets."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Q, When, Window
from django.db.models.functions import Lead, RowNumber
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from products.models import ConstraintFieldsMixin

from . import rules
from .rules import CouncilLevel, RuleSet


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("Nháp")
    SCORED = "scored", _("Đã chấm điểm")
    RECOGNISED = "recognised", _("Đã công nhận")
    REVOKED = "revoked", _("Đã thu hồi")


# Conditions on evaluations, shared by the QuerySet methods below and by the tallies' conditional
# aggregates (evaluations/selectors.py), so each rule is written once.

DECIDED_STATUSES = (EvaluationStatus.RECOGNISED, EvaluationStatus.REVOKED)
# The code of "enter all three part scores or none" (the entry form drops it when a score is itself invalid).
SCORES_INCOMPLETE = "scores_incomplete"


def decided_by_condition(day: datetime.date) -> Q:
    """A recognition decision (recognised, or revoked since) dated on or before ``day``."""
    return Q(status__in=DECIDED_STATUSES, decision_date__lte=day)


def revoked_by_condition(day: datetime.date) -> Q:
    """Revoked by a decision dated on or before ``day``."""
    return Q(status=EvaluationStatus.REVOKED, revocation_date__lte=day)


def valid_on_condition(day: datetime.date) -> Q:
    """A certificate within its 36 months on ``day`` (revoked or not)."""
    return Q(decision_date__lte=day, decision_date__gte=rules.earliest_valid_decision_date(day))


def revoked_on_expression(*, status: str = "status", revocation_date: str = "revocation_date"):
    """The date a decision was revoked, or null if it was not: the ``revoked_on`` that the certificate status
    rules read (:func:`evaluations.rules.certificate_status_conditions`). The arguments name the columns (or
    annotations) holding the evaluation's status and revocation date."""
    return Case(
        When(**{status: EvaluationStatus.REVOKED}, then=F(revocation_date)),
        default=None,
        output_field=models.DateField(),
    )


def latest_on_condition(day: datetime.date, *, through: str = "") -> Q:
    """The product's latest recognition decision on ``day``: decided by then, and not yet followed by a
    later decision of the same product (``superseded_on``). ``through`` prefixes the lookups when the
    condition is applied across a relation (``"evaluations__"`` from products)."""
    return Q(
        **{f"{through}status__in": DECIDED_STATUSES, f"{through}decision_date__lte": day}
    ) & (Q(**{f"{through}superseded_on__isnull": True}) | Q(**{f"{through}superseded_on__gt": day}))


class EvaluationQuerySet(models.QuerySet):
    def recognised(self):
        """Decided recognitions that have not been revoked."""
        return self.filter(status=EvaluationStatus.RECOGNISED)

    def decided(self):
        """Recognitions, including those revoked since: every recognition decision taken."""
        return self.filter(status__in=DECIDED_STATUSES)

    def decided_by(self, day: datetime.date):
        """Recognition decisions dated on or before ``day``."""
        return self.filter(decided_by_condition(day))

    def newest_first(self):
        """Newest decision first (the order :meth:`latest_per_product_by_window` ranks decisions in): for
        listing decisions. A product's latest recognition is :meth:`latest_per_product`, never the first
        row of this order."""
        return self.order_by("-decision_date", "-pk")

    def latest_per_product(self, day: datetime.date):
        """Each product's latest recognition decision dated on or before ``day`` (revoked ones included):
        the one definition of "a product's latest recognition". For one product, or correlated with
        products (``.filter(product=OuterRef("pk"))``), it is at most one row.

        A plain filter, thanks to ``superseded_on`` (the date of the product's next decision), so it
        can be grouped, joined and filtered further like any queryset. Joined from products, the same
        condition is :func:`latest_on_condition` with ``through="evaluations__"``.
        """
        return self.filter(latest_on_condition(day))

    def latest_per_product_by_window(self, day: datetime.date):
        """The same as :meth:`latest_per_product`, computed from the decisions alone with a window
        function: the reference that ``superseded_on`` is checked against (tests, consistency check)."""
        return self.decided_by(day).annotate(
            latest_rank=Window(
                RowNumber(), partition_by=[F("product_id")], order_by=[F("decision_date").desc(), F("pk").desc()]
            )
        ).filter(latest_rank=1)

    def current(self):
        """Each product's latest recognition decision of all, whatever its date: what the product's current
        recognition columns copy (``Product.current_*``, kept by ``services.recognitions_resequence``)."""
        return self.filter(status__in=DECIDED_STATUSES, superseded_on__isnull=True)

    def with_revoked_on(self):
        """Annotated with ``revoked_on``: the revocation's date for a revoked decision, else null."""
        return self.annotate(revoked_on=revoked_on_expression())

    def with_next_decision(self):
        """Decisions annotated with ``next_decision_date``: the date of the same product's next decision."""
        return self.decided().annotate(
            next_decision_date=Window(
                Lead("decision_date"), partition_by=[F("product_id")], order_by=[F("decision_date").asc(), F("pk").asc()]
            )
        )

    def proposals(self):
        """The province's proposals of a product for the central council's 5 stars."""
        return self.filter(proposed_national=True)

    def valid_on(self, day: datetime.date):
        """Recognitions whose certificate is within its 36 months on ``day``."""
        return self.filter(valid_on_condition(day))


class Evaluation(ConstraintFieldsMixin, models.Model):
    """One council's evaluation of one product, and the decision taken on it."""

    Status = EvaluationStatus
    constraint_fields = {"evaluation_one_recognition_per_product_per_decision": "decision_no"}

    product = models.ForeignKey(
        "products.Product", on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("sản phẩm")
    )
    evaluated_on = models.DateField(_("ngày đánh giá"), null=True, blank=True)
    rule_set = models.CharField(
        _("bộ tiêu chí"),
        max_length=4,
        choices=RuleSet.choices,
        blank=True,
        help_text=_("Để trống thì theo ngày đánh giá (bộ 148 từ 24/02/2023)."),
    )
    level = models.CharField(_("cấp hội đồng"), max_length=10, choices=CouncilLevel.choices)
    score_a = models.PositiveSmallIntegerField(_("điểm phần A"), null=True, blank=True)
    score_b = models.PositiveSmallIntegerField(_("điểm phần B"), null=True, blank=True)
    score_c = models.PositiveSmallIntegerField(_("điểm phần C"), null=True, blank=True)
    total = models.GeneratedField(
        expression=models.F("score_a") + models.F("score_b") + models.F("score_c"),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
        verbose_name=_("tổng điểm"),
    )
    not_rated = models.BooleanField(
        _("Không đạt"),
        default=False,
        help_text=_("Sản phẩm không đáp ứng tiêu chí bắt buộc tối thiểu, bất kể số điểm."),
    )
    declared_stars = models.PositiveSmallIntegerField(
        _("hạng sao theo quyết định"),
        null=True,
        blank=True,
        help_text=_("Chỉ dùng cho quyết định không kèm điểm các phần: hạng sao ghi trong quyết định."),
    )
    stars = models.GeneratedField(
        expression=rules.stars_expression(),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
        verbose_name=_("hạng sao"),
    )
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    decision_no = models.CharField(_("số quyết định"), max_length=50, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    proposed_national = models.BooleanField(_("đề xuất 5 sao"), default=False)
    proposal_no = models.CharField(_("số văn bản đề xuất"), max_length=50, blank=True)
    proposal_date = models.DateField(_("ngày đề xuất"), null=True, blank=True)
    superseded_on = models.DateField(
        _("thay thế bởi quyết định ngày"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Ngày của quyết định tiếp theo về cùng sản phẩm (tự tính, để truy vấn nhanh)."),
    )
    revocation_no = models.CharField(_("số quyết định thu hồi"), max_length=50, blank=True)
    revocation_date = models.DateField(_("ngày thu hồi"), null=True, blank=True)
    notes = models.TextField(_("ghi chú"), blank=True)
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ngày cập nhật"), auto_now=True)

    objects = EvaluationQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["total", "stars", "superseded_on"])

    class Meta:
        ordering = ["-decision_date", "-evaluated_on", "-pk"]
        verbose_name = _("đánh giá")
        verbose_name_plural = pgettext_lazy("plural", "đánh giá")
        permissions = [
            ("recognise_evaluation", _("Công nhận đánh giá theo quyết định")),
            ("revoke_evaluation", _("Thu hồi công nhận")),
            ("propose_evaluation", _("Đề xuất 5 sao quốc gia")),
            ("import_register", _("Nhập danh sách công nhận từ tệp")),
            ("view_dashboard", _("Xem bảng theo dõi tiến độ")),
        ]
        indexes = [
            models.Index(fields=["status", "decision_date"], name="evaluation_status_date"),
            models.Index(fields=["product", "status", "decision_date"], name="evaluation_product_status"),
            models.Index(fields=["decision_date", "superseded_on"], name="evaluation_latest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rule_set__in=RuleSet.values), name="evaluation_rule_set_valid",
                violation_error_message=_("Bộ tiêu chí không hợp lệ."),
            ),
            models.CheckConstraint(
                condition=Q(level__in=CouncilLevel.values), name="evaluation_level_valid",
                violation_error_message=_("Cấp hội đồng không hợp lệ."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=EvaluationStatus.values), name="evaluation_status_valid",
                violation_error_message=_("Trạng thái không hợp lệ."),
            ),
            models.CheckConstraint(
                condition=rules.part_maxima_condition(), name="evaluation_parts_within_maxima",
                violation_error_message=_("Điểm một phần vượt quá mức tối đa của bộ tiêu chí."),
            ),
            # Part scores come together: all three or none.
            models.CheckConstraint(
                condition=Q(score_a__isnull=True, score_b__isnull=True, score_c__isnull=True)
                | Q(score_a__isnull=False, score_b__isnull=False, score_c__isnull=False),
                name="evaluation_scores_all_or_none",
                violation_error_message=_("Nhập đủ điểm cả ba phần, hoặc để trống cả ba."),
            ),
            models.CheckConstraint(
                condition=Q(declared_stars__isnull=True)
                | (Q(declared_stars__gte=min(rules.STARS), declared_stars__lte=max(rules.STARS)) & Q(score_a__isnull=True)),
                name="evaluation_declared_stars_without_scores",
                violation_error_message=format_lazy(
                    _("Hạng sao theo quyết định (từ {low} đến {high} sao) chỉ dùng khi không có điểm các phần."),
                    low=min(rules.STARS), high=max(rules.STARS),
                ),
            ),
            models.CheckConstraint(
                condition=Q(stars__isnull=True) | Q(stars__lt=rules.NATIONAL_STARS) | Q(level=CouncilLevel.CENTRAL),
                name="evaluation_five_stars_central_only",
                violation_error_message=format_lazy(
                    _("Chỉ Hội đồng Trung ương mới công nhận {stars} sao."), stars=rules.NATIONAL_STARS
                ),
            ),
            # A scored evaluation has an outcome: points, declared stars or "not rated".
            models.CheckConstraint(
                condition=Q(status=EvaluationStatus.DRAFT) | Q(not_rated=True) | Q(stars__isnull=False),
                name="evaluation_scored_has_outcome",
                violation_error_message=_(
                    "Đánh giá đã chấm cần có điểm các phần, hạng sao theo quyết định hoặc kết quả “Không đạt”."
                ),
            ),
            # A recognition is a decision: numbered, dated, and at 3 stars or more.
            models.CheckConstraint(
                condition=Q(status__in=[EvaluationStatus.DRAFT, EvaluationStatus.SCORED])
                | (
                    ~Q(decision_no="")
                    & Q(decision_date__isnull=False, stars__isnull=False, stars__gte=rules.CERTIFIED_MIN_STARS)
                    & Q(not_rated=False)
                ),
                name="evaluation_recognition_is_decided",
                violation_error_message=format_lazy(
                    _("Công nhận cần có số và ngày quyết định, cho sản phẩm đạt từ {stars} sao trở lên."),
                    stars=rules.CERTIFIED_MIN_STARS,
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status=EvaluationStatus.REVOKED) | (~Q(revocation_no="") & Q(revocation_date__isnull=False)),
                name="evaluation_revocation_is_decided",
                violation_error_message=_("Thu hồi cần có số và ngày quyết định thu hồi."),
            ),
            models.CheckConstraint(
                condition=Q(revocation_date__isnull=True)
                | (Q(decision_date__isnull=False) & Q(revocation_date__gte=models.F("decision_date"))),
                name="evaluation_revoked_after_decision",
                violation_error_message=_("Ngày thu hồi không thể trước ngày công nhận."),
            ),
            # A proposal for 5 stars: by the province, dated, for a product it scored 90+ (or recorded at 4 stars
            # from a decision without part scores).
            models.CheckConstraint(
                condition=Q(proposed_national=False)
                | (
                    Q(level=CouncilLevel.PROVINCE, proposal_date__isnull=False, not_rated=False)
                    & (
                        Q(total__isnull=False, total__gte=rules.NATIONAL_MIN_POINTS)
                        | Q(score_a__isnull=True, declared_stars=rules.BELOW_CENTRAL_MAX_STARS)
                    )
                ),
                name="evaluation_proposal_is_provincial_and_dated",
                violation_error_message=format_lazy(
                    _("Đề xuất {stars} sao do cấp tỉnh thực hiện, có ngày đề xuất, cho sản phẩm đạt từ {points} điểm."),
                    stars=rules.NATIONAL_STARS, points=rules.NATIONAL_MIN_POINTS,
                ),
            ),
            models.UniqueConstraint(
                fields=["product", "decision_no"],
                condition=~Q(decision_no=""),
                name="evaluation_one_recognition_per_product_per_decision",
                violation_error_message=_("Sản phẩm này đã có một đánh giá theo số quyết định này."),
            ),
        ]

    def __str__(self):
        label = self.product.name if self.product_id else _("đánh giá mới")
        if self.decision_no:
            return f"{label} — {self.decision_no}"
        return f"{label} — {self.get_status_display()}"

    # Derived values -----------------------------------------------------------

    @property
    def maxima(self) -> rules.PartMaxima:
        return rules.PART_MAXIMA[RuleSet(self.effective_rule_set)]

    @property
    def effective_rule_set(self) -> str:
        if self.rule_set:
            return self.rule_set
        day = self.evaluated_on or self.decision_date or datetime.date.today()
        return rules.rule_set_for(day)

    @property
    def computed_total(self):
        """The total from the part scores as they are now (``total`` is refreshed only on save)."""
        parts = (self.score_a, self.score_b, self.score_c)
        return None if None in parts else sum(parts)

    @property
    def computed_stars(self):
        """Stars from the current field values, by the rules the database applies on save."""
        if self.not_rated:
            return None
        total = self.computed_total
        if total is None:
            return self.declared_stars
        return rules.stars_recognisable(total=total, level=self.level)

    @property
    def qualifies_for_national_proposal(self) -> bool:
        """Scored 90+ by the province, or recorded from a decision at 4 stars without part scores."""
        total = self.computed_total
        if total is not None:
            return rules.stars_for(total) == rules.NATIONAL_STARS
        return self.declared_stars == rules.BELOW_CENTRAL_MAX_STARS

    @property
    def valid_until(self):
        if self.decision_date is None:
            return None
        return rules.certificate_valid_until(self.decision_date)

    def certificate_status(self, day: datetime.date) -> str:
        """The certificate's status on ``day`` (``rules.CertificateStatus``: valid, expiring, expired, revoked)."""
        revoked_on = self.revocation_date if self.status == self.Status.REVOKED else None
        return rules.certificate_status(day=day, decision_date=self.decision_date, revoked_on=revoked_on)

    # Validation -----------------------------------------------------------------

    def constraints_to_validate(self):
        """The unique constraints only.

        Every check constraint is mirrored in :meth:`clean` with a friendly message and is
        enforced by the database; Django's own validation of them would run one query per
        constraint over the generated ``stars`` expression (about 60 ms a save).
        """
        return [constraint for constraint in super().constraints_to_validate()
                if isinstance(constraint, models.UniqueConstraint)]

    def decision_date_problem(self) -> str | None:
        """What the rules say of this decision's date (``rules.decision_date_problem``, as the import asks),
        then whether the product already has another recognition decision that day."""
        problem = rules.decision_date_problem(
            decision_date=self.decision_date,
            today=timezone.localdate(),
            rule_set=self.effective_rule_set,
            evaluated_on=self.evaluated_on,
        )
        if problem or not self.product_id:
            return problem
        same_day = (
            Evaluation.objects.decided()
            .filter(product_id=self.product_id, decision_date=self.decision_date)
            .exclude(pk=self.pk)
            .exclude(decision_no=self.decision_no)  # the same decision twice: the unique constraint's message
            .values_list("decision_no", "decision_date")
        )
        return rules.same_day_recognition_problem(decision_date=self.decision_date, earlier=same_day)

    def clean(self):
        super().clean()
        errors = {}
        if not self.rule_set:
            self.rule_set = self.effective_rule_set
        maxima = self.maxima
        for field, maximum in (("score_a", maxima.a), ("score_b", maxima.b), ("score_c", maxima.c)):
            value = getattr(self, field)
            if value is not None and value > maximum:
                errors[field] = _("Tối đa %(max)s điểm theo bộ tiêu chí %(rule_set)s.") % {
                    "max": maximum,
                    "rule_set": self.rule_set,
                }
        parts = [self.score_a, self.score_b, self.score_c]
        if any(p is not None for p in parts) and any(p is None for p in parts):
            errors.setdefault(
                "score_a", ValidationError(_("Nhập đủ điểm cả ba phần, hoặc để trống cả ba."), code=SCORES_INCOMPLETE)
            )
        if self.evaluated_on:
            problem = rules.evaluation_date_problem(evaluated_on=self.evaluated_on, rule_set=self.rule_set)
            if problem:
                errors["rule_set"] = problem
        if self.declared_stars is not None:
            if self.computed_total is not None:
                errors["declared_stars"] = _("Hạng sao được tính từ điểm các phần; hãy để trống ô này.")
            elif self.declared_stars not in rules.STARS:
                errors["declared_stars"] = _("Hạng sao từ %(low)s đến %(high)s.") % {
                    "low": min(rules.STARS),
                    "high": max(rules.STARS),
                }
        if errors:
            raise ValidationError(errors)

        stars = self.computed_stars
        if stars == rules.NATIONAL_STARS and self.level != CouncilLevel.CENTRAL:
            errors["level"] = rules.recognition_level_problem(level=self.level, stars=stars, decision_date=None)
        if self.status != self.Status.DRAFT and not self.not_rated and stars is None:
            errors["status"] = _("Đánh giá đã chấm cần có điểm các phần, hạng sao theo quyết định hoặc kết quả “Không đạt”.")
        if self.status in (self.Status.RECOGNISED, self.Status.REVOKED):
            if not self.decision_no:
                errors["decision_no"] = _("Công nhận cần có số quyết định.")
            if not self.decision_date:
                errors["decision_date"] = _("Công nhận cần có ngày quyết định.")
            if self.not_rated or (stars or 0) < rules.CERTIFIED_MIN_STARS:
                errors["status"] = _("Chỉ sản phẩm đạt từ %(stars)s sao trở lên mới được công nhận.") % {
                    "stars": rules.CERTIFIED_MIN_STARS
                }
            elif "level" not in errors:
                problem = rules.recognition_level_problem(level=self.level, stars=stars, decision_date=self.decision_date)
                if problem:
                    errors["level"] = problem
            if self.decision_date and "decision_date" not in errors:
                problem = self.decision_date_problem()
                if problem:
                    errors["decision_date"] = problem
        if self.status == self.Status.REVOKED:
            if not self.revocation_no:
                errors["revocation_no"] = _("Thu hồi cần có số quyết định thu hồi.")
            if not self.revocation_date:
                errors["revocation_date"] = _("Thu hồi cần có ngày quyết định thu hồi.")
        if self.revocation_date and self.decision_date and self.revocation_date < self.decision_date:
            errors["revocation_date"] = _("Ngày thu hồi không thể trước ngày công nhận.")
        if self.proposed_national:
            if self.level != CouncilLevel.PROVINCE:
                errors["proposed_national"] = _("Đề xuất 5 sao do cấp tỉnh thực hiện.")
            elif self.not_rated:
                errors["proposed_national"] = _("Sản phẩm không đạt thì không thể đề xuất.")
            elif not self.qualifies_for_national_proposal:
                errors["proposed_national"] = _(
                    "Chỉ đề xuất %(national)s sao sản phẩm được tỉnh chấm từ %(points)s điểm "
                    "(hoặc quyết định ghi %(stars)s sao, không kèm điểm)."
                ) % {
                    "national": rules.NATIONAL_STARS,
                    "points": rules.NATIONAL_MIN_POINTS,
                    "stars": rules.BELOW_CENTRAL_MAX_STARS,
                }
            if not self.proposal_date:
                errors["proposal_date"] = _("Đề xuất 5 sao cần có ngày đề xuất.")
        if errors:
            raise ValidationError(errors)


class Phase(ConstraintFieldsMixin, models.Model):
    """A programme phase (e.g. 2021–2025) with targets to reach by its end."""

    name = models.CharField(_("tên"), max_length=100, unique=True)
    start = models.DateField(_("ngày bắt đầu"))
    end = models.DateField(_("ngày kết thúc"))
    notes = models.TextField(_("ghi chú"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["start", "name"]
        verbose_name = _("giai đoạn chương trình")
        verbose_name_plural = pgettext_lazy("plural", "giai đoạn chương trình")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="phase_ends_after_start",
                violation_error_message=_("Ngày kết thúc giai đoạn phải sau ngày bắt đầu."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("Ngày kết thúc giai đoạn phải sau ngày bắt đầu.")})


def localised_label(label: str, label_en: str) -> str:
    """``label_en`` on English pages (the active language starts with "en") when there is one, else ``label``:
    a target's label, for the model and for any copy of it (``selectors.TargetProgress``)."""
    if label_en and (get_language() or "").startswith("en"):
        return label_en
    return label


class TargetMeasure(models.TextChoices):
    RECOGNISED = "recognised", _("Sản phẩm được công nhận")
    PROPOSED_NATIONAL = "proposed_national", _("Sản phẩm đề xuất 5 sao quốc gia")


class Target(ConstraintFieldsMixin, models.Model):
    Measure = TargetMeasure
    constraint_fields = {"target_label_unique_per_phase": "label", "target_star_range_valid": "max_stars"}

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="targets", verbose_name=_("giai đoạn"))
    label = models.CharField(_("tên chỉ tiêu"), max_length=255)
    label_en = models.CharField(
        _("tên chỉ tiêu (tiếng Anh)"),
        max_length=255,
        blank=True,
        help_text=_("Hiện trên các trang tiếng Anh; để trống thì dùng tên tiếng Việt."),
    )
    measure = models.CharField(_("cách đo"), max_length=20, choices=Measure.choices, default=Measure.RECOGNISED)
    min_stars = models.PositiveSmallIntegerField(_("từ hạng sao"), default=3)
    max_stars = models.PositiveSmallIntegerField(_("đến hạng sao"), default=4)
    target_count = models.PositiveIntegerField(_("chỉ tiêu (số sản phẩm)"))
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["phase__start", "position", "pk"]
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = pgettext_lazy("plural", "chỉ tiêu")
        constraints = [
            models.CheckConstraint(
                condition=Q(measure__in=TargetMeasure.values), name="target_measure_valid",
                violation_error_message=_("Cách đo không hợp lệ."),
            ),
            models.CheckConstraint(
                condition=Q(
                    min_stars__gte=rules.CERTIFIED_MIN_STARS,
                    max_stars__lte=rules.NATIONAL_STARS,
                    min_stars__lte=models.F("max_stars"),
                ),
                name="target_star_range_valid",
                violation_error_message=format_lazy(
                    _("Khoảng hạng sao phải nằm trong {low}–{high}, từ thấp đến cao."),
                    low=rules.CERTIFIED_MIN_STARS, high=rules.NATIONAL_STARS,
                ),
            ),
            models.CheckConstraint(
                condition=Q(target_count__gt=0), name="target_count_positive",
                violation_error_message=_("Chỉ tiêu phải lớn hơn 0."),
            ),
            models.UniqueConstraint(
                fields=["phase", "label"], name="target_label_unique_per_phase",
                violation_error_message=_("Giai đoạn này đã có chỉ tiêu cùng tên."),
            ),
        ]

    def __str__(self):
        return f"{self.phase}: {self.label}"

    @property
    def display_label(self) -> str:
        """The English label on English pages when there is one, else the Vietnamese label."""
        return localised_label(self.label, self.label_en)

    def clean(self):
        super().clean()
        if self.min_stars is not None and self.max_stars is not None:
            if not rules.CERTIFIED_MIN_STARS <= self.min_stars <= self.max_stars <= rules.NATIONAL_STARS:
                message = _("Khoảng hạng sao phải nằm trong %(low)s–%(high)s, từ thấp đến cao.") % {
                    "low": rules.CERTIFIED_MIN_STARS,
                    "high": rules.NATIONAL_STARS,
                }
                raise ValidationError({"max_stars": message})


class RenewalNotice(models.Model):
    """A renewal notice to a producer: one letter covering their certificates that are about to expire
    (``evaluations.notices``), sent by email or prepared for the post, with its outcome. A certificate is notified
    once a notice covering it was sent; a failed one is tried again by the next run of ``send_renewal_notices``."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Thư điện tử")
        POST = "post", _("Thư giấy (cán bộ tải về để gửi)")

    class Outcome(models.TextChoices):
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi không thành công")

    producer = models.ForeignKey(
        "products.Producer", on_delete=models.PROTECT, related_name="renewal_notices", verbose_name=_("chủ thể")
    )
    certificates = models.ManyToManyField(
        Evaluation, related_name="renewal_notices", verbose_name=_("giấy chứng nhận (quyết định công nhận)")
    )
    created_at = models.DateTimeField(_("thời điểm"), default=timezone.now, db_index=True)
    as_of = models.DateField(_("ngày tính"), help_text=_("Ngày mà thời hạn còn lại của giấy chứng nhận được tính."))
    channel = models.CharField(_("hình thức"), max_length=10, choices=Channel.choices)
    recipients = models.CharField(_("người nhận"), max_length=500, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("cán bộ gửi"),
    )
    sent_by_command = models.BooleanField(_("gửi tự động (lệnh hằng ngày)"), default=False)
    outcome = models.CharField(_("kết quả"), max_length=10, choices=Outcome.choices)
    error = models.TextField(_("lỗi"), blank=True)

    class Meta:
        verbose_name = _("thông báo gia hạn")
        verbose_name_plural = _("thông báo gia hạn")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.producer} — {timezone.localtime(self.created_at):%d/%m/%Y}"

    @property
    def sender(self) -> str:
        """Who sent it: the daily command or a staff member."""
        if self.sent_by_command:
            return str(_("lệnh gửi tự động"))
        if self.sent_by is None:
            return "—"
        return self.sent_by.get_full_name() or self.sent_by.get_username()
