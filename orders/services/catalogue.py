"""The catalogue: categories, catalogue products with their variants (Product rows, one per SKU) and
their images. Stock is not written here: a new variant's first units go through stock_receive, and
every later change through the stock services."""

import dataclasses
import functools
import io
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from orders.models import CatalogueStatus, Category, Product, ProductGroup, ProductImage
from orders.pipeline import Actor
from orders.services.stock import stock_receive
from sellercenter.errors import Conflict, InvalidInput
from sellercenter.models import Shop
from sellercenter.money import money_round, to_decimal
from sellercenter.text import search_key

MAX_OPTIONS = 3
MAX_VARIANTS = 100
MAX_OPTION_LENGTH = 50
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
IMAGE_MAX_PIXELS = 40_000_000
THUMBNAIL_SIZE = (400, 400)
REQUIRED = _("This field is required.")
# "Leave it as it is": for catalogue_product_update's category (None takes it away) and for the
# optional fields of VariantData (a new variant gets the default of VARIANT_DEFAULTS).
KEEP = object()


@dataclass
class VariantData:
    """What a variant is given: its SKU and price, its value for each option, and the rest. KEEP
    (or None for the numbers) leaves an existing variant's value as it is; `cost_price=None`
    clears it (not known)."""

    sku: str
    price: object
    options: object = KEEP
    cost_price: object = KEEP
    barcode: object = KEEP
    low_stock_threshold: int | None = None
    weight_grams: int | None = None
    length_cm: int | None = None
    width_cm: int | None = None
    height_cm: int | None = None
    is_active: object = KEEP
    # Units received into stock when the variant is created (ignored for an existing one).
    initial_stock: int = 0


DIMENSIONS = ("low_stock_threshold", "weight_grams", "length_cm", "width_cm", "height_cm")
VARIANT_DEFAULTS = {"options": {}, "cost_price": None, "barcode": "", "is_active": True}


def _resolved(data: VariantData, existing: Product | None) -> VariantData:
    """`data` with each KEEP replaced by the existing variant's value, or the default for a new one."""
    changes = {
        name: getattr(existing, name) if existing is not None else default
        for name, default in VARIANT_DEFAULTS.items()
        if getattr(data, name) is KEEP
    }
    return dataclasses.replace(data, **changes)


def _money(value, shop: Shop, name: str, errors: dict, *, optional: bool = False) -> Decimal | None:
    if optional and value in (None, ""):
        return None
    try:
        amount = money_round(to_decimal(value), shop.currency)
    except (TypeError, ValueError):
        errors[name] = [_("Enter an amount of money.")]
        return None
    if amount < 0:
        errors[name] = [_("The amount cannot be negative.")]
    return amount


def _category_checked(shop: Shop, category: Category | None, name: str = "category") -> Category | None:
    if category is not None and category.shop_id != shop.pk:
        raise InvalidInput(fields={name: [_("This category does not exist.")]})
    return category


def category_save(
    *, shop: Shop, name: str, slug: str = "", parent: Category | None = None, category: Category | None = None
) -> Category:
    """Create a category (or rename / move `category`). The slug defaults to the name's. Refuses an
    empty name, a slug another category of the shop has, a parent of another shop, and a parent
    that would put the category inside itself."""
    name = name.strip()
    slug = slugify(search_key(slug or name))
    errors = {}
    if not name:
        errors["name"] = [REQUIRED]
    elif not slug:
        errors["slug"] = [_("Give a slug of letters, digits or hyphens.")]
    _category_checked(shop, parent, "parent")
    ancestor = parent
    while category is not None and ancestor is not None:
        if ancestor.pk == category.pk:
            errors["parent"] = [_("A category cannot be inside itself.")]
            break
        ancestor = ancestor.parent
    if slug and Category.objects.filter(shop=shop, slug=slug).exclude(pk=getattr(category, "pk", None)).exists():
        errors["slug"] = [_("Another category already has this slug.")]
    if errors:
        raise InvalidInput(fields=errors)
    category = category or Category(shop=shop)
    category.name, category.slug, category.parent = name, slug, parent
    category.save()
    return category


