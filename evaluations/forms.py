"""The as-of date: which dates the dashboard, its CSV and the progress API accept, and how they say no.

One definition, two surfaces. The range and the messages live here; each surface keeps the formats
it has always accepted:

- the dashboard, its CSV and the public progress page read :class:`AsOfForm`: DD/MM/YYYY (what people
  type into the text box, and what it shows) or YYYY-MM-DD (old links and the CSV link); bad input shows
  the form's error and the page uses today;
- the progress API reads :func:`parse_iso_as_of` through its query serializer: YYYY-MM-DD only, and
  bad input is a 400 with :data:`API_INVALID_AS_OF`.
"""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The earliest and latest dates accepted: the certificate-validity and expiring-window arithmetic of the tallies
# must stay inside the dates Python can represent.
MIN_AS_OF = datetime.date(1900, 1, 1)
MAX_AS_OF = datetime.date(2999, 12, 31)

ISO_FORMAT = "%Y-%m-%d"
VIETNAMESE_FORMAT = "%d/%m/%Y"
DASHBOARD_FORMATS = [VIETNAMESE_FORMAT, ISO_FORMAT]
ISO_LENGTH = len("YYYY-MM-DD")

DASHBOARD_INVALID = _("Ngày không hợp lệ. Nhập theo dạng ngày/tháng/năm, ví dụ 30/06/2020.")
OUT_OF_RANGE = _("Ngày phải nằm trong khoảng năm 1900 đến năm 2999.")
API_INVALID_AS_OF = _("Tham số as_of không hợp lệ: dùng dạng YYYY-MM-DD (năm 1900–2999), ví dụ 2020-06-30.")


def as_of_in_range(day: datetime.date) -> bool:
    return MIN_AS_OF <= day <= MAX_AS_OF


def parse_iso_as_of(raw: str) -> datetime.date | None:
    """``raw`` as the progress API accepts it (YYYY-MM-DD, inside the range), else None.

    Exactly what the API has always read: ten characters that :meth:`datetime.date.fromisoformat` reads.
    """
    if len(raw) != ISO_LENGTH:
        return None
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        return None
    return day if as_of_in_range(day) else None


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label=_("Số liệu tính đến ngày"),
        required=False,
        input_formats=DASHBOARD_FORMATS,
        help_text=_("Dạng ngày/tháng/năm, ví dụ 30/06/2020."),
        # A text box, not <input type=date>: a browser draws that in its own locale (06/30/2020 beside 30/06/2020).
        widget=forms.DateInput(
            attrs={"size": 12, "autocomplete": "off", "spellcheck": "false"}, format=VIETNAMESE_FORMAT
        ),
        error_messages={"invalid": DASHBOARD_INVALID},
    )

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        if day and not as_of_in_range(day):
            raise forms.ValidationError(OUT_OF_RANGE)
        return day


def as_of_from_query(query) -> tuple[datetime.date, AsOfForm]:
    """The dashboard's as-of date from the query string (today when absent, empty or invalid) and its form.

    A valid or absent date gives an unbound form showing the day as DD/MM/YYYY (an old link's 2020-06-30 is
    shown as 30/06/2020); invalid input gives the bound form, showing the input back with the error.
    """
    day = timezone.localdate()
    if query:
        form = AsOfForm(query)
        if not form.is_valid():
            return day, form
        day = form.cleaned_data["as_of"] or day
    return day, AsOfForm(initial={"as_of": day})
