"""Kernel writes: shops, staff memberships, API keys, idempotency key pruning."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellercenter.errors import InvalidInput, NotAllowed
from sellercenter.models import ApiKey, ApiScope, IdempotencyKey, Membership, Role, Shop
from sellercenter.signals import shop_created

API_KEY_PREFIX = "sc_"
# Writing last_used_at on every request would turn each read into a write; once a minute is enough.
API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)


def shop_create(*, name: str, slug: str, **fields) -> Shop:
    """Create a shop and let the apps set it up (e.g. loyalty creates its five tiers)."""
    with transaction.atomic():
        shop = Shop(name=name, slug=slug, **fields)
        shop.full_clean()
        shop.save()
        shop_created.send(sender=Shop, shop=shop)
    return shop


def membership_set(*, user, shop: Shop, role: str) -> Membership:
    """Give `user` the `role` in `shop` (replacing their previous role there) and mark them staff."""
    if role not in Role.values:
        raise InvalidInput(fields={"role": [_("Unknown role.")]})
    with transaction.atomic():
        membership, _created = Membership.objects.update_or_create(user=user, shop=shop, defaults={"role": role})
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    return membership


def _hash_secret(secret: str) -> str:
    # API keys are 256-bit random secrets, not passwords: a fast hash cannot be brute-forced here,
    # and it keeps authentication to one indexed lookup.
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(*, shop: Shop, name: str, scopes: list[str], created_by=None) -> tuple[ApiKey, str]:
    """Issue a key for `shop`. Returns the key and its secret; the secret is never stored or shown again.

    Refuses an empty name, no scope, or an unknown scope."""
    errors = {}
    if not name.strip():
        errors["name"] = [_("This field is required.")]
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if not scopes:
        errors["scopes"] = [_("Choose at least one scope.")]
    elif unknown:
        errors["scopes"] = [_("Unknown scope: %(scopes)s.") % {"scopes": ", ".join(unknown)}]
    if errors:
        raise InvalidInput(fields=errors)
    prefix = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}{prefix}.{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        shop=shop,
        name=name.strip(),
        prefix=prefix,
        secret_hash=_hash_secret(secret),
        scopes=sorted(set(scopes)),
        created_by=created_by,
    )
    return api_key, secret


def api_key_authenticate(*, secret: str) -> ApiKey | None:
    """The active key whose secret this is, or None. Records when the key was last used."""
    if not secret.startswith(API_KEY_PREFIX) or "." not in secret:
        return None
    prefix = secret[len(API_KEY_PREFIX) :].split(".", 1)[0]
    api_key = ApiKey.objects.select_related("shop").filter(prefix=prefix).first()
    if api_key is None or not hmac.compare_digest(api_key.secret_hash, _hash_secret(secret)):
        return None
    if not api_key.is_active or not api_key.shop.is_active:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > API_KEY_TOUCH_INTERVAL:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke a key at once; every later request with it gets 401. Refuses a key already revoked."""
    now = timezone.now()
    updated = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=now)
    if not updated:
        raise NotAllowed(_("This API key is already revoked."), code="already_revoked")
    api_key.revoked_at = now
    return api_key


def idempotency_keys_prune(*, now=None) -> int:
    """Delete stored answers older than IDEMPOTENCY_KEY_TTL_HOURS; returns how many were deleted."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _details = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
