"""django-import-export resources: statement and line exports (CSV with BOM, XLSX) built from the
column list in finance.columns, and the import of the bank's payout file.

Exported text is made spreadsheet-safe by SpreadsheetSafeResource (in XLSX too, where a string
starting with `=` would otherwise become a formula); amounts stay numbers: plain numbers in CSV,
whole for VND (`-1500`; never the locale's `-1500,00`, which a spreadsheet would read as text), two
decimals for USD, native numbers in XLSX.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from finance import services
from finance.columns import CHOICE, DATE, LINE_COLUMNS, MONEY, NUMBER, STATEMENT_COLUMNS, Column
from finance.models import Payout, Statement, StatementLine
from sellercenter.errors import InvalidInput
from sellercenter.money import money_plain, money_round
from sellercenter.selectors import filter_by_user_shops
from sellercenter.spreadsheet import SpreadsheetSafeResource

ISO_DATE = "%Y-%m-%d"


class NumberWidget(widgets.Widget):
    """A number as the plain text `-1500.00` (CSV) or the number itself (XLSX)."""

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        return value if kwargs.get("force_native_type") else str(value)


class MoneyExportField(fields.Field):
    """An amount in its row's currency: plain text in CSV (whole for VND), the number in XLSX."""

    def export(self, instance, **kwargs):
        value = self.get_value(instance)
        native = kwargs.get("force_native_type")
        if value is None:
            return None if native else ""
        return (money_round if native else money_plain)(value, instance.currency)


class ChoiceLabelWidget(widgets.Widget):
    """A choice's label in the exporting user's language."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices.choices).get(value, value or ""))


def _widget(column: Column) -> widgets.Widget:
    if column.kind in (NUMBER, MONEY):
        return NumberWidget()
    if column.kind == DATE:
        return widgets.DateWidget(format=ISO_DATE)
    if column.kind == CHOICE:
        return ChoiceLabelWidget(column.choices)
    return widgets.CharWidget()


def _columns_resource(name: str, model, columns) -> type[SpreadsheetSafeResource]:
    """An export-only resource with one field per column, in order, labelled like the API's CSV."""
    names = tuple(column.name for column in columns)
    meta = type("Meta", (), {"model": model, "fields": names, "export_order": names})
    declared = {
        column.name: (MoneyExportField if column.kind == MONEY else fields.Field)(
            attribute=column.source, column_name=column.label, widget=_widget(column), readonly=True
        )
        for column in columns
    }
    return type(name, (SpreadsheetSafeResource,), {"__module__": __name__, "Meta": meta, **declared})


StatementLineResource = _columns_resource("StatementLineResource", StatementLine, LINE_COLUMNS)
StatementResource = _columns_resource("StatementResource", Statement, STATEMENT_COLUMNS)


# --- Payout import -----------------------------------------------------------------------------------

# The bank file's columns, and the service's field each one feeds.
PAYOUT_COLUMNS = {
    "statement_reference": "statement",
    "amount": "amount",
    "paid_on": "paid_on",
    "bank_reference": "bank_reference",
}
PAID_ON_FORMATS = (ISO_DATE, "%d/%m/%Y")


def _amount(value) -> Decimal:
    """A plain number (XLSX gives int or float, CSV text such as `1250000` or `1250000.00`)."""
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(_("Give a plain number such as 1250000.")) from None


def _paid_on(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    for format_ in PAID_ON_FORMATS:
        try:
            return datetime.strptime(str(value).strip(), format_).date()  # noqa: DTZ007 - a calendar day
        except ValueError:
            continue
    raise ValueError(_("Give the date as YYYY-MM-DD or DD/MM/YYYY."))


class PayoutResource(SpreadsheetSafeResource):
    """The bank's payout file: one row per statement paid (statement reference, amount, paid date,
    bank reference). Every row goes through `payout_record`; any invalid row, or an amount that
    differs from its statement's payout, rolls back the whole file: nothing is applied."""

    statement_reference = fields.Field(attribute="statement__reference", column_name="statement_reference")
    amount = fields.Field(attribute="amount", column_name="amount", widget=NumberWidget())
    paid_on = fields.Field(attribute="paid_on", column_name="paid_on", widget=widgets.DateWidget(format=ISO_DATE))
    bank_reference = fields.Field(attribute="bank_reference", column_name="bank_reference")

    class Meta:
        model = Payout
        fields = tuple(PAYOUT_COLUMNS)
        export_order = tuple(PAYOUT_COLUMNS)
        import_id_fields = ()
        skip_html_diff = True

    def import_data(self, dataset, **kwargs):
        # However the admin calls it (preview or confirm): one transaction, rolled back on any invalid row.
        kwargs.update(use_transactions=True, rollback_on_validation_errors=True)
        return super().import_data(dataset, **kwargs)

    def get_instance(self, instance_loader, row):
        return None  # every row records a new payout

    def import_instance(self, instance, row, **kwargs):
        """Read the row into `instance`; the statement is looked up among the importing user's shops."""
        user, errors = kwargs.get("user"), {}
        reference = str(row.get("statement_reference") or "").strip()
        statements = filter_by_user_shops(Statement.objects.select_related("shop"), user)
        statement = statements.filter(reference=reference).first()
        if statement is None or not user.has_perm("finance.add_payout", statement):
            errors["statement_reference"] = _("No statement %(reference)s in your shops.") % {"reference": reference}
        else:
            instance.statement = statement
        for name, parse in (("amount", _amount), ("paid_on", _paid_on)):
            try:
                setattr(instance, name, parse(row.get(name)) if row.get(name) not in (None, "") else None)
            except ValueError as error:
                errors[name] = str(error)
        instance.bank_reference = str(row.get("bank_reference") or "").strip()
        if errors:
            raise ValidationError(errors)

    def do_instance_save(self, instance, is_create):
        try:
            payout = services.payout_record(
                statement=instance.statement,
                amount=instance.amount,
                paid_on=instance.paid_on,
                bank_reference=instance.bank_reference,
                user=instance.recorded_by,
            )
        except InvalidInput as refusal:
            columns = {field: column for column, field in PAYOUT_COLUMNS.items()}
            raise ValidationError(
                {columns.get(field, field): messages for field, messages in refusal.fields.items()}
            ) from None
        instance.pk, instance.shop_id, instance.recorded_at = payout.pk, payout.shop_id, payout.recorded_at

    def before_save_instance(self, instance, row, **kwargs):
        instance.recorded_by = kwargs.get("user")
