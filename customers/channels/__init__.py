"""Message channels: one small adapter per way of reaching a customer, all with one interface.

Channels only deliver; whether a marketing message may go out at all (consent, frequency, quiet hours)
is decided by whoever sends it, before calling `send`."""

from customers.channels.base import Delivery, MessageChannel, Outgoing
from customers.channels.email import EmailChannel
from customers.channels.webhook import WebhookChannel
from customers.channels.webpush import WebPushChannel
from customers.models import MarketingChannel

CHANNELS: dict[str, MessageChannel] = {
    MarketingChannel.EMAIL: EmailChannel(),
    MarketingChannel.WEB_PUSH: WebPushChannel(),
    MarketingChannel.SMS: WebhookChannel(MarketingChannel.SMS),
    MarketingChannel.ZALO: WebhookChannel(MarketingChannel.ZALO),
}


def channel_for(name: str) -> MessageChannel:
    """The adapter for a marketing channel ("email", "web_push", "sms", "zalo"); KeyError for another."""
    return CHANNELS[name]


__all__ = ["CHANNELS", "Delivery", "MessageChannel", "Outgoing", "channel_for"]