def category_for_path(*, shop: Shop, path: str, separator: str = "/") -> Category:
    """The category at `path` ("Thời trang nữ / Áo dài"), each missing level created under the one
    above (its slug is the path's, when the name's own is taken). Refuses an empty level."""
    parent = None
    names = [name.strip() for name in path.split(separator)]
    if not all(names):
        raise InvalidInput(fields={"category": [_("Name every level of the category path.")]})
    for depth, name in enumerate(names):
        found = Category.objects.filter(shop=shop, parent=parent, name=name).first()
        if found is None:
            slug = slugify(search_key(name))
            if Category.objects.filter(shop=shop, slug=slug).exists():
                slug = slugify(search_key(" ".join(names[: depth + 1])))
            found = category_save(shop=shop, name=name, slug=slug, parent=parent)
        parent = found
    return parent


def catalogue_option_names_clean(option_names) -> list[str]:
    names = [str(name).strip() for name in option_names or []]
    if len(names) > MAX_OPTIONS:
        raise InvalidInput(fields={"option_names": [_("Give at most %(max)d options.") % {"max": MAX_OPTIONS}]})
    if any(not name or len(name) > MAX_OPTION_LENGTH for name in names) or len(set(names)) != len(names):
        raise InvalidInput(fields={"option_names": [_("Give each option a different name of 1 to 50 characters.")]})
    return names


def _group_fields(*, shop: Shop, name: str, description: str, category, option_names) -> dict:
    name = name.strip()
    if not name:
        raise InvalidInput(fields={"name": [REQUIRED]})
    return {
        "name": name,
        "search_key": search_key(name)[:255],
        "description": description.strip(),
        "category": _category_checked(shop, category),
        "option_names": catalogue_option_names_clean(option_names),
    }


def variant_name(group: ProductGroup, options: dict) -> str:
    """What order lines and packing slips call a variant: "Áo dài lụa (Đỏ, M)"."""
    values = [options[name] for name in group.option_names if options.get(name)]
    return f"{group.name} ({', '.join(values)})"[:255] if values else group.name


@transaction.atomic
def catalogue_product_create(
    *,
    shop: Shop,
    actor: Actor,
    name: str,
    variants: list[VariantData],
    description: str = "",
    category: Category | None = None,
    option_names=(),
) -> ProductGroup:
    """Create a catalogue product with its variants; each variant's initial stock is received
    through the stock service. Without variants (the admin adds them next) storefronts do not list
    it yet. Refuses what catalogue_variant_save refuses, naming the variant (`variants.1.sku`);
    nothing is created then."""
    if len(variants) > MAX_VARIANTS:
        raise InvalidInput(fields={"variants": [_("Give at most %(max)d variants.") % {"max": MAX_VARIANTS}]})
    fields = _group_fields(shop=shop, name=name, description=description, category=category, option_names=option_names)
    group = ProductGroup.objects.create(shop=shop, **fields)
    catalogue_variants_save(group=group, variants=variants, actor=actor)
    return group


@transaction.atomic
def catalogue_variants_save(*, group: ProductGroup, variants: list[VariantData], actor: Actor) -> list[Product]:
    """catalogue_variant_save for each of `variants`, all or none: a refusal names the variant
    (`variants.2.price`). Refuses a SKU given twice."""
    saved, skus = [], set()
    for index, data in enumerate(variants):
        if data.sku.strip() in skus:
            raise InvalidInput(fields={f"variants.{index}.sku": [_("This SKU is given twice.")]})
        skus.add(data.sku.strip())
        save = functools.partial(catalogue_variant_save, group=group, data=data, actor=actor)
        saved.append(_with_prefix(f"variants.{index}.", save))
    return saved


def _with_prefix(prefix: str, call):
    try:
        return call()
    except InvalidInput as error:
        fields = {f"{prefix}{name}": messages for name, messages in error.fields.items()}
        raise InvalidInput(error.message, fields=fields) from None


