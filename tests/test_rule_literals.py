"""The rules' numbers are spelled once, in ``evaluations/rules.py``; everything else uses the names.

The patterns below are how the numbers leaked before (issue 9): the 5-star threshold as
``STAR_BANDS[-1][0]`` or a literal 90, the certified stars as ``(3, 4, 5)``, a star compared with a bare
digit, the 36-month validity or 90-day window typed again, a status or kind list typed out in a constraint.
A hit names the file and line; use the name from ``rules`` (or the model's ``Choices``) instead.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("products", "evaluations", "ocop_registry")
RULES_HOME = ROOT / "evaluations" / "rules.py"

LEAKS = {
    "a star band picked by position": re.compile(r"STAR_BANDS\s*\["),
    "a star band searched again (use rules.band_for / NATIONAL_MIN_POINTS)": re.compile(
        r"(min|max|next)\(\s*\(?\s*\w+\s*(,\s*\w+\s*)*\)?\s*for .* in (rules\.)?STAR_BANDS"
    ),
    "the 5-star points typed out (rules.NATIONAL_MIN_POINTS)": re.compile(r"(?<![\w.])90(?![\w.%])"),
    "the certified stars typed out (rules.CERTIFIED_STARS)": re.compile(
        r"[(\[{]\s*3\s*,\s*4\s*,\s*5\s*[)\]}]|range\(\s*3\s*,\s*6\s*\)"
    ),
    "a star compared with a digit (use the rules' names)": re.compile(
        r"stars\w*\s*(==|!=|>=|<=|<|>)\s*[1-5]\b|stars__(gte|lte|gt|lt|exact)?=?[1-5]\b"
    ),
    "the certificate's 36 months typed out (rules.CERTIFICATE_VALIDITY)": re.compile(r"months\s*=\s*36|\b1095\b"),
    "a choice list typed out (use Choices.values)": re.compile(
        r"__in\s*=\s*[\[(]\s*\"(draft|scored|recognised|revoked|xa|phuong|doanh_nghiep|district|province|central)\""
    ),
}
# Numbers that are not rules: an image quality, a font weight…
ALLOWED = re.compile(r"quality\s*=\s*90|quality\"?:\s*90")


def source_files():
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = set(path.relative_to(ROOT).parts)
            if "migrations" in parts or "tests" in parts or path == RULES_HOME:
                continue
            yield path


def code_lines(path: Path):
    """Each line's code with comments and docstrings left out: prose may quote the rules."""
    in_docstring = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        quotes = stripped.count('"""')
        if in_docstring:
            in_docstring = quotes % 2 == 0
            continue
        if stripped.startswith('"""'):
            in_docstring = quotes == 1
            continue
        yield number, line.split("  #")[0] if not stripped.startswith("#") else ""


def leaks_in(path: Path):
    for number, code in code_lines(path):
        if ALLOWED.search(code):
            continue
        for what, pattern in LEAKS.items():
            if pattern.search(code):
                yield f"{path.name}:{number}: {what}: {code.strip()}"


def test_rule_numbers_are_named_only_in_rules():
    leaks = [f"{path.parent.relative_to(ROOT)}/{leak}" for path in source_files() for leak in leaks_in(path)]
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize(
    "code",
    [
        "threshold = rules.STAR_BANDS[-1][0]",
        "five = min(low for low, _high, stars in rules.STAR_BANDS if stars == 5)",
        'message = _("Đề xuất 5 sao cần từ 90 điểm")',
        "STARS = (3, 4, 5)",
        "if evaluation.stars >= 3:",
        "Q(stars__gte=3)",
        "validity = relativedelta(months=36)",
        'Q(status__in=["draft", "scored"])',
    ],
)
def test_each_old_leak_is_caught(tmp_path, code):
    """The check would have caught each way the numbers leaked before: it is not a check that passes on anything."""
    module = tmp_path / "module.py"
    module.write_text(f"{code}\n", encoding="utf-8")
    assert list(leaks_in(module)), code


def test_names_and_prose_pass(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        '"""Scored 90+ by the province."""\n'
        "threshold = rules.NATIONAL_MIN_POINTS  # 90\n"
        "# a 90-point total\n"
        "options.update(quality=90)\n"
        "Q(status__in=EvaluationStatus.values)\n",
        encoding="utf-8",
    )
    assert list(leaks_in(module)) == []
