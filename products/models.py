"""Administrative units, producers, product groups and products."""

import datetime
import re
import uuid

import phonenumbers
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from imagekit.models import ImageSpecField
from imagekit.processors import ResizeToFit
from simple_history.models import HistoricalRecords

from evaluations import rules

from .images import validate_image_upload
from .normalise import fold

PROVINCE_CODE = "38"


# --- Constraint violations shown on their field ----------------------------------------------


def _condition_fields(condition) -> set[str]:
    """The fields a constraint's condition names (``tax_code__regex`` → ``tax_code``)."""
    names = set()
    for child in getattr(condition, "children", ()):
        if isinstance(child, Q):
            names |= _condition_fields(child)
        elif isinstance(child, tuple):
            names.add(child[0].split("__")[0])
    return names


class ConstraintFieldsMixin(models.Model):
    """Each constraint's violation shown with its Vietnamese ``violation_error_message`` on the field it is
    about, never as Django's "Constraint “name” is violated." at the top of the form.

    The field is the one named in ``constraint_fields`` (constraint name → field), else the one field the
    constraint names; a constraint over several fields stays a message for the whole form. Django validates
    a constraint only when the form shows all its fields, so the field is always on the form.
    """

    constraint_fields: dict[str, str] = {}

    class Meta:
        abstract = True

    def constraints_to_validate(self):
        return [constraint for _model, constraints in self.get_constraints() for constraint in constraints]

    def constraint_field(self, constraint) -> str:
        if constraint.name in self.constraint_fields:
            return self.constraint_fields[constraint.name]
        names = set(getattr(constraint, "fields", ()) or ()) | _condition_fields(getattr(constraint, "condition", None))
        return names.pop() if len(names) == 1 else NON_FIELD_ERRORS

    def validate_constraints(self, exclude=None):
        errors = {}
        using = router.db_for_write(type(self), instance=self)
        for constraint in self.constraints_to_validate():
            try:
                constraint.validate(type(self), self, exclude=exclude, using=using)
            except ValidationError as error:
                errors.setdefault(self.constraint_field(constraint), []).extend(error.error_list)
        if errors:
            raise ValidationError(errors)


# --- Vietnamese phone numbers and tax codes ----------------------------------------------------

PHONE_REGION = "VN"
PHONE_SEPARATORS = re.compile(r"[,;]")
TAX_CODE_PATTERN = r"^[0-9]{10}(-[0-9]{3})?$"  # 10 digits, or a branch's 10-3 (mã số thuế đơn vị phụ thuộc)


def phone_is_valid(text: str) -> bool:
    """A Vietnamese phone number (mobile or landline, "0912 345 678", "+84 237 3852 123"), as Google's
    libphonenumber knows the numbering plan; letters are never part of one here."""
    if re.search(r"[^\W\d_]", text):
        return False
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)


def validate_phone(value: str):
    """One phone number, or several separated by "," or ";"."""
    for part in PHONE_SEPARATORS.split(value):
        if not phone_is_valid(part.strip()):
            raise ValidationError(
                _("“%(value)s” không phải số điện thoại Việt Nam hợp lệ (ví dụ 0912 345 678 hoặc 0237 3852 123)."),
                code="invalid_phone",
                params={"value": part.strip()},
            )


def validate_tax_code(value: str):
    if not re.fullmatch(TAX_CODE_PATTERN, value):
        raise ValidationError(TAX_CODE_MESSAGE, code="invalid_tax_code")


TAX_CODE_MESSAGE = _("Mã số thuế gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số (ví dụ 2801234567-001).")