@transaction.atomic
def catalogue_product_update(
    *,
    group: ProductGroup,
    actor: Actor,
    name: str | None = None,
    description: str | None = None,
    category=KEEP,
    option_names=None,
) -> ProductGroup:
    """Change what is given (None, or KEEP for the category, leaves a field as it is); the variants' names follow the
    product's. Refuses option names the variants' values would no longer match."""
    group = ProductGroup.objects.select_for_update().get(pk=group.pk)
    fields = _group_fields(
        shop=group.shop,
        name=group.name if name is None else name,
        description=group.description if description is None else description,
        category=group.category if category is KEEP else category,
        option_names=group.option_names if option_names is None else option_names,
    )
    variants = list(group.variants.order_by("pk"))
    if fields["option_names"] != group.option_names and any(
        set(variant.options) != set(fields["option_names"]) for variant in variants
    ):
        raise InvalidInput(
            fields={"option_names": [_("Every variant must have a value for each option: change the variants first.")]}
        )
    for key, value in fields.items():
        setattr(group, key, value)
    group.save()
    for variant in variants:
        variant.name = variant_name(group, variant.options)
    Product.objects.bulk_update(variants, ["name"])
    return group


def _status_set(*, group: ProductGroup, status: str, for_sale: bool) -> ProductGroup:
    with transaction.atomic():
        ProductGroup.objects.filter(pk=group.pk).update(status=status)
        Product.objects.filter(group=group).update(is_active=for_sale)
    group.refresh_from_db()
    return group


def catalogue_product_archive(*, group: ProductGroup, actor: Actor) -> ProductGroup:
    """Take the product and all its variants off sale; orders already placed keep their lines and
    stock keeps moving for them. Archiving an archived product changes nothing."""
    return _status_set(group=group, status=CatalogueStatus.ARCHIVED, for_sale=False)


def catalogue_product_restore(*, group: ProductGroup, actor: Actor) -> ProductGroup:
    """Put an archived product and its variants back on sale."""
    return _status_set(group=group, status=CatalogueStatus.ACTIVE, for_sale=True)


def _options_clean(group: ProductGroup, options) -> dict:
    if not isinstance(options, dict):
        raise InvalidInput(fields={"options": [_("Give the variant's value for each option.")]})
    options = {str(key).strip(): str(value).strip() for key, value in options.items()}
    if set(options) != set(group.option_names):
        names = ", ".join(group.option_names) or _("none")
        message = _("Give a value for exactly these options: %(names)s.") % {"names": names}
        raise InvalidInput(fields={"options": [message]})
    if any(not value or len(value) > MAX_OPTION_LENGTH for value in options.values()):
        raise InvalidInput(fields={"options": [_("Each value has 1 to 50 characters.")]})
    return {name: options[name] for name in group.option_names}


def _variant_errors(*, group: ProductGroup, data: VariantData, existing: Product | None, options: dict) -> dict:
    errors: dict = {}
    sku = data.sku.strip()
    if not sku:
        errors["sku"] = [REQUIRED]
    elif existing is None and Product.objects.filter(shop=group.shop, sku=sku).exists():
        errors["sku"] = [_("Another product already has this SKU.")]
    barcode = str(data.barcode).strip()
    if barcode and Product.objects.filter(shop=group.shop, barcode=barcode).exclude(sku=sku).exists():
        errors["barcode"] = [_("Another product already has this barcode.")]
    siblings = Product.objects.filter(group=group).exclude(sku=sku).values_list("options", flat=True)
    if options and options in list(siblings):
        errors["options"] = [_("Another variant of this product has the same values.")]
    for name in DIMENSIONS:
        value = getattr(data, name)
        if value is not None and not (isinstance(value, int) and 0 <= value <= 1_000_000):
            errors[name] = [_("Give a whole number from 0 to 1000000.")]
    if not isinstance(data.initial_stock, int) or not 0 <= data.initial_stock <= 1_000_000:
        errors["stock"] = [_("Give a whole number from 0 to 1000000.")]
    return errors


