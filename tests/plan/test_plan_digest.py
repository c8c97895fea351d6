"""The digest: stable across formatting, changed by anything apply would do differently."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from planbuilder import change, plan_doc, write

from pytest_devops.plan import load_plan, parse_plan


def _output(actions: list[str], after: Any, after_unknown: Any = False) -> dict[str, Any]:
    return {"actions": actions, "before": None, "after": after, "after_unknown": after_unknown,
            "before_sensitive": False, "after_sensitive": False}


def base() -> dict[str, Any]:
    return plan_doc([
        change("aws_instance.web", ["create"], after={"ami": "ami-1", "tags": {"a": "1", "b": "2"}},
               after_unknown={"id": True, "arn": True}),
        change("aws_s3_bucket.logs", ["no-op"], before={"bucket": "x"}, after={"bucket": "x"}),
        change("aws_db_instance.main", ["update"], before={"size": 1}, after={"size": 2}),
    ], outputs={
        "url": _output(["create"], "https://a.example"),
        "id": _output(["create"], None, True),
        "region": _output(["no-op"], "us-east-1"),
    })


def reorder(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: reorder(obj[k]) for k in reversed(list(obj))}
    if isinstance(obj, list):
        return [reorder(v) for v in obj]
    return obj


def test_stable_across_key_order_whitespace_and_resource_order(tmp_path: Path) -> None:
    doc = base()
    shuffled = reorder(doc)
    shuffled["resource_changes"].reverse()
    shuffled["timestamp"] = "2026-01-01T00:00:00Z"
    shuffled["prior_state"] = {"format_version": "1.0", "values": {"root_module": {}}}
    compact = load_plan(write(tmp_path / "a.json", doc, separators=(",", ":")))
    pretty = load_plan(write(tmp_path / "b.json", shuffled, indent=2))
    assert compact.digest() == pretty.digest()
    assert compact.digest() == "sha256:" + _independent(doc)


def _independent(doc: dict[str, Any]) -> str:
    """The documented normal form, computed directly from the JSON."""
    import hashlib

    def unknown(marker: Any) -> list[str]:
        if marker is True:
            return ["[]"]
        return sorted(json.dumps([k]) for k, v in (marker or {}).items() if v is True)

    rows = []
    for rc in doc["resource_changes"]:
        ch = rc["change"]
        if ch["actions"] == ["no-op"]:
            continue
        rows.append([rc["address"], "", ch["actions"], ch["after"], unknown(ch["after_unknown"]),
                     "", None])
    for name, oc in doc["output_changes"].items():
        if oc["actions"] != ["no-op"]:
            rows.append([f"output.{name}", "", oc["actions"], oc["after"],
                         unknown(oc["after_unknown"]), "", None])
    rows.sort(key=lambda r: r[0])
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def test_no_op_resources_and_outputs_do_not_count() -> None:
    doc = base()
    other = copy.deepcopy(doc)
    other["resource_changes"][1]["change"]["after"] = {"bucket": "y"}
    del other["resource_changes"][1]
    del other["output_changes"]["region"]
    assert parse_plan(doc).digest() == parse_plan(other).digest()


def test_every_change_to_what_apply_does_changes_it() -> None:
    digests = {parse_plan(base()).digest()}
    edits = [
        lambda d: d["resource_changes"][0]["change"]["after"].update(ami="ami-2"),
        lambda d: d["resource_changes"][0]["change"]["after"]["tags"].update(c="3"),
        lambda d: d["resource_changes"][0]["change"].update(actions=["delete", "create"]),
        lambda d: d["resource_changes"][0]["change"].update(actions=["create", "delete"]),
        lambda d: d["resource_changes"][0].update(address="aws_instance.web2"),
        lambda d: d["resource_changes"][0]["change"]["after_unknown"].update(ami=True),
        lambda d: d["resource_changes"][1]["change"].update(actions=["delete"]),
        lambda d: d["resource_changes"].append(
            change("aws_sqs_queue.q", ["create"], after={"name": "q"})),
        # Unknown paths that a dotted string would spell alike.
        lambda d: d["resource_changes"][0]["change"]["after_unknown"].update(
            tags={"c.d": True}),
        lambda d: d["resource_changes"][0]["change"]["after_unknown"].update(
            tags={"c": {"d": True}}),
        # No-ops that apply still performs: a move and an import write the state.
        lambda d: d["resource_changes"][1].update(previous_address="aws_s3_bucket.old"),
        lambda d: d["resource_changes"][1]["change"].update(importing={"id": "logs"}),
        # Outputs: a value, a value known only after apply, a new output.
        lambda d: d["output_changes"]["url"].update(after="https://b.example"),
        lambda d: d["output_changes"]["url"].update(after_unknown=True),
        lambda d: d["output_changes"]["region"].update(actions=["update"]),
        lambda d: d["output_changes"].update(extra=_output(["create"], "x")),
    ]
    for edit in edits:
        doc = base()
        edit(doc)
        digests.add(parse_plan(doc).digest())
    assert len(digests) == len(edits) + 1


def test_corpus_plans_have_distinct_digests_but_no_change_plans_share_one(corpus: Path) -> None:
    by_digest: dict[str, list[str]] = {}
    for path in sorted((corpus / "plans").glob("*.json")):
        if path.stem == "trivy__no_resource_changes":
            continue  # refused: planned_values has a resource resource_changes lacks
        by_digest.setdefault(load_plan(path).digest(), []).append(path.stem)
    shared = [names for names in by_digest.values() if len(names) > 1]
    # Plans with nothing to apply are the same plan, whatever else they hold.
    # (terraform__showjson_unknown_output has no resource changes but creates outputs.)
    assert shared == [[
        "infracost__ebs_attachment_after",
        "tfvalidator__gcp_applied_noop",
    ]]
