"""Models built from values validated before (stored rows), as pydantic's model_construct builds them, without its cost.

Validation stays at the door: a value from a request goes through `validate_model`. A row the store gives back
was validated when it was written (every write goes through an input model or the engine), and the audit trail
proves it unchanged since (`yidi audit verify`), so the settle does not validate it again. model_construct does
that too, but looks up aliases and copies defaults field by field on every call (slow Python on the settle's
hot path, ~20 models a settle); here each model's plan is made once.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar, cast

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
_UNSET: Any = object()
_set = object.__setattr__


class _Plan(NamedTuple):
    template: dict[str, Any]  # every field in declaration order (model_dump's order), its default or _UNSET
    names: frozenset[str]
    required: frozenset[str]
    factories: tuple[tuple[str, Callable[[], Any]], ...]


_PLANS: dict[type[BaseModel], _Plan] = {}


def _copier(value: Any) -> Callable[[], Any]:
    return lambda: copy.deepcopy(value)  # a mutable default, copied as model_construct copies it


def _plan(cls: type[BaseModel]) -> _Plan:
    if cls.__pydantic_root_model__ or cls.__pydantic_post_init__ or cls.model_config.get("extra") == "allow":
        raise TypeError(f"{cls.__name__}: a model trusted() cannot build as model_construct does")
    template: dict[str, Any] = {}
    required: list[str] = []
    factories: list[tuple[str, Callable[[], Any]]] = []
    for name, f in cls.__pydantic_fields__.items():
        if f.alias not in (None, name) or f.validation_alias is not None or f.default_factory_takes_validated_data:
            raise TypeError(f"{cls.__name__}.{name}: aliases and data-taking factories are not supported")
        template[name] = _UNSET
        if f.is_required():
            required.append(name)
        elif f.default_factory is not None:
            factories.append((name, cast(Callable[[], Any], f.default_factory)))  # no data taken: checked above
        elif type(f.default).__hash__ is not None:  # hashable: immutable (None, str, Decimal, an enum), shared
            template[name] = f.default
        else:
            factories.append((name, _copier(f.default)))
    plan = _Plan(template, frozenset(template), frozenset(required), tuple(factories))
    _PLANS[cls] = plan
    return plan


def trusted(cls: type[M], /, **values: Any) -> M:
    """An instance of `cls` holding `values` as given (not validated), the fields left out at their defaults:
    equal to what model_validate gives for the same valid values. Only for values validated before."""
    plan = _PLANS.get(cls) or _plan(cls)
    given = values.keys()
    if not plan.required <= given <= plan.names:
        unknown = sorted(given - plan.names)
        raise TypeError(f"{cls.__name__}: unknown fields {unknown}" if unknown
                        else f"{cls.__name__}: missing fields {sorted(plan.required - given)}")
    d = plan.template.copy()
    d.update(values)  # the keys exist already: the declaration order stays
    for name, make in plan.factories:
        if name not in given:
            d[name] = make()
    m = cls.__new__(cls)
    _set(m, "__dict__", d)
    _set(m, "__pydantic_fields_set__", set(values))
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m
