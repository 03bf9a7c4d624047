"""Renewal notices in the staff roles (docs/roles.md): the coordination office sends them (``add``: the producer
admin's send and download actions) and reads their record; data entry and leadership read the record."""

from django.db import migrations

COORDINATION_OFFICE = "Văn phòng điều phối"
DATA_ENTRY = "Cán bộ nhập liệu"
LEADERSHIP = "Lãnh đạo"

GRANTS = {
    COORDINATION_OFFICE: ["add_renewalnotice", "view_renewalnotice"],
    DATA_ENTRY: ["view_renewalnotice"],
    LEADERSHIP: ["view_renewalnotice"],
}


def grant(apps, schema_editor=None):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("evaluations")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label="evaluations", codename__in=codenames)
            )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    notices = Permission.objects.filter(content_type__app_label="evaluations", codename__endswith="_renewalnotice")
    for permission in notices:
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0008_renewal_notices"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
