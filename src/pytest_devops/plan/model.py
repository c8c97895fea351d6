"""The plan model: resource changes, output changes and queries over them.

Pure library (no pytest). Every class is a plain dataclass, so a plan can be built from
Terraform's JSON (:func:`pytest_devops.plan.load.parse_plan`) or from any other source
of proposed changes (a CloudFormation change set) with the same queries and gates.
Values are never shown in a ``repr``: they may be secrets.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_devops.plan.address import glob_match, module_path
from pytest_devops.plan.values import PathPart, lookup, parse_path, wrap

__all__ = [
    "ACTIONS",
    "COUNT_KEYS",
    "OutputChange",
    "Plan",
    "ResourceChange",
    "StateResource",
    "action_of",
]

#: The action of a change, in the order reports list them.
ACTIONS = ("create", "update", "delete", "replace", "read", "no-op", "forget")
#: The keys :meth:`Plan.counts` always has (``forget`` is added when a plan forgets).
COUNT_KEYS = ("create", "update", "delete", "replace", "read", "no-op")

_ACTION_OF: dict[tuple[str, ...], str] = {
    ("create",): "create",
    ("update",): "update",
    ("delete",): "delete",
    ("delete", "create"): "replace",  # destroy, then create
    ("create", "delete"): "replace",  # create_before_destroy
    ("read",): "read",
    ("no-op",): "no-op",
    ("forget",): "forget",
    # Terraform 1.7+: a new object is created and the old one leaves state (not destroyed).
    ("create", "forget"): "forget",
}

_MISSING: Any = object()


def action_of(actions: Sequence[str]) -> str | None:
    """The single action of Terraform's action list, or ``None`` for an unknown list."""
    return _ACTION_OF.get(tuple(actions))


class _Values:
    """Attribute access shared by changes and state resources."""

    __slots__ = ()

    def _get(
        self, values: Any, unknown: Any, sensitive: Any, path: str | Sequence[PathPart],
        default: Any, where: str,
    ) -> Any:
        found, value = lookup(values, unknown, sensitive, parse_path(path))
        if found:
            return value
        if default is _MISSING:
            raise KeyError(f"{self}: no attribute {path!r} {where}")
        return default


@dataclass(slots=True, eq=False)
class ResourceChange(_Values):
    """One resource instance's proposed change (an item of ``resource_changes``).

    ``before``/``after`` are Terraform's raw values: ``after`` lacks what is unknown
    until apply and holds sensitive values in clear. Read attributes through
    :meth:`value`, which returns :data:`~pytest_devops.plan.values.UNKNOWN` or a
    :class:`~pytest_devops.plan.values.Sensitive` where Terraform says so.
    """

    address: str
    type: str
    name: str
    actions: tuple[str, ...]
    action: str = ""
    mode: str = "managed"
    module_address: str = ""
    index: Any = None
    provider_name: str = ""
    before: Any = field(default=None, repr=False)
    after: Any = field(default=None, repr=False)
    after_unknown: Any = field(default=None, repr=False)
    before_sensitive: Any = field(default=None, repr=False)
    after_sensitive: Any = field(default=None, repr=False)
    previous_address: str | None = None
    action_reason: str | None = None
    deposed: str | None = None
    replace_paths: tuple[Any, ...] = field(default=(), repr=False)
    importing: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.action:
            self.action = action_of(self.actions) or "unknown"

    def __str__(self) -> str:
        return self.address if self.deposed is None else f"{self.address} (deposed)"

    @property
    def module_path(self) -> tuple[str, ...]:
        """``("module.a", 'module.b["x"]')`` for ``module.a.module.b["x"].type.name``."""
        return module_path(self.module_address)

    @property
    def destroys(self) -> bool:
        """Whether applying this change destroys an existing object (delete or replace)."""
        return self.action in ("delete", "replace")

    @property
    def changes(self) -> bool:
        """Whether this is a change at all (not a no-op, not a data source read)."""
        return self.action not in ("no-op", "read")

    def value(self, path: str | Sequence[PathPart], default: Any = _MISSING) -> Any:
        """The planned (after) value at ``path`` (``"tags.Owner"``, ``"ebs_block_device.0.size"``).

        :data:`UNKNOWN` when known only after apply, :class:`Sensitive` when sensitive;
        ``default`` (or :class:`KeyError`) when the attribute does not exist.
        """
        return self._get(
            self.after, self.after_unknown, self.after_sensitive, path, default, "after apply"
        )

    def before_value(self, path: str | Sequence[PathPart], default: Any = _MISSING) -> Any:
        """The current (before) value at ``path``; sensitive parts wrapped."""
        return self._get(self.before, None, self.before_sensitive, path, default, "before apply")

    def after_values(self) -> Any:
        """All planned values, unknown parts as :data:`UNKNOWN`, sensitive ones wrapped."""
        return wrap(self.after, self.after_unknown, self.after_sensitive)

    def before_values(self) -> Any:
        return wrap(self.before, None, self.before_sensitive)

    def is_unknown(self, path: str | Sequence[PathPart]) -> bool:
        from pytest_devops.plan.values import UNKNOWN

        return self.value(path, None) is UNKNOWN

    def is_sensitive(self, path: str | Sequence[PathPart]) -> bool:
        from pytest_devops.plan.values import Sensitive

        return isinstance(self.value(path, None), Sensitive)


