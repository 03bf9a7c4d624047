"""The import graph runs one way: a module imports only from its own layer or a lower one.

Layers, lowest first (docs/architecture.md):
0. helpers: project-wide pieces with no app models (ocop_registry.admin_search, exports, history_admin,
   admin_filters, data_version, planner), text folding (products.normalise), image checks (products.images) and the
   rules as data (evaluations.rules);
1. product data and its writes: products.models, products.services;
2. evaluation data and its reads/writes: evaluations.models, services, selectors;
3. everything else: the public catalogue (products.selectors, filters, views, api, templatetags,
   context_processors, sitemaps), both admins, the import, the dashboard, commands; then the wiring
   (ocop_registry.settings, urls).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("products", "evaluations", "ocop_registry")
LAYERS = (
    {"ocop_registry.admin_search", "ocop_registry.admin_filters", "ocop_registry.exports",
     "ocop_registry.history_admin", "ocop_registry.data_version", "ocop_registry.planner", "products.normalise", "products.images",
     "evaluations.rules"},
    {"products.models", "products.services"},
    {"evaluations.models", "evaluations.services", "evaluations.selectors"},
)


def layer(module: str) -> int:
    return next((i for i, members in enumerate(LAYERS) if module in members), len(LAYERS))


def project_modules() -> dict:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "tests" in parts or "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def imports_of(name: str, path: Path, modules: dict) -> set:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):  # module level and inside functions
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {target for target in found if target in modules and target != name}


def test_no_import_runs_from_a_lower_layer_to_a_higher_one():
    modules = project_modules()
    upward = [
        f"{name} (layer {layer(name)}) imports {target} (layer {layer(target)})"
        for name, path in sorted(modules.items())
        for target in sorted(imports_of(name, path, modules))
        if layer(target) > layer(name)
    ]
    assert upward == []


def test_the_helpers_import_nothing_from_the_apps_but_text_folding():
    modules = project_modules()
    for name in LAYERS[0]:
        assert imports_of(name, modules[name], modules) <= {"products.normalise"}, name


def test_evaluations_take_from_products_only_its_data_and_writes():
    modules = project_modules()
    taken = {
        target
        for name, path in modules.items()
        if name.startswith("evaluations")
        for target in imports_of(name, path, modules)
        if target.startswith("products")
    }
    assert taken <= {"products.models", "products.services", "products.normalise"}