class FoldedNameMixin(models.Model):
    """Keeps ``name_key``, the folded form of ``name`` used for search and matching."""

    name_key = models.CharField(_("khoá tìm kiếm"), max_length=255, editable=False, db_index=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # A derived search key of this row's own name, not domain logic.
        self.name_key = fold(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key"}
        super().save(*args, **kwargs)


# --- Administrative units -------------------------------------------------


class CommuneKind(models.TextChoices):
    COMMUNE = "xa", _("xã")
    WARD = "phuong", _("phường")


class Commune(ConstraintFieldsMixin, FoldedNameMixin):
    """A current (from 1/7/2025) commune or ward of Thanh Hóa."""

    Kind = CommuneKind

    code = models.CharField(_("mã chính thức"), max_length=5, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    slug = models.SlugField(_("đường dẫn"), max_length=120, unique=True)
    latitude = models.FloatField(_("vĩ độ"), null=True, blank=True)
    longitude = models.FloatField(_("kinh độ"), null=True, blank=True)
    area_km2 = models.FloatField(_("diện tích (km²)"), null=True, blank=True)
    contact_email = models.EmailField(
        _("email liên hệ OCOP"), blank=True,
        help_text=_("Cán bộ phụ trách OCOP của xã/phường: được gửi kèm (CC) thông báo gia hạn của các chủ thể tại đây."),
    )

    class Meta:
        ordering = ["name_key", "code"]
        verbose_name = _("xã/phường")
        verbose_name_plural = pgettext_lazy("plural", "xã/phường")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CommuneKind.values), name="commune_kind_valid",
                violation_error_message=_("Loại đơn vị không hợp lệ."),
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{5}$"), name="commune_code_5_digits",
                violation_error_message=_("Mã xã/phường gồm đúng 5 chữ số."),
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return self.full_name_of(self.kind, self.name)

    @staticmethod
    def full_name_of(kind: str, name: str) -> str:
        """"Xã …" or "Phường …": the commune's name as the registry shows it."""
        return f"{'Phường' if kind == CommuneKind.WARD else 'Xã'} {name}"

    def get_absolute_url(self):
        return reverse("products:commune_detail", kwargs={"slug": self.slug})


class LegacyDistrictKind(models.TextChoices):
    DISTRICT = "huyen", _("huyện")
    TOWN = "thi_xa", _("thị xã")
    CITY = "thanh_pho", _("thành phố")


class LegacyDistrict(FoldedNameMixin):
    """A district-level unit of Thanh Hóa before 1/7/2025 (huyện, thị xã, thành phố)."""

    Kind = LegacyDistrictKind

    code = models.CharField(_("mã chính thức"), max_length=3, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    # Names of district-level units merged into this one before 2025 (e.g. "Đông Sơn"), folded.
    former_names = models.JSONField(_("tên cũ"), default=list, blank=True)
    latitude = models.FloatField(_("vĩ độ"), null=True, blank=True)
    longitude = models.FloatField(_("kinh độ"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("huyện cũ (trước 2025)")
        verbose_name_plural = pgettext_lazy("plural", "huyện cũ (trước 2025)")

    def __str__(self):
        return f"{self.get_kind_display_vi()} {self.name}"

    def get_kind_display_vi(self):
        return {"huyen": "Huyện", "thi_xa": "Thị xã", "thanh_pho": "Thành phố"}[self.kind]


class LegacyCommuneKind(models.TextChoices):
    COMMUNE = "xa", _("xã")
    WARD = "phuong", _("phường")
    TOWNLET = "thi_tran", _("thị trấn")


class LegacyCommune(ConstraintFieldsMixin, FoldedNameMixin):
    """A commune-level unit before 1/7/2025, with the current commune(s) that succeeded it."""

    Kind = LegacyCommuneKind

    code = models.CharField(_("mã chính thức"), max_length=5, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    district = models.ForeignKey(
        LegacyDistrict, on_delete=models.PROTECT, related_name="communes", verbose_name=_("huyện")
    )
    successor = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        related_name="legacy_communes",
        verbose_name=_("xã/phường kế thừa"),
        help_text=_("Xã/phường hiện nay mà đơn vị này nhập vào (đơn vị mặc định khi bị chia tách)."),
    )
    other_successors = models.ManyToManyField(
        Commune,
        blank=True,
        related_name="partial_legacy_communes",
        verbose_name=_("các xã/phường kế thừa khác"),
        help_text=_("Khi đơn vị bị chia tách năm 2025: các xã/phường hiện nay khác nhận một phần của nó."),
    )
    # Names this unit had before earlier (2019–2024) mergers, folded, for matching old decisions.
    former_names = models.JSONField(_("tên cũ"), default=list, blank=True)
    latitude = models.FloatField(_("vĩ độ"), null=True, blank=True)
    longitude = models.FloatField(_("kinh độ"), null=True, blank=True)

    class Meta:
        ordering = ["district__code", "name_key"]
        verbose_name = _("xã cũ (trước 2025)")
        verbose_name_plural = pgettext_lazy("plural", "xã cũ (trước 2025)")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=LegacyCommuneKind.values), name="legacy_commune_kind_valid",
                violation_error_message=_("Loại đơn vị không hợp lệ."),
            ),
        ]

    def __str__(self):
        prefix = {"xa": "Xã", "phuong": "Phường", "thi_tran": "Thị trấn"}[self.kind]
        return f"{prefix} {self.name}, {self.district}"

    @property
    def was_split(self):
        return self.other_successors.exists()


# --- Producers --------------------------------------------------------------


class ProducerKind(models.TextChoices):
    ENTERPRISE = "doanh_nghiep", _("Doanh nghiệp")
    COOPERATIVE = "htx", _("Hợp tác xã")
    COOPERATIVE_GROUP = "tht", _("Tổ hợp tác")
    HOUSEHOLD = "ho_kd", _("Hộ sản xuất kinh doanh")


class ProducerQuerySet(models.QuerySet):
    def likely_duplicates(self, *, name: str, commune_id, exclude_pk=None):
        """Producers that are probably the same one: the same folded name in the same commune."""
        return self.filter(name_key=fold(name), commune_id=commune_id).exclude(pk=exclude_pk).order_by("pk")


# A demo producer's phone as the registry shows it: the form of a number, none that anyone answers.
DEMO_PHONE_PREFIX = "0000 000 "


class Producer(ConstraintFieldsMixin, FoldedNameMixin):
    """A producer (chủ thể OCOP): an enterprise, a cooperative, a cooperative group or a household.

    Created through ``products.services`` (``producer_create``, ``producers_bulk_create``), which gives the slug.
    """

    Kind = ProducerKind

    name = models.CharField(_("tên"), max_length=255)
    slug = models.SlugField(_("đường dẫn"), max_length=255, unique=True, blank=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    tax_code = models.CharField(
        _("mã số thuế"),
        max_length=14,
        blank=True,
        validators=[validate_tax_code],
        help_text=_("10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số."),
    )
    representative = models.CharField(_("người đại diện"), max_length=255, blank=True)
    phone = models.CharField(
        _("điện thoại"),
        max_length=30,
        blank=True,
        validators=[validate_phone],
        help_text=_("Số di động hoặc cố định, ví dụ 0912 345 678; nhiều số cách nhau bằng dấu phẩy."),
    )
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="producers", verbose_name=_("xã/phường")
    )
    is_demo = models.BooleanField(
        _("dữ liệu minh hoạ"), default=False, help_text=_("Dữ liệu minh hoạ do lệnh load_demo nạp, không phải hồ sơ thật.")
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ngày cập nhật"), auto_now=True)

    objects = ProducerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name_key", "pk"]
        verbose_name = _("chủ thể")
        verbose_name_plural = pgettext_lazy("plural", "chủ thể")
        constraints = [
            models.UniqueConstraint(
                fields=["tax_code"], condition=~Q(tax_code=""), name="producer_tax_code_unique_when_present",
                violation_error_message=_("Đã có chủ thể khác mang mã số thuế này."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ProducerKind.values), name="producer_kind_valid",
                violation_error_message=_("Loại hình chủ thể không hợp lệ."),
            ),
            models.CheckConstraint(
                condition=Q(tax_code="") | Q(tax_code__regex=TAX_CODE_PATTERN),
                name="producer_tax_code_format",
                violation_error_message=TAX_CODE_MESSAGE,
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="producer_name_not_empty",
                violation_error_message=_("Tên chủ thể không được để trống."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("products:producer_detail", kwargs={"slug": self.slug})

    @property
    def shown_phone(self) -> str:
        """The phone as the registry shows and exports it: a demo producer's (``is_demo``) is always a fictitious
        ``0000 000 0xx`` whatever the record holds (demo data loaded before issue 11 had realistic numbers)."""
        return f"{DEMO_PHONE_PREFIX}{self.pk % 1000:03d}" if self.is_demo else self.phone

    def clean(self):
        super().clean()
        if self.tax_code:
            self.tax_code = self.tax_code.strip()
            clash = Producer.objects.filter(tax_code=self.tax_code).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError(
                    {"tax_code": _("Đã có chủ thể khác mang mã số thuế %(code)s.") % {"code": self.tax_code}}
                )


# --- Product groups (148/QĐ-TTg, Appendix I) -------------------------------------


class ProductGroup(ConstraintFieldsMixin, models.Model):
    """A group (``I``) or subgroup (``I.3``) of the 148/QĐ-TTg classification."""

    code = models.CharField(_("mã"), max_length=8, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subgroups",
        verbose_name=_("nhóm"),
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("nhóm sản phẩm")
        verbose_name_plural = pgettext_lazy("plural", "nhóm sản phẩm")
        constraints = [
            # Groups are roman numerals; subgroups are "<group>.<n>" under their group.
            models.CheckConstraint(
                condition=(Q(parent__isnull=True) & Q(code__regex=r"^[IVX]+$"))
                | (Q(parent__isnull=False) & Q(code__regex=r"^[IVX]+\.[0-9]+$")),
                name="product_group_code_shape",
                violation_error_message=_(
                    "Mã nhóm là số La Mã (I, II…); mã phân nhóm là mã nhóm, dấu chấm và số thứ tự (I.3)."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.code}. {self.display_name}"

    @property
    def display_name(self):
        """The official Vietnamese name, or its English rendering when the interface is in English."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def is_subgroup(self):
        return self.parent_id is not None


class LegacySector(models.Model):
    """A sector (ngành) of the 1048/QĐ-TTg classification, mapped onto a 148 group or subgroup."""

    name = models.CharField(_("tên"), max_length=255, unique=True)
    group = models.ForeignKey(
        ProductGroup, on_delete=models.PROTECT, related_name="legacy_sectors", verbose_name=_("nhóm theo Quyết định 148")
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("ngành (Quyết định 1048)")
        verbose_name_plural = pgettext_lazy("plural", "ngành (Quyết định 1048)")

    def __str__(self):
        return f"{self.name} → {self.group.code}"


# --- Products ---------------------------------------------------------------------


def _thumbnail(width: int) -> ImageSpecField:
    """A resized copy of ``image`` in imagekit's cache (``CACHE/images/`` in the media storage, no column).

    Optimistic: generated when the model is saved with a new image (imagekit's post-save hook), never in a
    public request; a page only asks the storage for the URL. ``manage.py generateimages`` builds any missing.
    """
    return ImageSpecField(
        source="image",
        processors=[ResizeToFit(width, width)],
        format="JPEG",
        options={"quality": 82},
        cachefile_strategy="imagekit.cachefiles.strategies.Optimistic",
    )


PRODUCT_CODE_PREFIX = "OCOP-38-"  # 38: Thanh Hóa's province code
PROVISIONAL_CODE_PREFIX = f"{PRODUCT_CODE_PREFIX}tmp"


def provisional_code() -> str:
    """A unique placeholder until the row has a primary key to number it by."""
    return f"{PROVISIONAL_CODE_PREFIX}{uuid.uuid4().hex[:9]}"


class ProductQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def recognised(self):
        """Products with a recognition decision (recognised, or revoked since): a current recognition."""
        return self.filter(current_decision_date__isnull=False)


class Product(ConstraintFieldsMixin, FoldedNameMixin):
    """A product of a producer, known by its registry code (``OCOP-38-000123``) and its public slug.

    Created through ``products.services`` (``product_create``, ``products_bulk_create``): the row is inserted
    with a provisional code, then numbered by its primary key; code and slug never change afterwards.
    """

    CODE_PREFIX = PRODUCT_CODE_PREFIX
    constraint_fields = {"product_unique_name_per_producer": "name"}

    code = models.CharField(_("mã"), max_length=20, unique=True, editable=False, default=provisional_code)
    name = models.CharField(_("tên"), max_length=255)
    slug = models.SlugField(_("đường dẫn"), max_length=255, unique=True, blank=True)
    producer = models.ForeignKey(
        Producer, on_delete=models.PROTECT, related_name="products", verbose_name=_("chủ thể")
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("xã/phường"),
        help_text=_("Xã/phường hiện nay (sau 1/7/2025)."),
    )
    legacy_commune = models.ForeignKey(
        LegacyCommune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("xã theo hồ sơ gốc"),
        help_text=_("Xã trước năm 2025 ghi trong quyết định gốc, nếu có."),
    )
    group = models.ForeignKey(
        ProductGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("nhóm sản phẩm"),
    )
    description = models.TextField(_("mô tả"), blank=True)
    image = models.ImageField(
        _("ảnh chính"), upload_to="products/%Y/", blank=True, validators=[validate_image_upload]
    )
    thumb_320 = _thumbnail(320)
    thumb_640 = _thumbnail(640)
    thumb_1024 = _thumbnail(1024)
    is_published = models.BooleanField(_("công khai"), default=True)
    is_demo = models.BooleanField(
        _("dữ liệu minh hoạ"), default=False, help_text=_("Dữ liệu minh hoạ do lệnh load_demo nạp, không phải hồ sơ thật.")
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ngày cập nhật"), auto_now=True)

    # The product's current recognition: its latest recognition decision of all (recognised, or revoked since;
    # latest by decision date, then by row), the one whose stars and certificate the public sees. Derived data,
    # copied from that evaluation by ``evaluations.services.recognitions_resequence`` on every write, so that
    # the catalogue and the dashboard read plain indexed columns instead of joining and sorting evaluations.
    # Decisions are never dated in the future, so this is also the latest recognition as of today; the
    # certificate's status on a day is computed from these columns (``evaluations.rules.certificate_status``).
    current_recognition = models.ForeignKey(
        "evaluations.Evaluation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("quyết định công nhận gần nhất"),
    )
    current_stars = models.PositiveSmallIntegerField(_("hạng sao hiện tại"), null=True, blank=True, editable=False)
    current_decision_no = models.CharField(_("số quyết định"), max_length=50, blank=True, editable=False)
    current_decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True, editable=False)
    current_revoked_on = models.DateField(
        _("ngày thu hồi"), null=True, blank=True, editable=False,
        help_text=_("Chỉ khi quyết định gần nhất đã bị thu hồi."),
    )

    CURRENT_FIELDS = ("current_recognition", "current_stars", "current_decision_no", "current_decision_date",
                      "current_revoked_on")
    # Their columns (the recognition's pk, stars, decision number and date, the date it was revoked), and their
    # values without a current recognition.
    CURRENT_COLUMNS = ("current_recognition_id", *CURRENT_FIELDS[1:])
    NO_CURRENT_RECOGNITION = (None, None, "", None, None)

    objects = ProductQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=list(CURRENT_FIELDS))

    class Meta:
        ordering = ["name_key", "pk"]
        verbose_name = _("sản phẩm")
        verbose_name_plural = pgettext_lazy("plural", "sản phẩm")
        indexes = [
            # The public catalogue (published, with a current recognition) in each of its orderings (newest decision
            # first, highest stars first, by name), so that a page is read off an index rather than sorted.
            models.Index(
                fields=["-current_decision_date", "name_key", "id"],
                condition=Q(is_published=True, current_decision_date__isnull=False),
                name="product_catalogue_newest",
            ),
            models.Index(
                fields=["-current_stars", "-current_decision_date", "name_key", "id"],
                condition=Q(is_published=True, current_decision_date__isnull=False),
                name="product_catalogue_stars",
            ),
            models.Index(
                fields=["name_key", "id"],
                condition=Q(is_published=True, current_decision_date__isnull=False),
                name="product_catalogue_name",
            ),
            # A commune's page and the catalogue's commune filter, newest first.
            models.Index(fields=["commune", "-current_decision_date"], name="product_commune_current"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["producer", "name_key"], name="product_unique_name_per_producer",
                violation_error_message=_("Chủ thể này đã có sản phẩm cùng tên."),
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="product_name_not_empty",
                violation_error_message=_("Tên sản phẩm không được để trống."),
            ),
            models.CheckConstraint(
                condition=Q(code__startswith=PRODUCT_CODE_PREFIX), name="product_code_prefix",
                violation_error_message=_("Mã sản phẩm phải bắt đầu bằng OCOP-38-."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("products:product_detail", kwargs={"slug": self.slug})

    @classmethod
    def code_for(cls, number: int) -> str:
        return f"{cls.CODE_PREFIX}{number:06d}"

    @property
    def current_valid_until(self) -> datetime.date | None:
        """The last day the current certificate is valid (36 months from its decision), or None."""
        if self.current_decision_date is None:
            return None
        return rules.certificate_valid_until(self.current_decision_date)

    def certificate_status(self, day: datetime.date) -> str | None:
        """The current certificate's status on ``day`` (``rules.CertificateStatus``), or None without a recognition."""
        if self.current_decision_date is None:
            return None
        return rules.certificate_status(
            day=day, decision_date=self.current_decision_date, revoked_on=self.current_revoked_on
        )

    def clean(self):
        super().clean()
        if self.producer_id and self.name:
            clash = Product.objects.filter(producer_id=self.producer_id, name_key=fold(self.name)).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError({"name": _("Chủ thể này đã có sản phẩm cùng tên.")})
        if self.legacy_commune_id and self.commune_id:
            legacy = self.legacy_commune
            allowed = {legacy.successor_id, *legacy.other_successors.values_list("pk", flat=True)}
            if self.commune_id not in allowed:
                raise ValidationError(
                    {"commune": _("%(legacy)s đã sáp nhập vào đơn vị khác; hãy chọn một trong các xã/phường kế thừa.")
                     % {"legacy": legacy}}
                )



class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("sản phẩm"))
    image = models.ImageField(_("ảnh"), upload_to="products/%Y/", validators=[validate_image_upload])
    thumb_320 = _thumbnail(320)
    thumb_640 = _thumbnail(640)
    thumb_1024 = _thumbnail(1024)
    caption = models.CharField(_("chú thích"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["product", "position", "pk"]
        verbose_name = _("ảnh sản phẩm")
        verbose_name_plural = pgettext_lazy("plural", "ảnh sản phẩm")

    def __str__(self):
        return self.caption or self.image.name



class CatalogueFacetCount(models.Model):
    """Derived data (``products.facet_summary``): the public catalogue's products of one day counted by facet value
    and certificate status. Rebuilt whenever a write commits (and on a new day); read only while it was built for
    the registry's current data version and today. Never edited."""

    facet = models.CharField(max_length=16)
    key = models.CharField(max_length=32, null=True)
    status = models.CharField(max_length=16, default="")  # rules.CertificateStatus on the day
    products = models.PositiveIntegerField()

    class Meta:
        default_permissions = ()


class ProductSearchNames(models.Model):
    """Derived data (``products.search_names``): a product's folded names, its producer's and its communes', as
    the catalogue search reads them. Rebuilt whenever a write commits; read only while it was built for the
    registry's current data version. Never edited. Not a foreign key: deleting products (by any path) leaves the
    next rebuild to drop their rows."""

    product_id = models.BigIntegerField(primary_key=True)
    names = models.TextField()

    class Meta:
        default_permissions = ()


class DerivedDataVersion(models.Model):
    """The data version (``ocop_registry.data_version``) a piece of derived data was last built for."""

    name = models.CharField(primary_key=True, max_length=32)
    version = models.BigIntegerField()
    day = models.DateField(null=True)  # for data that depends on the day too (the certificates' statuses)

    class Meta:
        default_permissions = ()
