"""The API's one request parser: JSON, with the kernel's input limits applied before any view runs.

- the body may nest at most API_MAX_JSON_DEPTH arrays/objects (deeper input would exhaust the
  parser's recursion and the serializers' after it);
- no string, value or key, may hold a character PostgreSQL cannot store (NUL, lone surrogates):
  400 naming the field. A view that checks each item of a batch on its own (the events batch) sets
  `checks_text_per_item = True` and calls `unstorable_text_errors()` itself, so one bad item does
  not cost the good ones. A body whose text holds no such character and no `\\u` escape of one is
  not walked at all, and the view is told so (`request.text_storable`);
- malformed JSON is a translated 400 `parse_error` that says where the body breaks.

The body size is checked earlier, by `sellercenter.api.middleware`, before anything reads the body.
"""

import codecs
import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers
from rest_framework.parsers import get_encoding

# PostgreSQL refuses NUL in text and jsonb; lone surrogates cannot be encoded to UTF-8 at all.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


# The escapes that decode to one of them: \u0000 and \ud800 to \udfff, in either case. A `\\u0000` (an
# escaped backslash) matches too, and the data is then walked: never a character missed.
UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _strict_constant(name):
    raise ValueError(name)


def unstorable_text_errors(value, prefix: str = "") -> dict[str, list[str]]:
    """{"properties.note": [message]} for every string (or key) in `value` that cannot be stored."""
    errors: dict[str, list[str]] = {}
    stack = [(prefix, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                errors[path or "non_field_errors"] = [_("Remove the NUL or unpaired surrogate character.")]
        elif isinstance(item, dict):
            for key, child in item.items():
                name = UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(key))
                child_path = f"{path}.{name}" if path else name
                if UNSTORABLE.search(str(key)):
                    errors[child_path] = [_("Remove the NUL or unpaired surrogate character from this key.")]
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{path}.{index}" if path else str(index), child) for index, child in enumerate(item))
    return errors


def json_depth(value) -> int:
    """How deeply arrays and objects nest in `value` (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(
        _("The JSON body nests deeper than %(max)d levels.") % {"max": settings.API_MAX_JSON_DEPTH}
    )


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        text, data = self._load(stream, get_encoding(parser_context))
        if json_depth(data) > settings.API_MAX_JSON_DEPTH:
            raise _too_deep()
        # Looking through the text takes 0.1 ms for a batch of 500 events (0.6 ms when it is not all
        # ASCII), walking its data 3.6 ms. A lone surrogate can stand in the text itself: a body sent
        # as UTF-7, or with `charset=unicode_escape`, decodes to one.
        storable = (
            "\x00" not in text
            and not UNSTORABLE_ESCAPE.search(text)
            and (text.isascii() or not UNSTORABLE.search(text))
        )
        request = parser_context.get("request")
        if request is not None:
            request.text_storable = storable
        view = parser_context.get("view")
        if not storable and not getattr(view, "checks_text_per_item", False):
            errors = unstorable_text_errors(data)
            if errors:
                raise exceptions.ValidationError(errors)
        return data

    def _load(self, stream, encoding: str) -> tuple[str, object]:
        """The body's text and its data."""
        try:
            text = codecs.getreader(encoding)(stream).read()
            return text, json.loads(text, parse_constant=_strict_constant)
        except RecursionError:
            raise _too_deep() from None
        except json.JSONDecodeError as error:
            raise exceptions.ParseError(
                _("The body is not valid JSON (line %(line)d, column %(column)d).")
                % {"line": error.lineno, "column": error.colno}
            ) from None
        except (ValueError, UnicodeError):
            raise exceptions.ParseError(_("The body is not valid JSON.")) from None
