"""``ot-billing audit --payer-map FILE``: the payer names of an export, mapped to policies.

A practice-management export names payers its own way (``"Aetna PPO"``,
``"BCBS TX"``). The map is a JSON object from such a name (matched without
case or surrounding blanks) to either a built-in policy id (``"medicare"``,
``"commercial"``, any id of :func:`~ot_billing_rules.payer_policy_names`) or
the path of a policy JSON file (:meth:`PayerPolicy.from_file`), relative to
the map's own folder. A payer that is neither in the map nor a built-in
policy makes its visit an error record naming the payer and the map.

CSV rows carry text, never a policy object, so a visit's payer cells are set
aside while its rows are grouped and the mapped policy is put on the visit
afterwards (:meth:`PayerMap.csv`); a visit whose rows name different payers
is an error, as without a map.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from ..errors import DataFileError, OTBillingError
from ..payers import PayerPolicy, payer_policy, payer_policy_names
from ..visit import Visit

__all__ = ["PayerMap"]

Target = str | PayerPolicy


def _key(name: str) -> str:
    return name.strip().lower()


class PayerMap:
    """The ``--payer-map`` file read: each export payer name and the policy it stands for."""

    def __init__(self, targets: Mapping[str, Target], path: str) -> None:
        self.targets = {_key(k): v for k, v in targets.items()}
        self.path = path

    @classmethod
    def read(cls, path: str) -> PayerMap:
        """Read and check the whole map; a bad entry is a :class:`DataFileError` naming it."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise DataFileError(f"cannot read the payer map: {exc.strerror}", path=path) from None
        except ValueError as exc:
            raise DataFileError(f"the payer map is not valid JSON ({exc})", path=path) from None
        if not isinstance(data, dict) or not data:
            raise DataFileError(
                'the payer map must be a JSON object such as {"Aetna PPO": "commercial", '
                '"Acme Health": "policies/acme.json"}',
                path=path,
            )
        builtin = {_key(n) for n in payer_policy_names()}
        targets: dict[str, Target] = {}
        for name, value in data.items():
            if not isinstance(value, str) or not value.strip():
                raise DataFileError(
                    f"payer {name!r} maps to {value!r}; give a built-in policy id or the path "
                    "of a policy JSON file",
                    path=path,
                )
            if _key(name) in targets:
                raise DataFileError(f"payer {name!r} is mapped twice", path=path)
            targets[name] = (
                value.strip() if _key(value) in builtin else _policy_file(name, value, path)
            )
        return cls(targets, path)

    def target(self, name: str) -> Target:
        """The policy (or built-in id) for the payer ``name`` of a visit."""
        found = self.targets.get(_key(name))
        if found is not None:
            return found
        try:
            payer_policy(name)
        except OTBillingError:
            raise DataFileError(
                f"payer {name!r} is neither in the payer map nor a built-in policy; map it "
                f"to a policy id ({', '.join(payer_policy_names()[:3])}, ...) or a policy file",
                path=self.path,
            ) from None
        return name

    def json_item(self, item: Any) -> Any:
        """A JSON visit object with its ``payer`` name replaced by the mapped policy."""
        if isinstance(item, Mapping) and isinstance(item.get("payer"), str):
            return {**item, "payer": self.target(item["payer"])}
        return item

    def csv(self) -> _CSVPass:
        """A fresh state for one pass over a CSV file's rows."""
        return _CSVPass(self)


class _CSVPass:
    def __init__(self, payers: PayerMap) -> None:
        self.payers = payers
        self.names: dict[str, set[str]] = {}  # visit id -> payer cells, until the visit is out

    def rows(
        self, numbered: Iterable[tuple[int, dict[str, str]]]
    ) -> Iterator[tuple[int, dict[str, str]]]:
        """The rows with each payer cell set aside (the grouping sees it empty)."""
        for line, row in numbered:
            name = row.get("payer", "").strip()
            if name:
                self.names.setdefault(row.get("visit_id", "").strip(), set()).add(name)
                row = {**row, "payer": ""}
            yield line, row

    def resolve(self, item: Visit | DataFileError, source: str) -> Visit | DataFileError:
        """Put the mapped payer on a grouped visit (or return the visit's error)."""
        vid = item.visit_id or ""
        names = self.names.pop(vid, None)
        if isinstance(item, DataFileError) or not names:
            return item
        if len({_key(n) for n in names}) > 1:
            return DataFileError(
                f"visit {vid!r}: payer cells disagree ({', '.join(map(repr, sorted(names)))})",
                path=source,
                visit_id=vid,
            )
        try:
            return attrs.evolve(item, payer=self.payers.target(names.pop()))
        except OTBillingError as exc:
            return DataFileError(f"visit {vid!r}: {exc}", path=source, visit_id=vid)


def _policy_file(name: str, value: str, map_path: str) -> PayerPolicy:
    path = Path(value)
    if not path.is_absolute():
        path = Path(map_path).parent / path
    if not path.is_file():
        raise DataFileError(
            f"payer {name!r} maps to {value!r}, which is neither a built-in policy id "
            f"({', '.join(payer_policy_names()[:3])}, ...) nor a policy file",
            path=map_path,
        )
    try:
        return PayerPolicy.from_file(path)
    except OTBillingError as exc:
        raise DataFileError(f"payer {name!r}: {exc}", path=map_path) from None
