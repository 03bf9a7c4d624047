"""Uploaded product images: what is refused (and how it is said), what is stored, and when thumbnails are made."""

import io
import os
import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from products.images import image_check, image_sanitise
from products.models import Product, ProductImage
from tests.factories import any_commune, make_producer, make_product, make_recognition

pytestmark = pytest.mark.django_db

TOO_MANY_PIXELS = "Ảnh có quá nhiều điểm ảnh (tối đa 40 megapixel"
TOO_LARGE = "vượt giới hạn 10,0\xa0MB"  # filesizeformat joins with a no-break space
BAD_FORMAT = "Chỉ nhận ảnh JPEG, PNG hoặc WebP."


# --- Files a visitor to the admin might upload ----------------------------------------------------------------


def encoded(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type="application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_bytes(size=(800, 600)) -> bytes:
    return encoded(Image.new("RGB", size, (200, 120, 40)), "PNG")


def jpeg_bytes(size=(800, 600)) -> bytes:
    return encoded(Image.new("RGB", size, (40, 120, 200)), "JPEG")


def bomb_png() -> bytes:
    """100 megapixels in about 12 KB: a 10000 × 10000 one-bit PNG of a single colour."""
    return encoded(Image.new("1", (10_000, 10_000), 0), "PNG", optimize=True)


def gif_bytes() -> bytes:
    return encoded(Image.new("P", (64, 64), 3), "GIF")


def noisy_png(megabytes: float) -> bytes:
    """A valid, small-resolution PNG that weighs ``megabytes`` (random pixels do not compress)."""
    side = int((megabytes * 1024 * 1024 / 3) ** 0.5) + 1
    return encoded(Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)), "PNG", compress_level=1)


GPS_LATITUDE = (19.0, 48.0, 30.5)


def phone_photo() -> bytes:
    """A 60 × 30 JPEG, red left and blue right, whose EXIF says "turn 90° clockwise" and where it was taken."""
    image = Image.new("RGB", (60, 30), (255, 0, 0))
    image.paste((0, 0, 255), (30, 0, 60, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Model] = "Phone X"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: GPS_LATITUDE,
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (105.0, 46.0, 12.25),
    })
    return encoded(image, "JPEG", exif=exif, quality=95)


def refusal(callable_, *args) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        callable_(*args)
    return caught.value


# --- The rules, on the file ---------------------------------------------------------------------------------


def test_the_phone_photo_fixture_really_carries_gps_and_orientation():
    exif = Image.open(io.BytesIO(phone_photo())).getexif()
    assert exif[ExifTags.Base.Orientation] == 6
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == GPS_LATITUDE


def test_a_100_megapixel_png_of_12_kb_is_refused_from_its_header_without_being_decoded():
    data = bomb_png()
    assert len(data) < 20_000
    decoded_before = Image.core.get_stats()["new_count"]
    error = refusal(image_sanitise, upload("bomb.png", data))
    assert error.code == "too_many_pixels"
    assert TOO_MANY_PIXELS in error.messages[0]
    assert Image.core.get_stats()["new_count"] == decoded_before  # Pillow allocated no image


def test_the_pixel_limit_is_40_megapixels_read_from_the_header():
    # 40,008,000 pixels: below Pillow's own bomb warning (89 megapixels), above ours.
    error = refusal(image_check, upload("wide.png", encoded(Image.new("1", (8001, 5000)), "PNG")))
    assert error.code == "too_many_pixels"
    header = image_check(upload("ok.png", encoded(Image.new("1", (8000, 5000)), "PNG")))
    assert (header.format, header.width, header.height) == ("PNG", 8000, 5000)


def test_a_30_mb_file_is_refused_by_its_size_before_pillow_opens_it():
    # A valid JPEG followed by 30 MB of padding: only the size can refuse it.
    data = jpeg_bytes() + b"\0" * (30 * 1024 * 1024)
    decoded_before = Image.core.get_stats()["new_count"]
    error = refusal(image_sanitise, upload("big.jpg", data))
    assert error.code == "too_large"
    assert TOO_LARGE in error.messages[0]
    assert "30,0\xa0MB" in error.messages[0]
    assert Image.core.get_stats()["new_count"] == decoded_before


def test_a_gif_is_refused_whatever_its_name():
    for name in ("anim.gif", "photo.jpg"):
        error = refusal(image_sanitise, upload(name, gif_bytes()))
        assert error.code == "bad_format"
        assert BAD_FORMAT in error.messages[0]
        assert name in error.messages[0]


def test_a_gif_with_a_script_appended_is_refused():
    data = gif_bytes() + b"<script>alert(document.cookie)</script>"
    assert refusal(image_sanitise, upload("polyglot.jpg", data)).code == "bad_format"


