"""The staff roles (docs/roles.md): three groups with the registry's permissions.

- "Văn phòng điều phối": every right on the registry models, and recognise, revoke, propose,
  import and the dashboard.
- "Cán bộ nhập liệu": add and change producers, products (and their images) and evaluations;
  view the rest. The admin keeps their evaluations to draft/scored (decisions are actions they do
  not have) and recognised evaluations read-only. No delete, recognise, revoke, propose or import.
- "Lãnh đạo": view only, plus the dashboard.

Running it again (``seed_roles``) brings the groups back to exactly these rights; the
live-server tests call it after their database is flushed.
"""

from django.db import migrations

COORDINATION_OFFICE = "Văn phòng điều phối"
DATA_ENTRY = "Cán bộ nhập liệu"
LEADERSHIP = "Lãnh đạo"

REGISTRY_MODELS = {
    "products": ["commune", "legacydistrict", "legacycommune", "producer", "productgroup", "legacysector",
                 "product", "productimage"],
    "evaluations": ["evaluation", "phase", "target"],
}
WORKFLOW = ["recognise_evaluation", "revoke_evaluation", "propose_evaluation", "import_register", "view_dashboard"]
DATA_ENTRY_EDITS = {"products": ["producer", "product", "productimage"], "evaluations": ["evaluation"]}


def role_permissions() -> dict[str, set[tuple[str, str]]]:
    """Role name → {(app_label, codename)}."""
    view_all = {(app, f"view_{model}") for app, models in REGISTRY_MODELS.items() for model in models}
    everything = {
        (app, f"{action}_{model}")
        for app, models in REGISTRY_MODELS.items()
        for model in models
        for action in ("add", "change", "delete", "view")
    }
    entry = {
        (app, f"{action}_{model}")
        for app, models in DATA_ENTRY_EDITS.items()
        for model in models
        for action in ("add", "change")
    }
    return {
        COORDINATION_OFFICE: everything | {("evaluations", codename) for codename in WORKFLOW},
        DATA_ENTRY: view_all | entry,
        LEADERSHIP: view_all | {("evaluations", "view_dashboard")},
    }


def seed_roles(apps, schema_editor=None):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate (post_migrate); create them now.
    for label in ("products", "evaluations"):
        app_config = apps.get_app_config(label)
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=name)
        permissions = [
            permission
            for permission in Permission.objects.filter(
                content_type__app_label__in=REGISTRY_MODELS, codename__in={codename for _app, codename in wanted}
            ).select_related("content_type")
            if (permission.content_type.app_label, permission.codename) in wanted
        ]
        missing = wanted - {(p.content_type.app_label, p.codename) for p in permissions}
        if missing:
            raise RuntimeError(f"permissions missing for role {name}: {sorted(missing)}")
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[COORDINATION_OFFICE, DATA_ENTRY, LEADERSHIP]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("evaluations", "0002_seed_phases_and_targets"),
        ("products", "0002_seed_product_groups"),
    ]

    operations = [migrations.RunPython(seed_roles, remove_roles)]
