"""Catalogue images: uploaded through the API (base64 in JSON), checked to be real pictures, stored under MEDIA_ROOT
with a thumbnail, and given to storefronts as absolute URLs."""

import base64
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from orders.models import ProductImage
from sellercenter.models import ApiScope
from tests.conftest import make_api_client
from tests.orders.factories import catalogue_product, picture_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _upload(api, group, upload, **fields):
    body = {"image": base64.b64encode(upload.read()).decode(), **fields}
    return api.post(f"/api/v1/catalogue/products/{group.pk}/images", body, format="json")


def test_an_upload_is_stored_with_a_thumbnail_and_served_by_absolute_url(api, shop, media):
    group = catalogue_product(shop)

    response = _upload(api, group, picture_file(size=(1200, 800)), alt_text="Áo dài đỏ")

    assert response.status_code == 201, response.json()
    image = response.json()["images"][0]
    assert image["url"].startswith("http://testserver/media/catalogue/")
    assert (image["width"], image["height"], image["alt_text"]) == (1200, 800, "Áo dài đỏ")
    stored = ProductImage.objects.get()
    assert Path(stored.image.path).is_file() and str(media) in stored.image.path
    with Image.open(stored.thumbnail.path) as thumbnail:
        assert thumbnail.format == "WEBP"
        assert max(thumbnail.size) == 400
    assert image["thumbnail_url"].endswith(Path(stored.thumbnail.name).name)


def test_the_storefront_gets_the_pictures_at_urls_of_media_root(api, shop, media):
    group = catalogue_product(shop)
    _upload(api, group, picture_file(image_format="JPEG", name="ao.jpg"))
    storefront = make_api_client(shop, scopes=[ApiScope.STOREFRONT])

    image = storefront.get(f"/api/v1/catalogue/products/{group.pk}").json()["images"][0]

    for url in (image["url"], image["thumbnail_url"]):
        assert (media / url.removeprefix("http://testserver/media/")).is_file()


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("ao-dai.jpg", b"khong phai hinh anh", content_type="image/jpeg"),
        picture_file(name="ao-dai.gif", image_format="GIF"),
    ],
    ids=["not-an-image", "gif"],
)
def test_what_is_not_a_jpeg_png_or_webp_picture_is_a_400_naming_image(api, shop, upload):
    group = catalogue_product(shop)

    response = _upload(api, group, upload)

    assert response.status_code == 400
    assert "image" in response.json()["error"]["fields"]
    assert not ProductImage.objects.exists()


def test_a_picture_over_the_size_limit_is_refused(api, shop, settings):
    settings.CATALOGUE_IMAGE_MAX_BYTES = 1000
    group = catalogue_product(shop)
    out = io.BytesIO()
    Image.effect_noise((200, 200), 64).convert("RGB").save(out, "PNG")

    response = _upload(api, group, SimpleUploadedFile("nhieu.png", out.getvalue(), content_type="image/png"))

    assert response.status_code == 400
    assert "image" in response.json()["error"]["fields"]


def test_an_image_is_removed_with_its_files(api, shop, django_capture_on_commit_callbacks):
    group = catalogue_product(shop)
    _upload(api, group, picture_file())
    image = ProductImage.objects.get()
    paths = [Path(image.image.path), Path(image.thumbnail.path)]

    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"/api/v1/catalogue/products/{group.pk}/images/{image.pk}")

    assert response.status_code == 204
    assert not ProductImage.objects.exists()
    assert not any(path.exists() for path in paths)


def test_text_that_is_not_base64_is_a_400_naming_image(api, shop):
    group = catalogue_product(shop)

    response = api.post(f"/api/v1/catalogue/products/{group.pk}/images", {"image": "không phải base64"}, format="json")

    assert response.status_code == 400
    assert "image" in response.json()["error"]["fields"]


def test_another_shops_product_gets_no_picture(api, other_shop):
    theirs = catalogue_product(other_shop)

    assert _upload(api, theirs, picture_file()).status_code == 404
    assert not ProductImage.objects.exists()
