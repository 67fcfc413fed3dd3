"""Response headers: the Content-Security-Policy per path, and what Django has no setting for."""

from csp.middleware import CSPMiddleware
from django.conf import settings


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (CONTENT_SECURITY_POLICY), plus what a path prefix adds to it
    (CONTENT_SECURITY_POLICY_PATH_UPDATES), so one part of the site needing more loosens only itself."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        for prefix, directives in settings.CONTENT_SECURITY_POLICY_PATH_UPDATES.items():
            if request.path.startswith(prefix):
                update = dict(parts.update or {})
                for name, sources in directives.items():
                    update[name] = [*update.get(name, []), *sources]
                parts.update = update
        return parts


class PermissionsPolicyMiddleware:
    """`Permissions-Policy` on every answer: the browser features no page of ours may use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
