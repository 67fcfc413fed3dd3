"""Marketing e-mail through Django's mail backend (SMTP in production), with a text part and
one-click unsubscribe (RFC 2369 List-Unsubscribe, RFC 8058 List-Unsubscribe-Post).

A worker sends message after message: it keeps one connection to the mail server open per thread
(Django's backend would open and close one per message: a TCP and EHLO round, and TLS and AUTH in
production, for every e-mail). A kept connection idle for longer than KEPT_IDLE_SECONDS is closed
first, before the server's own idle timeout does it; one the server dropped all the same is noticed
on the next send, which goes once more on a new connection."""

import contextlib
import smtplib
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from customers.channels.base import Delivery, Outgoing
from customers.models import Customer, MarketingChannel

# Well below a mail server's wait for the next command (Postfix: 300 s, 10 s when overloaded; a
# connection it dropped is retried, as said above).
KEPT_IDLE_SECONDS = 30


class _KeptConnection(threading.local):
    backend = None
    settings_key: tuple = ()
    used_at = 0.0


_kept = _KeptConnection()


def _mail_settings() -> tuple:
    """What the kept connection was opened with: changed settings mean a new connection."""
    return tuple(
        getattr(settings, name, None)
        for name in ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_USE_TLS", "EMAIL_USE_SSL")
    )


def _kept_close() -> None:
    backend, _kept.backend = _kept.backend, None
    if backend is not None:
        with contextlib.suppress(smtplib.SMTPException, OSError):  # gone either way
            backend.close()


def _kept_connection() -> tuple[object, bool]:
    """This thread's open connection to the mail backend, and whether it was opened just now."""
    now, wanted = time.monotonic(), _mail_settings()
    if _kept.backend is not None and (_kept.settings_key != wanted or now - _kept.used_at > KEPT_IDLE_SECONDS):
        _kept_close()
    fresh = _kept.backend is None
    if fresh:
        backend = get_connection(fail_silently=False)
        backend.open()
        _kept.backend, _kept.settings_key = backend, wanted
    _kept.used_at = now
    return _kept.backend, fresh


class EmailChannel:
    name = MarketingChannel.EMAIL

    def reachable(self, customer: Customer) -> bool:
        return bool(customer.email)

    def reachable_among(self, customers: list[Customer]) -> set[int]:
        return {customer.pk for customer in customers if self.reachable(customer)}

    def build(self, outgoing: Outgoing) -> EmailMultiAlternatives:
        headers = {"Message-ID": f"<{outgoing.key}@{urlsplit(settings.PUBLIC_BASE_URL).hostname or 'localhost'}>"}
        if outgoing.unsubscribe_url:
            # Mail clients show an "Unsubscribe" button and POST here without opening a page (RFC 8058).
            headers["List-Unsubscribe"] = f"<{outgoing.unsubscribe_url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message = EmailMultiAlternatives(
            subject=outgoing.subject,
            body=outgoing.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[outgoing.customer.email],
            headers=headers,
        )
        if outgoing.html:
            message.attach_alternative(outgoing.html, "text/html")
        return message

    def send(self, outgoing: Outgoing) -> Delivery:
        message = self.build(outgoing)
        while True:
            fresh = True  # until a kept connection is handed out (opening one can fail too)
            try:
                connection, fresh = _kept_connection()
                sent = connection.send_messages([message])
                break
            except smtplib.SMTPServerDisconnected as error:
                _kept_close()
                if fresh:
                    return self._failed(error)
                # The server dropped the kept connection: once more, on a new one. Had it taken the
                # message before it dropped, the repeat carries the same Message-ID.
            except (smtplib.SMTPException, OSError) as error:
                # A refusal (recipients, data) leaves the session usable, but after a broken one the
                # next message is better off on a clean connection.
                _kept_close()
                return self._failed(error)
        return Delivery(delivered=bool(sent), answers=[{"smtp": "accepted" if sent else "not sent"}])

    @staticmethod
    def _failed(error: Exception) -> Delivery:
        return Delivery(delivered=False, answers=[{"error": f"{type(error).__name__}: {error}"[:500]}])
