"""Every problem of a visit mapping, each with its 0-based path.

:meth:`Visit.from_dict <ot_billing_rules.Visit.from_dict>` builds a visit in
one go and stops at the first bad value. Only when that fails is the mapping
read again here, field by field with the same converters, so every problem
is found with where it sits (``services[1].minutes``) — and valid input pays
nothing for it. The classes are passed in: this module imports no model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from .errors import DuplicateCodeError, InvalidInputError, InvalidTypeError, OTBillingError

__all__ = ["problems"]


def _at(exc: OTBillingError, path: str) -> OTBillingError:
    exc.path = path
    return exc


def _converters(cls: type) -> dict[str, Callable[[Any], Any]]:
    out: dict[str, Callable[[Any], Any]] = {}
    for f in attrs.fields(cls):
        conv = f.converter
        if callable(conv):
            out[f.name] = conv
    return out


def _fields(
    data: Mapping[str, Any],
    keys: Sequence[str],
    where: str,
    convert: Mapping[str, Callable[[Any], Any]],
    prefix: str,
) -> list[OTBillingError]:
    out: list[OTBillingError] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key not in keys:
            out.append(
                _at(
                    InvalidInputError(
                        f"unknown {where} key {key!r}; valid keys: {', '.join(keys)}",
                        value=key,
                        field=where,
                    ),
                    path,
                )
            )
            continue
        if value is None or key not in convert:
            continue
        try:
            convert[key](value)
        except OTBillingError as exc:
            out.append(_at(exc, path))
    return out


def problems(data: object, visit_cls: Any, service_cls: Any) -> list[OTBillingError]:
    """Every problem in ``data`` as a visit mapping, in input order, each with its ``path``."""
    if not isinstance(data, Mapping):
        return [
            _at(
                InvalidTypeError(
                    f"visit must be a mapping (JSON object), not {type(data).__name__} {data!r}",
                    value=data,
                    field="visit",
                ),
                "",
            )
        ]
    out: list[OTBillingError] = []
    for required in ("date_of_service", "services"):
        if data.get(required) is None:
            out.append(
                _at(InvalidInputError(f"visit has no {required!r}", field=required), required)
            )
    convert = _converters(visit_cls)
    for key, value in data.items():
        # In input order; a service's problems sit where "services" sits.
        if key == "services" and value is not None:
            out.extend(_services(value, service_cls))
        else:
            out.extend(_fields({key: value}, visit_cls.KEYS, "visit", convert, ""))
    if not out:
        # Each value is fine alone: what is left are the checks across fields.
        try:
            kwargs = {k: v for k, v in data.items() if v is not None}
            visit_cls(kwargs.pop("date_of_service"), kwargs.pop("services"), **kwargs)
        except OTBillingError as exc:
            field = getattr(exc, "field", None) or ""
            out.append(_at(exc, field if field in visit_cls.KEYS else "services"))
    return out


def _services(value: object, service_cls: Any) -> list[OTBillingError]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        return [
            _at(
                InvalidTypeError(
                    f"services must be a list of services, not {type(value).__name__} {value!r}",
                    value=value,
                    field="services",
                ),
                "services",
            )
        ]
    out: list[OTBillingError] = []
    convert = _converters(service_cls)
    seen: set[str] = set()
    for i, item in enumerate(value):
        path = f"services[{i}]"
        if isinstance(item, service_cls):
            code = item.code
        elif isinstance(item, Mapping):
            found = _fields(item, service_cls._KEYS, f"service {i + 1}", convert, f"{path}.")
            if "code" not in item:
                found.insert(
                    0, _at(InvalidInputError(f"service {i + 1} has no 'code'", field="code"), path)
                )
            if not found:
                try:
                    code = service_cls.from_dict(item, where=f"service {i + 1}").code
                except OTBillingError as exc:
                    field = getattr(exc, "field", None)
                    found.append(_at(exc, f"{path}.{field}" if field else path))
            out.extend(found)
            if found:
                continue
        else:
            out.append(
                _at(
                    InvalidTypeError(
                        f"service {i + 1} must be a Service or a mapping, not "
                        f"{type(item).__name__} {item!r}",
                        value=item,
                        field="services",
                    ),
                    path,
                )
            )
            continue
        if code in seen:
            out.append(
                _at(
                    DuplicateCodeError(
                        f"code {code} is listed twice; list each code once with its total "
                        "minutes for the date of service",
                        value=code,
                        field="services",
                    ),
                    f"{path}.code",
                )
            )
        seen.add(code)
    return out