@dataclass(slots=True, eq=False)
class OutputChange(_Values):
    """A root module output's proposed change."""

    name: str
    actions: tuple[str, ...]
    action: str = ""
    before: Any = field(default=None, repr=False)
    after: Any = field(default=None, repr=False)
    after_unknown: Any = field(default=None, repr=False)
    before_sensitive: Any = field(default=None, repr=False)
    after_sensitive: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.action:
            self.action = action_of(self.actions) or "unknown"

    def __str__(self) -> str:
        return f"output.{self.name}"

    @property
    def sensitive(self) -> bool:
        return self.after_sensitive is True or self.before_sensitive is True

    def value(self, path: str | Sequence[PathPart] = (), default: Any = _MISSING) -> Any:
        """The planned value (or the part at ``path``), markers applied."""
        return self._get(
            self.after, self.after_unknown, self.after_sensitive, path, default, "after apply"
        )


@dataclass(slots=True, eq=False)
class StateResource(_Values):
    """A resource of ``planned_values`` or ``prior_state``, flattened across child modules."""

    address: str
    type: str
    name: str
    mode: str = "managed"
    module_address: str = ""
    index: Any = None
    provider_name: str = ""
    values: Any = field(default=None, repr=False)
    sensitive_values: Any = field(default=None, repr=False)
    deposed: str | None = None
    tainted: bool = False

    def __str__(self) -> str:
        return self.address

    def value(self, path: str | Sequence[PathPart], default: Any = _MISSING) -> Any:
        return self._get(self.values, None, self.sensitive_values, path, default, "")


def _match(value: str, wanted: str | Iterable[str] | None) -> bool:
    if wanted is None:
        return True
    if isinstance(wanted, str):
        return value == wanted
    return value in wanted


def _module_match(pattern: str, module_address: str) -> bool:
    return module_address == "" if pattern == "" else glob_match(pattern, module_address)


