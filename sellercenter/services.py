"""Kernel writes: shops, staff memberships, API keys, idempotency key pruning.

Changes to shop settings, staff roles and API keys shape who may do what: each writes an audit row."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellercenter.actor import Actor
from sellercenter.audit import audit_record, audit_snapshot
from sellercenter.errors import InvalidInput, NotAllowed
from sellercenter.models import ApiKey, ApiScope, AuditAction, IdempotencyKey, Membership, Role, Shop
from sellercenter.signals import shop_created

API_KEY_PREFIX = "sc_"
# Writing last_used_at on every request would turn each read into a write; once a minute is enough.
API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)
# What a shop's owner may change after creation (the slug too: it is only the X-Shop name).
SHOP_SETTINGS = (
    "name",
    "slug",
    "is_active",
    "contact_email",
    "contact_phone",
    "currency",
    "time_zone",
    "handling_days",
    "return_window_days",
    "payment_timeout_minutes",
)
API_KEY_AUDITED = ("name", "scopes", "revoked_at")


def shop_create(*, name: str, slug: str, **fields) -> Shop:
    """Create a shop and let the apps set it up (e.g. loyalty creates its five tiers)."""
    with transaction.atomic():
        shop = Shop(name=name, slug=slug, **fields)
        # The shop's check constraints restate its fields' validators, which name the field; checking
        # them again costs a query each (in a savepoint), and the database enforces them on save.
        shop.full_clean(validate_constraints=False)
        shop.save()
        shop_created.send(sender=Shop, shop=shop)
    return shop


def shop_update(*, shop: Shop, actor: Actor, **fields) -> Shop:
    """Change a shop's settings (SHOP_SETTINGS) and record the change in the audit log.

    Refuses a field that is not a setting and values the model refuses (ValidationError naming the field)."""
    unknown = sorted(set(fields) - set(SHOP_SETTINGS))
    if unknown:
        raise InvalidInput(fields={name: [_("This setting cannot be changed.")] for name in unknown})
    with transaction.atomic():
        locked = Shop.objects.select_for_update().get(pk=shop.pk)
        before = audit_snapshot(locked, SHOP_SETTINGS)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
        audit_record(
            actor=actor,
            shop=locked,
            action=AuditAction.UPDATE,
            obj=locked,
            before=before,
            after=audit_snapshot(locked, SHOP_SETTINGS),
        )
    return locked


def membership_set(*, user, shop: Shop, role: str, actor: Actor | None = None) -> Membership:
    """Give `user` the `role` in `shop` (replacing their previous role there), mark them staff and
    record the change in the audit log (`actor` None: a system job, such as the demo). Refuses an
    unknown role."""
    if role not in Role.values:
        raise InvalidInput(fields={"role": [_("Unknown role.")]})
    with transaction.atomic():
        previous = Membership.objects.select_for_update().filter(user=user, shop=shop).first()
        membership, _created = Membership.objects.update_or_create(user=user, shop=shop, defaults={"role": role})
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        audit_record(
            actor=actor,
            shop=shop,
            action=AuditAction.CREATE if previous is None else AuditAction.UPDATE,
            obj=membership,
            before=None if previous is None else {"user": user.pk, "role": previous.role},
            after={"user": user.pk, "role": role},
        )
    return membership


def membership_remove(*, membership: Membership, actor: Actor) -> None:
    """Take the user's role in the membership's shop away (they keep their other shops), recorded in the
    audit log."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            shop=membership.shop,
            action=AuditAction.DELETE,
            obj=membership,
            before={"user": membership.user_id, "role": membership.role},
        )
        membership.delete()


def _hash_secret(secret: str) -> str:
    # API keys are 256-bit random secrets, not passwords: a fast hash cannot be brute-forced here,
    # and it keeps authentication to one indexed lookup.
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(
    *, shop: Shop, name: str, scopes: list[str], created_by=None, actor: Actor | None = None
) -> tuple[ApiKey, str]:
    """Issue a key for `shop`, recorded in the audit log (by `actor`, else by the staff member
    `created_by`, else by a system job). Returns the key and its secret; the secret is never stored or
    shown again.

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
    if actor is None and created_by is not None:
        actor = Actor.staff(created_by)
    with transaction.atomic():
        api_key = ApiKey.objects.create(
            shop=shop,
            name=name.strip(),
            prefix=prefix,
            secret_hash=_hash_secret(secret),
            scopes=sorted(set(scopes)),
            created_by=created_by if created_by is not None else getattr(actor, "user", None),
        )
        audit_record(
            actor=actor,
            shop=shop,
            action=AuditAction.CREATE,
            obj=api_key,
            after=audit_snapshot(api_key, API_KEY_AUDITED),
        )
    return api_key, secret


def api_key_authenticate(*, secret: str) -> ApiKey | None:
    """The active key whose secret this is, or None. Records when the key was last used."""
    if not secret.startswith(API_KEY_PREFIX) or "." not in secret:
        return None
    prefix = secret[len(API_KEY_PREFIX) :].split(".", 1)[0]
    try:
        # get(), not first(): the prefix is unique, and first() would sort by the model's ordering.
        api_key = ApiKey.objects.select_related("shop").get(prefix=prefix)
    except ApiKey.DoesNotExist:
        return None
    if not hmac.compare_digest(api_key.secret_hash, _hash_secret(secret)):
        return None
    if not api_key.is_active or not api_key.shop.is_active:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > API_KEY_TOUCH_INTERVAL:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def api_key_revoke(*, api_key: ApiKey, actor: Actor | None = None) -> ApiKey:
    """Revoke a key at once; every later request with it gets 401. Recorded in the audit log (`actor`
    None: a system job). Refuses a key already revoked."""
    now = timezone.now()
    with transaction.atomic():
        updated = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=now)
        if not updated:
            raise NotAllowed(_("This API key is already revoked."), code="already_revoked")
        api_key.revoked_at = now
        audit_record(
            actor=actor,
            shop=api_key.shop,
            action=AuditAction.REVOKE,
            obj=api_key,
            before={"revoked_at": None},
            after=audit_snapshot(api_key, ["revoked_at"]),
        )
    return api_key


def idempotency_keys_prune(*, now=None) -> int:
    """Delete stored answers older than IDEMPOTENCY_KEY_TTL_HOURS; returns how many were deleted."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _details = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
