"""English labels for the targets seeded in 0002 (only where staff have not written one)."""

from django.db import migrations

LABELS_EN = {
    ("2018–2020", "Sản phẩm được công nhận cấp tỉnh (3–4 sao)"): "Products recognised at provincial level (3–4 stars)",
    ("2018–2020", "Sản phẩm đề xuất công nhận 5 sao quốc gia"): "Products proposed for national 5-star recognition",
    ("2021–2025", "Sản phẩm đạt 3–4 sao"): "Products at 3–4 stars",
    ("2021–2025", "Sản phẩm đạt 5 sao"): "Products at 5 stars",
}


def seed(apps, schema_editor):
    Target = apps.get_model("evaluations", "Target")
    for (phase, label), label_en in LABELS_EN.items():
        Target.objects.filter(phase__name=phase, label=label, label_en="").update(label_en=label_en)


def unseed(apps, schema_editor):
    Target = apps.get_model("evaluations", "Target")
    for (phase, label), label_en in LABELS_EN.items():
        Target.objects.filter(phase__name=phase, label=label, label_en=label_en).update(label_en="")


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0006_target_label_en_constraint_messages")]

    operations = [migrations.RunPython(seed, unseed)]
