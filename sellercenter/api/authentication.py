"""`Authorization: Api-Key <secret>` authentication: the key's shop becomes the request's shop."""

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from sellercenter import services
from sellercenter.models import ApiKey

KEYWORD = "Api-Key"


class CallerUser:
    """`request.user` when the caller is not a person (an API key, a carrier's or a payment
    gateway's account): authenticated, never staff, no user row behind it."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None


class ApiKeyUser(CallerUser):
    """Who `request.user` is when a request comes with an API key: the key, not a person."""

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key

    def __str__(self) -> str:
        return f"API key {self.api_key.prefix}"

    def has_perm(self, perm, obj=None) -> bool:
        return False

    @cached_property
    def username(self) -> str:
        return str(self)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        keyword, _sep, secret = header.partition(" ")
        if keyword != KEYWORD:
            return None
        secret = secret.strip()
        if not secret:
            raise exceptions.AuthenticationFailed(_("The Api-Key header has no key."))
        api_key = services.api_key_authenticate(secret=secret)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API key."))
        return ApiKeyUser(api_key), api_key

    def authenticate_header(self, request) -> str:
        # Answering 401 with this challenge (not 403) when no credentials came.
        return KEYWORD
