"""Uploaded media: served by Django (public images only, with nosniff and a sandbox policy) or kept in an S3 API.

The S3 test runs against moto's server mode started in a subprocess: a real S3 API over HTTP.
"""

import io
import json
import os
import re
import runpy
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import boto3
import pytest
import requests
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.http import http_date
from PIL import Image

from products.models import Product
from tests.factories import any_commune, make_producer, make_product, make_recognition

pytestmark = pytest.mark.django_db

MEDIA_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}
YEAR = "public, max-age=31536000, immutable"


def png_upload(name="chai.png", size=(1200, 900)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def assert_media_headers(response):
    for header, value in MEDIA_HEADERS.items():
        assert response.headers.get(header) == value, (header, response.status_code)


# --- Django serving MEDIA_ROOT (no reverse proxy) --------------------------------------------------------------


def test_product_images_and_thumbnails_are_served_with_nosniff_sandbox_and_a_year_of_caching(client):
    product = make_product(name="Nước mắm có ảnh", image=png_upload())
    for url, content_type in ((product.image.url, "image/png"), (product.thumb_320.url, "image/jpeg")):
        assert url.startswith("/media/")
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == content_type
        assert response["Cache-Control"] == YEAR
        assert_media_headers(response)
        assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format in ("PNG", "JPEG")

    # Conditional requests are answered too (304), with the same headers.
    later = http_date(time.time() + 60)
    response = client.get(product.image.url, headers={"if-modified-since": later})
    assert response.status_code == 304
    assert_media_headers(response)


def test_import_registers_and_anything_outside_the_public_folders_are_never_served(client):
    media = Path(django_settings.MEDIA_ROOT)
    (media / "imports").mkdir(parents=True)
    (media / "imports" / "register.xlsx").write_bytes(b"PK private register")
    (media / "products" / "2025").mkdir(parents=True)
    (media / "notes.txt").write_text("private")
    for url in (
        "/media/imports/register.xlsx",
        "/media/products/../imports/register.xlsx",
        "/media/products/%2e%2e/imports/register.xlsx",
        "/media/CACHE/images/../../imports/register.xlsx",
        "/media/products/2025/../../imports/register.xlsx",
        "/media//imports/register.xlsx",
        "/media/notes.txt",
        "/media/products/2025/",
        "/media/products/2025/missing.png",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert_media_headers(response)
        assert b"private" not in response.content
    response = client.post("/media/products/2025/missing.png")
    assert response.status_code == 405
    assert_media_headers(response)


# --- An S3 API (moto's server) as the media storage ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server in a subprocess; its URL."""
    port = free_port()
    moto_server = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(moto_server), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def public_read_policy(bucket: str) -> dict:
    """Anyone may read the product images and their thumbnails, nothing else (as docs/deploy.md sets it)."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "PublicProductImages",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": [f"arn:aws:s3:::{bucket}/products/*", f"arn:aws:s3:::{bucket}/CACHE/images/*"],
        }],
    }


S3_ENVIRONMENT = {
    "OCOP_S3_ACCESS_KEY_ID": "moto-key",
    "OCOP_S3_SECRET_ACCESS_KEY": "moto-secret",
    "OCOP_S3_REGION": "us-east-1",
}


@pytest.fixture
def s3_storage(s3_endpoint, settings, monkeypatch):
    """A fresh bucket, and the default storage exactly as settings.py builds it from the OCOP_S3_* variables."""
    bucket = f"ocop-media-{time.monotonic_ns()}"
    environment = {**S3_ENVIRONMENT, "OCOP_S3_BUCKET": bucket, "OCOP_S3_ENDPOINT_URL": s3_endpoint,
                   "DJANGO_DEBUG": "1", "OCOP_S3_CUSTOM_DOMAIN": ""}
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    configured = runpy.run_path(os.path.join(django_settings.BASE_DIR, "ocop_registry", "settings.py"))
    assert configured["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert configured["SERVE_MEDIA"] is False  # the object store serves the images, not Django
    # The browser may load images from the store: the CSP names its origin.
    assert s3_endpoint.rstrip("/") in configured["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="moto-key", aws_secret_access_key="moto-secret")
    client.create_bucket(Bucket=bucket)
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public_read_policy(bucket)))
    settings.STORAGES = {**settings.STORAGES, "default": configured["STORAGES"]["default"]}
    return client, bucket


def test_an_image_uploaded_in_the_admin_lands_in_s3_with_its_thumbnails_and_public_urls(admin_client, client,
                                                                                       s3_storage):
    s3, bucket = s3_storage
    url = reverse("admin:products_product_add")
    page = admin_client.get(url)
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name, field in management.fields.items():
            data[f"{management.prefix}-{name}"] = management.initial.get(name, field.initial)
    data.update({"name": "Mật ong rừng Pù Luông", "producer": make_producer().pk, "commune": any_commune().pk,
                 "description": "", "is_published": "on", "image": png_upload("mat-ong.jpg")})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    product = Product.objects.get(name="Mật ong rừng Pù Luông")
    make_recognition(product, stars=4)

    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert product.image.name in keys and product.image.name.endswith(".png")
    thumbnails = {getattr(product, f"thumb_{width}").name for width in (320, 640, 1024)}
    assert all(name.startswith("CACHE/images/products/") for name in thumbnails)
    assert thumbnails <= keys
    head = s3.head_object(Bucket=bucket, Key=product.thumb_640.name)
    assert head["CacheControl"] == YEAR
    assert head["ContentType"] == "image/jpeg"

    # The product page names the images by their object-store URLs; each one fetches over HTTP.
    html = client.get(product.get_absolute_url()).content.decode()
    srcset = unescape(re.search(r'class="product-img"[^>]*srcset="([^"]+)"', html).group(1))
    og_image = unescape(re.search(r'property="og:image" content="([^"]+)"', html).group(1))
    urls = [entry.split()[0] for entry in srcset.split(",")] + [og_image, product.image.url]
    assert len(urls) == 5 and all(u.startswith(f"{s3.meta.endpoint_url}/{bucket}/") for u in urls), urls
    for image_url in urls:
        fetched = requests.get(image_url, timeout=10)
        assert fetched.status_code == 200, image_url
        assert fetched.headers["Content-Type"] in ("image/jpeg", "image/png")
        assert Image.open(io.BytesIO(fetched.content)).format in ("JPEG", "PNG")
    # Public because of the bucket policy, which covers the image folders only.
    s3.put_object(Bucket=bucket, Key="private/notes.txt", Body=b"private")
    assert requests.get(f"{s3.meta.endpoint_url}/{bucket}/private/notes.txt", timeout=10).status_code == 403
