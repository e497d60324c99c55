"""Fast paths for the frozen attrs values on the hot paths (pickling, internal building).

attrs pickles a slotted class as a dict of its fields and rebuilds it with a
loop in Python; :func:`compact_pickle` writes the field values as a tuple read
in one C call (:func:`operator.attrgetter`) and reads them back with a
function made for the class, with no loop: together about half the cost of
shipping :func:`~ot_billing_rules.audit_many` results between processes. The
object read back is equal to the one written. :func:`build` creates an
instance from values the library already validated, skipping the converters.

The reading function is bound in the *class's own module* (as
``_make_<Class>``), not here: a pickle names the module that holds the
function, and unpickling imports that module, which defines the class and
its function together. A function kept in this module would exist only once
the class's module had been imported, so a fresh interpreter (a spawned
worker, another program loading a saved result) could not find it.

A frozen attrs instance costs one ``object.__setattr__`` call per field
(about 1.3 µs for ten fields). :func:`slotted_base`, placed under
``@attrs.frozen``, puts the class's slots on a private, unfrozen base class;
the generated maker then fills a base instance with plain attribute stores
(specialised by the interpreter) and switches it to the frozen class, which
has the same layout: about a quarter of the cost. The frozen class keeps its
fields, ``__init__``, equality, hash, repr and ``attrs.evolve``.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar

import attrs

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

_NAMES: dict[type, tuple[str, ...]] = {}
_MAKERS: dict[type, Callable[..., Any]] = {}
_new = object.__new__
_set = object.__setattr__


def _names(cls: type) -> tuple[str, ...]:
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(a.name for a in attrs.fields(cls))
    return names


def slotted_base(cls: type[T]) -> type[T]:
    """Class decorator, under ``@attrs.frozen``: the fields' slots on an unfrozen base.

    The fields are the class's own annotations, in order (the classes using
    this inherit no fields). The base is private: nothing outside the makers
    ever holds one of its instances.
    """
    names = tuple(
        n
        for n, kind in inspect.get_annotations(cls).items()
        if not str(kind).startswith(("ClassVar", "typing.ClassVar"))
    )
    base = type(f"_{cls.__name__}Slots", (), {"__slots__": (*names, "__weakref__")})
    base.__module__ = cls.__module__
    body = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
    new = type(cls.__name__, (base,), body)
    new.__qualname__ = cls.__qualname__
    return new


def keep(cache: dict[K, V], key: K, value: V, bound: int) -> V:
    """Store ``value`` under ``key`` and return it; a cache holding ``bound``
    entries is emptied first.

    The bound of the look-up and wording caches on the hot paths: emptying
    costs one rebuild per key and needs no bookkeeping per hit, as an LRU would.
    """
    if len(cache) >= bound:
        cache.clear()
    cache[key] = value
    return value


def maker(cls: type[T]) -> Callable[..., T]:
    """The fastest ``(*values) -> cls`` for ``cls``: one value per field, in order, unchecked."""
    fn = _MAKERS.get(cls)
    if fn is None:
        fn = _MAKERS[cls] = _maker(cls, _names(cls))
    return fn


def replacer(cls: type[T], fields: tuple[str, ...]) -> Callable[..., T]:
    """The fastest ``(obj, *new values) -> cls`` for ``cls``: ``obj``'s fields, with
    ``fields`` (in that order) replaced by the values given, unchecked.

    ``attrs.evolve`` without its converters and validators, for values the
    library already checked; generated from the class's field list, so a field
    added later is carried over without an edit at the call site.
    """
    names = _names(cls)
    unknown = [f for f in fields if f not in names]
    if unknown:
        raise ValueError(f"{cls.__qualname__} has no field(s) {unknown}")
    given = {n: f"v{i}" for i, n in enumerate(fields)}
    args = ", ".join(given.get(n, f"o.{n}") for n in names)
    name = f"_replace_{cls.__qualname__.replace('.', '_')}"
    source = f"def {name}(o, {', '.join(given.values())}):\n    return make({args})\n"
    scope: dict[str, Any] = {"make": maker(cls)}
    exec(compile(source, f"<replacer {cls.__qualname__}>", "exec"), scope)
    fn: Callable[..., T] = scope[name]
    return fn


def build(cls: type[T], *values: Any) -> T:
    """An instance of ``cls`` holding ``values`` (one per field, in order), unchecked."""
    fn = _MAKERS.get(cls)
    if fn is not None and len(values) == len(_NAMES[cls]):
        return fn(*values)  # type: ignore[no-any-return]
    obj = _new(cls)
    for name, value in zip(_names(cls), values, strict=True):
        _set(obj, name, value)
    return obj


def _rebuild(cls: type[T], values: tuple[Any, ...]) -> T:
    return build(cls, *values)


def _slots_base(cls: type, names: tuple[str, ...]) -> type | None:
    """The unfrozen base :func:`slotted_base` gave ``cls``, if it holds exactly its fields."""
    base = cls.__bases__[0]
    if len(cls.__bases__) == 1 and getattr(base, "__slots__", None) == (*names, "__weakref__"):
        return base
    return None


def _maker(cls: type, names: tuple[str, ...]) -> Callable[..., Any]:
    """A module-level function ``(*values) -> cls`` with one statement per field.

    Generated like attrs' own methods: the unpickler calls it once per object,
    so a loop and a second call per object are worth saving. It is bound in
    the class's module, which pickle imports to find it (see the module
    docstring).
    """
    name = f"_make_{cls.__qualname__.replace('.', '_')}"
    home = sys.modules[cls.__module__]
    args = ", ".join(f"v{i}" for i in range(len(names)))
    base = _slots_base(cls, names)
    if base is not None:
        # Plain stores on the unfrozen base, then the frozen class (same layout).
        body = "".join(f"    o.{n} = v{i}\n" for i, n in enumerate(names))
        source = f"def {name}({args}):\n    o = _new(base)\n{body}    o.__class__ = cls\n"
    else:
        body = "".join(f"    _set(o, {n!r}, v{i})\n" for i, n in enumerate(names))
        source = f"def {name}({args}):\n    o = _new(cls)\n{body}"
    source += "    return o\n"
    scope: dict[str, Any] = {"_new": _new, "_set": _set, "cls": cls, "base": base}
    exec(compile(source, f"<compact_pickle {cls.__qualname__}>", "exec"), scope)
    fn: Callable[..., Any] = scope[name]
    fn.__module__ = cls.__module__
    fn.__qualname__ = name
    setattr(home, name, fn)
    return fn


def compact_pickle(cls: type[T]) -> type[T]:
    """Class decorator (after ``@attrs.frozen``): pickle as ``(cls, field values)``."""
    names = _names(cls)
    get: Callable[[Any], Any] = attrgetter(*names)
    make = maker(cls)
    single = len(names) == 1

    def __reduce__(self: Any) -> tuple[Any, ...]:
        kind = type(self)
        if kind is not cls:  # a subclass may have more fields
            return (_rebuild, (kind, tuple(getattr(self, n) for n in _names(kind))))
        values = get(self)
        return (make, (values,) if single else values)

    setattr(cls, "__reduce__", __reduce__)  # noqa: B010 (mypy refuses a direct assignment)
    return cls
