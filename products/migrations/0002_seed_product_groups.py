"""Seed the 148/QĐ-TTg product classification (Appendix I) and map the 1048 sectors onto it."""

from django.db import migrations

GROUPS = [
    ("I", "Thực phẩm", "Food", [
        ("Thực phẩm tươi sống", "Fresh food"),
        ("Thực phẩm thô, sơ chế", "Raw and minimally processed food"),
        ("Thực phẩm chế biến", "Processed food"),
        ("Gia vị", "Condiments and spices"),
        ("Chè", "Tea"),
        ("Cà phê, ca cao", "Coffee and cocoa"),
    ]),
    ("II", "Đồ uống", "Drinks", [
        ("Đồ uống có cồn", "Alcoholic drinks"),
        ("Đồ uống không cồn", "Non-alcoholic drinks"),
    ]),
    ("III", "Dược liệu và sản phẩm từ dược liệu", "Medicinal herbs and herbal products", [
        ("Thực phẩm chức năng, thuốc dược liệu, thuốc cổ truyền",
         "Functional foods, herbal and traditional medicines"),
        ("Mỹ phẩm có thành phần từ dược liệu", "Cosmetics with herbal ingredients"),
        ("Tinh dầu và dược liệu khác", "Essential oils and other herbal products"),
    ]),
    ("IV", "Hàng thủ công mỹ nghệ", "Handicrafts", [
        ("Thủ công mỹ nghệ gia dụng, trang trí", "Household and decorative handicrafts"),
        ("Vải, may mặc", "Textiles and garments"),
    ]),
    ("V", "Sinh vật cảnh", "Ornamental plants and animals", [
        ("Hoa", "Flowers"),
        ("Cây cảnh", "Ornamental plants"),
        ("Động vật cảnh", "Ornamental animals"),
    ]),
    ("VI", "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
     "Community tourism, eco-tourism and tourist sites", [
        ("Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
         "Community tourism, eco-tourism and tourist sites"),
    ]),
]

# The six sectors (ngành) of 1048/QĐ-TTg and the 148 group or subgroup each maps onto (DOMAIN.md).
LEGACY_SECTORS = [
    ("Thực phẩm", "I"),
    ("Đồ uống", "II"),
    ("Thảo dược", "III"),
    ("Vải và may mặc", "IV.2"),
    ("Lưu niệm – nội thất – trang trí", "IV.1"),
    ("Dịch vụ du lịch nông thôn, bán hàng", "VI"),
]


def seed(apps, schema_editor):
    ProductGroup = apps.get_model("products", "ProductGroup")
    LegacySector = apps.get_model("products", "LegacySector")
    position = 0
    for code, name, name_en, subgroups in GROUPS:
        position += 1
        group, _ = ProductGroup.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "parent": None, "position": position * 100}
        )
        for n, (sub_name, sub_en) in enumerate(subgroups, start=1):
            ProductGroup.objects.update_or_create(
                code=f"{code}.{n}",
                defaults={"name": sub_name, "name_en": sub_en, "parent": group, "position": position * 100 + n},
            )
    for name, code in LEGACY_SECTORS:
        LegacySector.objects.update_or_create(name=name, defaults={"group": ProductGroup.objects.get(code=code)})


def unseed(apps, schema_editor):
    apps.get_model("products", "LegacySector").objects.all().delete()
    ProductGroup = apps.get_model("products", "ProductGroup")
    ProductGroup.objects.filter(parent__isnull=False).delete()
    ProductGroup.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("products", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
