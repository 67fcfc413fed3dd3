"""Every route of `/api/v1/`, read from the URL conf, so that nothing about the API's access is
listed by hand: the access test and the README table both start from here."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

API_PREFIX = "api/v1/"
# The methods a view may implement; HEAD and OPTIONS follow GET and are not listed separately.
METHODS = ("get", "post", "put", "patch", "delete")
# `<int:pk>` in a path() route, `(?P<pk>...)` in a re_path() one.
_PATH_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)")
_LITERAL_CHOICES = re.compile(r"^[\w.-]+(?:\|[\w.-]+)*$")


@dataclass(frozen=True)
class Route:
    """One URL pattern of the API: its path with `{name}` placeholders and the view behind it."""

    path: str
    name: str
    view_class: type
    # {param: (choices...)} for parameters a regex limits to fixed words (e.g. the pipeline actions).
    choices: dict

    @property
    def methods(self) -> list[str]:
        return [method.upper() for method in METHODS if hasattr(self.view_class, method)]

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


def _display(route: str) -> tuple[str, dict]:
    choices = {}

    def regex_param(match: re.Match) -> str:
        name, body = match.groups()
        if _LITERAL_CHOICES.match(body):
            choices[name] = tuple(body.split("|"))
        return "{" + name + "}"

    route = _REGEX_PARAM.sub(regex_param, route)
    route = _PATH_PARAM.sub(r"{\1}", route).replace("^", "").replace("$", "")
    return "/" + route, choices


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or ""), pattern


def api_routes(urlconf=None) -> list[Route]:
    """The API's routes in URL-conf order (class-based DRF views only: every API view is one)."""
    routes = []
    for route, name, pattern in _walk(get_resolver(urlconf).url_patterns):
        view_class = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
        if not route.startswith(API_PREFIX) or view_class is None:
            continue
        path, choices = _display(route)
        routes.append(Route(path=path, name=name, view_class=view_class, choices=choices))
    return routes
