"""The ready-made journeys a shop starts from: the seeds' abandoned-cart scenario first."""

from datetime import timedelta

from django.utils.translation import gettext as _

from customers.models import MarketingChannel
from promotions.journeys.definitions import journey_create
from promotions.models import BranchCondition, Campaign, Journey, JourneyTrigger, StepKind, StepLink
from sellercenter.models import Shop

PUSH, EMAIL = MarketingChannel.WEB_PUSH, MarketingChannel.EMAIL


def cart_recovery_steps(*, campaign: Campaign) -> list[dict]:
    """Cart left -> push at +1 day -> push with a voucher at +3 days -> (no click yet) e-mail at +4 ->
    push with the shop's promotions at +6."""
    return [
        # The trigger already waited an hour for an order: the first push goes out a day after the cart.
        {"kind": StepKind.WAIT, "name": _("1 day after the cart"), "delay": timedelta(hours=23)},
        {
            "kind": StepKind.SEND,
            "name": _("Reminder push"),
            "channel": PUSH,
            "subject": _("{{ product }} is still in your cart"),
            "body": _("{{ name }}, your cart is waiting for you. Finish your order in one tap."),
            "link": StepLink.CART,
        },
        {"kind": StepKind.WAIT, "name": _("2 days later"), "delay": timedelta(days=2)},
        {"kind": StepKind.VOUCHER, "name": _("Voucher for the cart"), "campaign": campaign},
        {
            "kind": StepKind.SEND,
            "name": _("Push with the voucher"),
            "channel": PUSH,
            "subject": _("A gift for your cart: code {{ voucher }}"),
            "body": _("Use {{ voucher }} today on {{ product }} and the rest of your cart."),
            "link": StepLink.CART,
        },
        {"kind": StepKind.WAIT, "name": _("1 day later"), "delay": timedelta(days=1)},
        {
            "kind": StepKind.BRANCH,
            "name": _("Still no click?"),
            "condition": BranchCondition.NOT_CLICKED,
            "else_position": 8,
        },
        {
            "kind": StepKind.SEND,
            "name": _("E-mail: checkout unfinished"),
            "channel": EMAIL,
            "subject": _("{{ name }}, your order is not finished yet"),
            "body": _(
                "You left {{ product }} in your cart. It is kept for you, and your voucher {{ voucher }} still works."
            ),
            "link": StepLink.CART,
        },
        {"kind": StepKind.WAIT, "name": _("2 days later"), "delay": timedelta(days=2)},
        {
            "kind": StepKind.SEND,
            "name": _("Push with the promotions"),
            "channel": PUSH,
            "subject": _("New offers at {{ shop }}"),
            "body": _("Have a look at this week's promotions, and at what you liked last time."),
            "link": StepLink.PROMOTIONS,
        },
    ]


def journey_create_cart_recovery(*, shop: Shop, campaign: Campaign, name: str = "") -> Journey:
    """A draft of the abandoned-cart journey (trigger: a cart with no order within an hour; exits on
    an order, an emptied cart or consent withdrawn), issuing its vouchers from `campaign`."""
    return journey_create(
        shop=shop,
        name=name or _("Abandoned cart"),
        trigger=JourneyTrigger.CART_ABANDONED,
        trigger_delay=timedelta(hours=1),
        steps=cart_recovery_steps(campaign=campaign),
    )