def catalogue_variant_save(*, group: ProductGroup, data: VariantData, actor: Actor) -> Product:
    """Create the variant of `group` with this SKU, or update it (its stock excepted: that changes
    through the stock services). Refuses an empty or taken SKU, a SKU of another product, option
    values that do not match the product's options or repeat another variant's, a barcode another
    SKU of the shop has, and a negative price or cost."""
    shop = group.shop
    with transaction.atomic():
        existing = Product.objects.select_for_update().filter(shop=shop, sku=data.sku.strip()).first()
        # A SKU without a product (written straight into the table) joins this one.
        if existing is not None and existing.group_id not in (None, group.pk):
            raise InvalidInput(fields={"sku": [_("Another product already has this SKU.")]})
        data = _resolved(data, existing)
        options = _options_clean(group, data.options)
        errors = _variant_errors(group=group, data=data, existing=existing, options=options)
        price = _money(data.price, shop, "price", errors)
        cost_price = _money(data.cost_price, shop, "cost_price", errors, optional=True)
        if errors:
            raise InvalidInput(fields=errors)
        variant = existing or Product(shop=shop, sku=data.sku.strip())
        variant.group = group
        variant.options = options
        variant.name = variant_name(group, options)
        variant.price, variant.cost_price, variant.barcode = price, cost_price, str(data.barcode).strip()
        variant.is_active = bool(data.is_active) and group.status == CatalogueStatus.ACTIVE
        for name in DIMENSIONS:
            if getattr(data, name) is not None:
                setattr(variant, name, getattr(data, name))
        try:
            with transaction.atomic():
                variant.save()
        except IntegrityError:
            raise Conflict(_("Another product took this SKU or barcode meanwhile."), code="sku_taken") from None
        if existing is None and data.initial_stock:
            stock_receive(product=variant, quantity=data.initial_stock, actor=actor, reason=_("Initial stock"))
    return variant


def _image_read(upload) -> tuple[bytes, str, tuple[int, int]]:
    if upload.size > settings.CATALOGUE_IMAGE_MAX_BYTES:
        limit = settings.CATALOGUE_IMAGE_MAX_BYTES // (1024 * 1024)
        raise InvalidInput(fields={"image": [_("The image is larger than %(mb)d MB.") % {"mb": limit}]})
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture_format, size = picture.format, picture.size
            if picture.width * picture.height > IMAGE_MAX_PIXELS:
                raise InvalidInput(fields={"image": [_("The image has too many pixels.")]})
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(fields={"image": [_("Upload a JPEG, PNG or WebP image.")]}) from None
    if picture_format not in IMAGE_FORMATS:
        raise InvalidInput(fields={"image": [_("Upload a JPEG, PNG or WebP image.")]})
    return data, IMAGE_FORMATS[picture_format], size


def _thumbnail(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as picture:
        picture.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        picture.convert("RGBA" if picture.mode in ("RGBA", "LA", "P") else "RGB").save(out, "WEBP", quality=80)
    return out.getvalue()


def product_image_add(
    *, group: ProductGroup, upload, actor: Actor, alt_text: str = "", position: int | None = None
) -> ProductImage:
    """Store an uploaded picture of `group` under MEDIA_ROOT with a thumbnail (at most 400 px a
    side, WebP). Refuses a file over CATALOGUE_IMAGE_MAX_BYTES, one that is not a JPEG, PNG or WebP
    image (whatever its name says), and one of more than 40 megapixels."""
    data, extension, (width, height) = _image_read(upload)
    stem = uuid.uuid4().hex
    if position is None:
        position = group.images.count()
    image = ProductImage(
        shop_id=group.shop_id,
        group=group,
        width=width,
        height=height,
        alt_text=alt_text.strip()[:255],
        position=position,
    )
    image.image.save(f"{stem}.{extension}", ContentFile(data), save=False)
    image.thumbnail.save(f"{stem}-thumb.webp", ContentFile(_thumbnail(data)), save=False)
    try:
        image.save()
    except Exception:
        image.image.delete(save=False)
        image.thumbnail.delete(save=False)
        raise
    return image


def product_image_update(*, image: ProductImage, actor: Actor, alt_text: str, position: int) -> ProductImage:
    """Change a picture's description or place in the gallery (its file stays)."""
    image.alt_text, image.position = alt_text.strip()[:255], position
    image.save(update_fields=["alt_text", "position"])
    return image


def product_image_remove(*, image: ProductImage, actor: Actor) -> None:
    """Delete the picture and its files (once the transaction commits: a rollback keeps both)."""
    files = [image.image, image.thumbnail]
    image.delete()

    def delete_files():
        for file in files:
            file.delete(save=False)

    transaction.on_commit(delete_files)
