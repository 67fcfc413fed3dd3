"""Every route of `/api/v1/`, read from the URL conf, and who may call each: so that nothing about the
API's access is listed by hand. The access test and the README's table (`manage.py api_access_table`)
both start from here."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from sellercenter.api.permissions import ShopAccess, declared_access

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


NONE = "—"
TABLE_START = "<!-- api-access-table:start -->"
TABLE_END = "<!-- api-access-table:end -->"


class UndeclaredAccess(Exception):
    """A route's method declares no permission (it is refused to everybody; the table cannot say who)."""


@dataclass(frozen=True)
class AccessRow:
    path: str
    method: str
    scopes: tuple[str, ...]
    permission: str
    roles: tuple[str, ...]


def _guard(view_class):
    """The view's own permission class when ShopAccess does not guard it (e.g. the gateway's), else None."""
    classes = view_class().get_permissions()
    if any(isinstance(permission, ShopAccess) for permission in classes):
        return None
    return classes[0] if classes else None


def access_rows(role_permissions: dict[str, frozenset[str]], urlconf=None) -> list[AccessRow]:
    """One row per route and method: the key scopes and the staff permission it declares, and the roles
    (in `role_permissions` order) whose permissions include it. Raises UndeclaredAccess for a method
    that declares nothing."""
    rows = []
    for route in api_routes(urlconf):
        guard = _guard(route.view_class)
        for method in route.methods:
            if guard is not None:
                label = getattr(guard, "access_label", None)
                if not label:
                    raise UndeclaredAccess(f"{method} {route.path}: {type(guard).__name__} has no access_label")
                rows.append(AccessRow(route.path, method, (), label, ()))
                continue
            access = declared_access(route.view_class, method)
            if access is None:
                raise UndeclaredAccess(f"{method} {route.path} declares no required_permissions")
            roles = tuple(role for role, granted in role_permissions.items() if access.permission in granted)
            rows.append(AccessRow(route.path, method, access.scopes, access.permission, roles))
    return rows


def _cell(values) -> str:
    return ", ".join(str(value) for value in values) or NONE


def access_table_markdown(rows: list[AccessRow]) -> str:
    """The README's table: endpoint, method, key scopes, staff permission, staff roles."""
    lines = [
        "| Endpoint | Method | Key scopes | Staff permission | Staff roles |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        permission = f"`{row.permission}`" if row.scopes else row.permission
        lines.append(f"| `{row.path}` | {row.method} | {_cell(row.scopes)} | {permission} | {_cell(row.roles)} |")
    return "\n".join(lines) + "\n"


def replace_table(text: str, table: str) -> str:
    """`text` (the README) with the part between the table markers replaced by `table`."""
    start = text.index(TABLE_START) + len(TABLE_START)
    end = text.index(TABLE_END)
    return text[:start] + "\n" + table + text[end:]