def test_text_or_a_truncated_image_is_refused():
    assert refusal(image_sanitise, upload("page.png", b"<html><script>alert(1)</script></html>")).code == "bad_format"
    assert refusal(image_sanitise, upload("cut.jpg", jpeg_bytes()[:400])).code == "bad_format"


def test_a_png_renamed_jpg_is_accepted_and_stored_as_png():
    stored = image_sanitise(upload("san-pham.jpg", png_bytes()))
    assert re.fullmatch(r"san-pham-[0-9a-f]{8}\.png", stored.name)
    assert stored.content_type == "image/png"
    assert Image.open(stored).format == "PNG"


def test_jpeg_and_webp_are_stored_in_their_own_format():
    assert image_sanitise(upload("a.jpeg", jpeg_bytes())).name.endswith(".jpg")
    webp = image_sanitise(upload("a.webp", encoded(Image.new("RGBA", (50, 40), (1, 2, 3, 128)), "WEBP")))
    assert webp.name.endswith(".webp")
    assert Image.open(webp).mode == "RGBA"


def test_a_phone_photo_is_stored_upright_without_exif():
    stored = image_sanitise(upload("IMG_0001.JPG", phone_photo())).read()
    image = Image.open(io.BytesIO(stored))
    assert image.size == (30, 60)  # turned as its orientation said
    red, blue = image.getpixel((15, 5)), image.getpixel((15, 55))
    assert red[0] > 200 and red[2] < 60, red
    assert blue[2] > 200 and blue[0] < 60, blue
    assert not image.getexif()
    assert b"Exif" not in stored and b"Phone X" not in stored


def test_bytes_appended_to_an_accepted_image_are_not_stored():
    stored = image_sanitise(upload("chai.jpg", jpeg_bytes() + b"<script>alert(1)</script>")).read()
    assert b"<script>" not in stored
    assert Image.open(io.BytesIO(stored)).format == "JPEG"


def test_the_model_fields_refuse_what_the_rules_refuse():
    product = Product(name="Mắm", producer=make_producer(), commune=any_commune(), image=upload("a.jpg", gif_bytes()))
    with pytest.raises(ValidationError) as caught:
        product.full_clean()
    assert BAD_FORMAT in caught.value.message_dict["image"][0]
    picture = ProductImage(product=make_product(), image=upload("b.png", bomb_png()))
    with pytest.raises(ValidationError) as caught:
        picture.full_clean()
    assert TOO_MANY_PIXELS in caught.value.message_dict["image"][0]


# --- Through the admin --------------------------------------------------------------------------------------


def product_form(client, url, **fields):
    """The admin product form as the page offers it (management forms of every inline), with ``fields``."""
    response = client.get(url)
    assert response.status_code == 200
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name, field in management.fields.items():
            data[f"{management.prefix}-{name}"] = management.initial.get(name, field.initial)
    data.update({"producer": make_producer().pk, "commune": any_commune().pk, "description": "", "is_published": "on"})
    data.update(fields)
    return data


def with_gallery_image(data, file, caption="Chai 500 ml"):
    data.update({"images-TOTAL_FORMS": "1", "images-0-image": file, "images-0-caption": caption,
                 "images-0-position": "0"})
    return data


def add_product(client, **fields):
    url = reverse("admin:products_product_add")
    return client.post(url, product_form(client, url, **fields))


def test_admin_stores_a_phone_photo_upright_without_exif_and_a_renamed_png_as_png(admin_client):
    fields = with_gallery_image({"name": "Nước mắm Hải Tiến", "image": upload("IMG_0001.JPG", phone_photo())},
                                upload("chai.jpg", png_bytes()))
    response = add_product(admin_client, **fields)
    assert response.status_code == 302, response.context and response.context["errors"]
    product = Product.objects.get(name="Nước mắm Hải Tiến")
    assert re.fullmatch(r"products/\d{4}/IMG_0001-[0-9a-f]{8}\.jpg", product.image.name)
    with default_storage.open(product.image.name) as stored:
        data = stored.read()
    image = Image.open(io.BytesIO(data))
    assert image.size == (30, 60) and not image.getexif() and b"Phone X" not in data
    gallery = product.images.get()
    assert gallery.image.name.endswith(".png")
    with default_storage.open(gallery.image.name) as stored:
        assert Image.open(stored).format == "PNG"


def test_admin_generates_the_thumbnails_when_the_image_is_saved(admin_client):
    fields = with_gallery_image({"name": "Mật ong Như Xuân", "image": upload("a.png", png_bytes((1600, 1200)))},
                                upload("b.webp", encoded(Image.new("RGB", (900, 700)), "WEBP")))
    assert add_product(admin_client, **fields).status_code == 302
    product = Product.objects.get(name="Mật ong Như Xuân")
    for owner in (product, product.images.get()):
        for width in (320, 640, 1024):
            thumb = getattr(owner, f"thumb_{width}")
            assert thumb.name.startswith("CACHE/images/products/")
            assert default_storage.exists(thumb.name), thumb.name
            with default_storage.open(thumb.name) as stored:
                assert max(Image.open(stored).size) <= width


