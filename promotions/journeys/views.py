"""The public ends of a journey message's links: click redirect, open pixel, one-click unsubscribe.

No login and no API key: the signed token in the path is the only credential, and it names one
message. A forged or unknown token is a plain 404."""

import base64

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from promotions.journeys.tracking import message_click, message_for_link, message_open, message_unsubscribe

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _message(signed: str, kind: str):
    message = message_for_link(signed, kind)
    if message is None:
        raise Http404
    return message


@never_cache
@require_GET
def click(request, signed: str):
    message = _message(signed, "click")
    target = message_click(message=message, user_agent=request.headers.get("User-Agent", ""))
    return HttpResponseRedirect(target)


@never_cache
@require_GET
def open_pixel(request, signed: str):
    message_open(message=_message(signed, "open"))
    return HttpResponse(PIXEL, content_type="image/gif")


# Mail clients POST the one-click unsubscribe (RFC 8058) with no session and no CSRF token; a GET,
# which link scanners also make, only shows the button.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, signed: str):
    message = _message(signed, "unsubscribe")
    done = request.method == "POST"
    if done:
        message_unsubscribe(
            message=message,
            evidence={
                "ip": request.META.get("REMOTE_ADDR", ""),
                "user_agent": request.headers.get("User-Agent", "")[:300],
                "one_click": request.POST.get("List-Unsubscribe") == "One-Click",
            },
        )
    return TemplateResponse(
        request, "promotions/journeys/unsubscribe.html", {"done": done, "channel": message.get_channel_display()}
    )
