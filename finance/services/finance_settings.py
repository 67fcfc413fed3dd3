"""The shop's finance settings (how often statements are cut): one row per shop, audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from finance.models import FinanceSettings
from sellercenter.actor import Actor
from sellercenter.audit import audit_record, audit_snapshot
from sellercenter.errors import InvalidInput
from sellercenter.models import AuditAction, Shop

SETTINGS_FIELDS = ("statement_period",)


def finance_settings_save(*, shop: Shop, actor: Actor, **fields) -> FinanceSettings:
    """Create or change the shop's finance settings, recording old -> new in the audit log. A new
    statement period applies from the next statement. Refuses unknown fields and invalid values."""
    unknown = sorted(set(fields) - set(SETTINGS_FIELDS))
    if unknown:
        raise InvalidInput(fields={name: [_("This setting cannot be changed.")] for name in unknown})
    with transaction.atomic():
        current = FinanceSettings.objects.select_for_update().filter(shop=shop).first()
        before = audit_snapshot(current, SETTINGS_FIELDS) if current else None
        settings = current or FinanceSettings(shop=shop)
        for name, value in fields.items():
            setattr(settings, name, value)
        try:
            settings.full_clean(exclude=["shop"], validate_unique=False)
        except ValidationError as error:
            raise InvalidInput(fields=error.message_dict) from None
        settings.save()
        audit_record(
            actor=actor,
            shop=shop,
            action=AuditAction.UPDATE if current else AuditAction.CREATE,
            obj=settings,
            before=before,
            after=audit_snapshot(settings, SETTINGS_FIELDS),
        )
    return settings
