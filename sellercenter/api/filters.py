"""The API's filter sets: django-filter's, without rebuilding what no request changes.

On every request django-filter deep-copies each declared filter (its choices and their lazy labels
with it), then builds a new form class with a new form field per filter. Here each filter is copied
shallowly (its own options dict, its method bound to the copy, no cached form field) and the form
class is built once per filter set class: the form itself deep-copies its fields per instance, as
every Django form does, so nothing is shared between requests but the class. A filter whose form
field depends on the request (a model choice with a queryset callable) keeps the per-request form
class.
"""

import copy

from django.http import QueryDict
from django_filters import rest_framework as filters
from django_filters.filters import QuerySetRequestMixin


def _own_copy(filter_, filterset, model):
    """A copy of the declared `filter_` for one filter set instance."""
    own = copy.copy(filter_)
    own.extra = dict(filter_.extra)
    own.__dict__.pop("_field", None)
    if filter_.method is not None:
        own.method = filter_.method  # its FilterMethod bound to the copy, which finds the copy's parent
    own.model = model
    own.parent = filterset
    return own


class FilterSet(filters.FilterSet):
    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: _own_copy(filter_, self, queryset.model) for name, filter_ in self.base_filters.items()}

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            if not any(isinstance(filter_, QuerySetRequestMixin) for filter_ in self.filters.values()):
                cls._form_class = form_class
        return form_class