def test_a_new_image_on_the_change_form_gets_its_own_thumbnails(admin_client):
    product = make_product(name="Chè lam", image=upload("old.png", png_bytes()))
    old_thumb = product.thumb_320.name
    url = reverse("admin:products_product_change", args=[product.pk])
    fields = product_form(admin_client, url, name="Chè lam", producer=product.producer_id,
                          group=product.group_id, commune=product.commune_id, image=upload("new.jpg", jpeg_bytes()))
    assert admin_client.post(url, fields).status_code == 302
    product.refresh_from_db()
    assert product.thumb_320.name != old_thumb
    assert default_storage.exists(product.thumb_320.name)


REFUSED = [
    ("bomb.png", bomb_png, TOO_MANY_PIXELS),
    ("heavy.png", lambda: noisy_png(11), TOO_LARGE),  # between the 10 MB field limit and the 12 MB request limit
    ("anim.gif", gif_bytes, BAD_FORMAT),
    ("photo.jpg", lambda: gif_bytes() + b"<script>alert(1)</script>", BAD_FORMAT),
]


@pytest.mark.parametrize(("name", "make", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_admin_says_why_an_image_is_refused_on_the_field(admin_client, name, make, message):
    data = make()
    response = add_product(admin_client, name="Sản phẩm bị từ chối ảnh", image=upload(name, data))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["image"]
    assert message in errors[0]
    assert message in response.content.decode()

    response = add_product(admin_client, **with_gallery_image({"name": "Sản phẩm khác"}, upload(name, data)))
    assert response.status_code == 200
    gallery = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "images")
    assert message in gallery.formset.forms[0].errors["image"][0]
    assert not Product.objects.exists()
    assert not default_storage.exists("products")


# --- Public pages do no image work ----------------------------------------------------------------------------


class CountingStorage(FileSystemStorage):
    """The media storage, counting every call that touches a file."""

    calls: list[tuple[str, str]] = []

    def exists(self, name):
        self.calls.append(("exists", name))
        return super().exists(name)

    def _open(self, name, mode="rb"):
        self.calls.append(("open", name))
        return super()._open(name, mode)

    def _save(self, name, content):
        self.calls.append(("save", name))
        return super()._save(name, content)

    def delete(self, name):
        self.calls.append(("delete", name))
        return super().delete(name)


@pytest.fixture
def counting_storage(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.CountingStorage"}}
    CountingStorage.calls = []
    yield CountingStorage.calls


def test_public_pages_neither_open_nor_write_an_image(admin_client, client, counting_storage):
    fields = with_gallery_image({"name": "Nem chua Thanh Hóa", "image": upload("nem.jpg", jpeg_bytes())},
                                upload("goi.png", png_bytes()))
    assert add_product(admin_client, **fields).status_code == 302
    assert any(call == "save" and name.startswith("CACHE/") for call, name in counting_storage)
    product = Product.objects.get(name="Nem chua Thanh Hóa")
    make_recognition(product, stars=4)
    gallery = product.images.get()

    from django.core.cache import cache

    cache.clear()  # as on a fresh app server: imagekit remembers nothing
    counting_storage.clear()
    for url in (product.get_absolute_url(), reverse("products:product_list"), reverse("products:home")):
        assert client.get(url).status_code == 200
    assert counting_storage == []

    # With the uploads gone, the product page still names the thumbnails made when they were saved.
    os.remove(os.path.join(settings.MEDIA_ROOT, product.image.name))
    os.remove(os.path.join(settings.MEDIA_ROOT, gallery.image.name))
    html = client.get(product.get_absolute_url()).content.decode()
    for owner in (product, gallery):
        for width in (320, 640, 1024):
            assert f"{getattr(owner, f'thumb_{width}').url} {width}w" in html
    assert counting_storage == []


def test_admin_image_inputs_accept_only_the_three_formats_and_carry_the_size_limit(admin_client):
    html = admin_client.get(reverse("admin:products_product_add")).content.decode()
    assert "js/upload_limits.js" in html
    inputs = re.findall(r'<input type="file" name="(?:image|images-__prefix__-image)"[^>]*>', html)
    assert len(inputs) == 2, inputs  # the product's image and the gallery row template
    for tag in inputs:
        assert 'accept="image/jpeg,image/png,image/webp"' in tag
        assert f'data-max-bytes="{settings.MAX_IMAGE_BYTES}"' in tag
        assert "data-too-large=" in tag
