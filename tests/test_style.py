"""One test style across the suite (STYLE.md, "Tests"): plain pytest functions with fixtures and factories,
never Django's unittest-style test case classes."""

import importlib
import inspect
import os
import sys
import types
from fnmatch import fnmatch
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRECTORIES = {".venv", "node_modules", "__pycache__"}


def repository_test_modules() -> list[str]:
    """Every test module of the repository, as imported: ``products.tests.test_views``, ``tests.e2e.test_csp``…"""
    modules = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if d not in SKIPPED_DIRECTORIES and not d.startswith(".")]
        package = Path(directory).relative_to(ROOT).parts
        modules += [".".join((*package, file[:-3])) for file in files if fnmatch(file, "test_*.py")]
    return sorted(modules)


def django_test_cases(module: types.ModuleType) -> list[type]:
    """The classes ``module`` defines that are Django test cases: SimpleTestCase and whatever inherits from it,
    directly or not (TestCase, TransactionTestCase, LiveServerTestCase, hypothesis.extra.django.TestCase…)."""
    return [
        value for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, SimpleTestCase) and value.__module__ == module.__name__
    ]


def test_the_search_covers_every_test_package_and_skips_the_virtualenv():
    modules = repository_test_modules()

    assert {"products.tests.test_views", "evaluations.tests.test_models", "tests.test_style",
            "tests.e2e.test_catalogue"} <= set(modules)
    assert not [name for name in modules if name.startswith((".", "venv"))]


def test_the_check_finds_every_kind_of_django_test_case():
    module = types.ModuleType("style_example")
    sys.modules[module.__name__] = module  # as for an imported test module
    try:
        exec(  # a fixed snippet standing for a test module
            "import django.test\n"
            "from django.test import SimpleTestCase, TestCase as DjangoTestCase, TransactionTestCase\n"
            "from hypothesis.extra.django import TestCase as HypothesisTestCase\n"
            "class Plain(SimpleTestCase): pass\n"
            "class Renamed(DjangoTestCase): pass\n"
            "class Transactional(TransactionTestCase): pass\n"
            "class Dotted(django.test.LiveServerTestCase): pass\n"
            "class Hypothesis(HypothesisTestCase): pass\n"
            "class Indirect(Renamed): pass\n"
            "class HtmlParser: pass\n",
            module.__dict__,
        )
        found = [cls.__name__ for cls in django_test_cases(module)]
    finally:
        del sys.modules[module.__name__]

    assert found == ["Plain", "Renamed", "Transactional", "Dotted", "Hypothesis", "Indirect"]


def test_no_test_module_defines_a_django_test_case_class():
    offenders = [
        f"{module_name}.{cls.__name__} (line {inspect.getsourcelines(cls)[1]})"
        for module_name in repository_test_modules()
        for cls in django_test_cases(importlib.import_module(module_name))
    ]

    assert offenders == [], (
        "Write these as plain pytest functions with fixtures (pytest-django's db, client, settings, "
        "django_assert_num_queries…) and the factories of tests/factories.py: " + ", ".join(offenders)
    )