@dataclass(eq=False)
class Plan:
    """A Terraform plan (``terraform show -json``) or any equivalent set of changes."""

    format_version: str
    terraform_version: str | None = None
    resource_changes: list[ResourceChange] = field(default_factory=list)
    output_changes: dict[str, OutputChange] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict, repr=False)
    resource_drift: list[ResourceChange] = field(default_factory=list, repr=False)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    source: str = "<plan>"
    sensitive_variables: frozenset[str] = frozenset()
    errored: bool = False
    applyable: bool | None = None
    complete: bool | None = None
    timestamp: str | None = None
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __repr__(self) -> str:
        return (
            f"Plan(source={self.source!r}, format_version={self.format_version!r}, "
            f"terraform_version={self.terraform_version!r}, "
            f"resource_changes={len(self.resource_changes)})"
        )

    def __iter__(self) -> Iterator[ResourceChange]:
        return iter(self.resource_changes)

    def __len__(self) -> int:
        return len(self.resource_changes)

    # -- counts and queries ------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Resource changes per action: create, update, delete, replace, read, no-op
        (and forget when the plan forgets anything)."""
        counts = dict.fromkeys(COUNT_KEYS, 0)
        for rc in self.resource_changes:
            counts[rc.action] = counts.get(rc.action, 0) + 1
        return counts

    @property
    def has_changes(self) -> bool:
        """Whether applying would change anything (outputs included)."""
        return any(rc.changes for rc in self.resource_changes) or any(
            oc.action not in ("no-op", "read") for oc in self.output_changes.values()
        )

    def changes(
        self,
        type: str | Iterable[str] | None = None,
        *,
        address: str | None = None,
        module: str | None = None,
        action: str | Iterable[str] | None = None,
        mode: str | None = None,
    ) -> list[ResourceChange]:
        """Resource changes matching every given criterion.

        ``type`` a resource type or several; ``address`` a glob (``*`` and ``?``;
        brackets are literal: ``aws_instance.web[*]``); ``module`` a module address glob
        (``""`` for the root module); ``action`` one or more of :data:`ACTIONS`;
        ``mode`` ``"managed"`` or ``"data"``.
        """
        if isinstance(action, str) and action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
        out = []
        for rc in self.resource_changes:
            if not (_match(rc.type, type) and _match(rc.action, action) and _match(rc.mode, mode)):
                continue
            if address is not None and not glob_match(address, rc.address):
                continue
            if module is not None and not _module_match(module, rc.module_address):
                continue
            out.append(rc)
        return out

    def _by_address(self) -> dict[str, ResourceChange]:
        index = self._cache.get("by_address")
        if index is None:
            index = {rc.address: rc for rc in self.resource_changes if rc.deposed is None}
            self._cache["by_address"] = index
        return index

    def __getitem__(self, address: str) -> ResourceChange:
        """The change of the resource at ``address`` (its current object, not a deposed one)."""
        found = self._by_address().get(address)
        if found is None:
            import difflib

            close = difflib.get_close_matches(address, list(self._by_address()), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise KeyError(f"{self.source}: no resource change at {address!r}{hint}")
        return found

    def __contains__(self, address: object) -> bool:
        return address in self._by_address()

    def get(self, address: str) -> ResourceChange | None:
        return self._by_address().get(address)

    # -- planned values, prior state ---------------------------------------------------

    def planned_resources(self) -> list[StateResource]:
        """``planned_values`` resources, flattened across nested ``child_modules``."""
        return self._state_resources("planned", self.raw.get("planned_values"))

    def prior_resources(self) -> list[StateResource]:
        """``prior_state`` resources, flattened across nested ``child_modules``."""
        prior = self.raw.get("prior_state")
        values = prior.get("values") if isinstance(prior, dict) else None
        return self._state_resources("prior", values)

    def _state_resources(self, key: str, values: Any) -> list[StateResource]:
        if key not in self._cache:
            from pytest_devops.plan.state import flatten

            self._cache[key] = flatten(values)
        result: list[StateResource] = self._cache[key]
        return result

    # -- sensitive values, regions, digest ---------------------------------------------

    def sensitive_values(self) -> list[Any]:
        """Every value Terraform marks sensitive anywhere in the plan (to register with a
        :class:`~pytest_devops.redact.Redactor`)."""
        if "sensitive" not in self._cache:
            from pytest_devops.plan.sensitive import collect

            self._cache["sensitive"] = collect(self)
        result: list[Any] = self._cache["sensitive"]
        return result

    def provider_region(self, provider_name: str, alias: str | None = None) -> str | None:
        """The ``region`` a root-module provider block sets, when the plan says.

        ``provider_name`` is a config key (``aws``, ``aws.west``), a short name or the
        full name (``registry.terraform.io/hashicorp/aws``). A region read from a root
        variable (``region = var.region``) is resolved from the plan's variables.
        """
        from pytest_devops.plan.regions import provider_region

        return provider_region(self, provider_name, alias)

    def resource_region(self, rc: ResourceChange) -> str | None:
        """The region of ``rc``: its own ``region`` attribute, else its provider's."""
        from pytest_devops.plan.regions import resource_region

        return resource_region(self, rc)

    def digest(self) -> str:
        """``sha256:...`` over what apply would do (see :mod:`pytest_devops.plan.digest`)."""
        if "digest" not in self._cache:
            from pytest_devops.plan.capture import paused_gc
            from pytest_devops.plan.digest import plan_digest

            with paused_gc():
                self._cache["digest"] = plan_digest(self.resource_changes, self.output_changes)
        result: str = self._cache["digest"]
        return result
