"""The engine over real plans of the corpus and over changes built from plain dicts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from costplans import make_plan, res

from pytest_devops.cost import PriceBook, Usage, estimate, load_usage
from pytest_devops.cost.model import money
from pytest_devops.cost.prices import Catalog, shipped
from pytest_devops.plan import load_plan


def test_no_op_plan_still_costs_money(corpus: Path) -> None:
    est = estimate(load_plan(corpus / "plans/infracost__ebs_attachment_after.json"))
    assert {r.address: money(r.monthly_after) for r in est.resources} == {
        "aws_ebs_volume.storage": "12.80",
        # t2.nano 730 h x $0.0058 + 8 GB gp2 root; the attached 128 GB volume is the
        # aws_ebs_volume above, not counted twice through ebs_block_device.
        "aws_instance.ec2": "5.03",
    }
    assert est.monthly_before == est.monthly_after == Decimal("17.834")
    assert est.monthly_delta == 0
    assert est.free == ("aws_default_subnet.default", "aws_volume_attachment.storage_attachment")
    assert est.unpriced == ()


def test_attaching_a_new_instance_adds_only_the_instance(corpus: Path) -> None:
    est = estimate(load_plan(corpus / "plans/infracost__ebs_attachment_before.json"))
    assert money(est.monthly_before) == "12.80"
    assert money(est.monthly_after) == "17.83"
    assert [d.address for d in est.drivers()] == ["aws_instance.ec2", "aws_instance.ec2"]


def test_azure_and_google_resources_are_unpriced_not_zero(corpus: Path) -> None:
    est = estimate(load_plan(corpus / "plans/infracost__azure_firewall.json"))
    assert est.resources == ()
    assert {u.address for u in est.unpriced} == {
        "azurerm_firewall.non_usage", "azurerm_firewall.premium",
        "azurerm_firewall.premium_virtual_hub", "azurerm_firewall.standard",
        "azurerm_firewall.standard_virtual_hub", "azurerm_public_ip.example",
        "azurerm_resource_group.example", "azurerm_subnet.example", "azurerm_virtual_hub.example",
        "azurerm_virtual_network.example", "azurerm_virtual_wan.example",
    }
    assert {u.reason for u in est.unpriced} == {
        "Azure resources are not priced (the cost engine prices AWS)"
    }
    gke = estimate(load_plan(corpus / "plans/tfvalidator__gke_full.json"))
    assert gke.resources == ()
    assert gke.unpriced
    assert {u.reason for u in gke.unpriced} == {
        "Google Cloud resources are not priced (the cost engine prices AWS)"
    }


def test_usage_wildcards_and_type_defaults(corpus: Path) -> None:
    plan = load_plan(corpus / "plans/infracost__nat_gateway_count.json")
    usage = load_usage(corpus / "expected/infracost__nat_gateway_count.usage.yml")
    est = estimate(plan, usage=usage)
    data = {
        r.address: next(c.quantity for c in r.components if c.name == "Data processed")
        for r in est.resources if r.type == "aws_nat_gateway"
    }
    assert data == {
        "aws_nat_gateway.example_count[0]": Decimal("200.0"),
        "aws_nat_gateway.example_count[1]": Decimal("10.0"),
        'aws_nat_gateway.example_each["assets"]': Decimal("4.0"),
        'aws_nat_gateway.example_each["media"]': Decimal("2.0"),
    }
    logs = {
        r.address: {c.name: c.quantity for c in r.components}
        for r in est.resources if r.type == "aws_cloudwatch_log_group"
    }
    assert logs == {
        'aws_cloudwatch_log_group.production_logs["assets"]': {
            "Data ingested": Decimal("100.0"), "Archival storage": Decimal("1000.0"),
            "Insights queries data scanned": None,
        },
        'aws_cloudwatch_log_group.production_logs["media"]': {
            "Data ingested": Decimal("1000.0"), "Archival storage": Decimal("1000.0"),
            "Insights queries data scanned": None,
        },
    }
    # 4 x 730 h x $0.045 + (200+10+4+2) GB x $0.045 + logs (1100 GB in x $0.50, 2000 GB x $0.03)
    assert money(est.monthly_after) == "751.12"


def test_every_corpus_plan_is_accounted_for(corpus: Path) -> None:
    """Each managed change is priced, free or unpriced with a reason: never dropped."""
    for path in sorted((corpus / "plans").glob("*.json")):
        if path.stem == "trivy__no_resource_changes":
            continue  # refused on load: its parts disagree
        plan = load_plan(path)
        est = estimate(plan, region="us-east-1")
        managed = {rc.address for rc in plan.resource_changes
                   if rc.mode == "managed" and rc.action != "read" and rc.deposed is None}
        seen = {r.address for r in est.resources} | set(est.free) | {
            u.address for u in est.unpriced
        }
        assert managed <= seen, path.name
        assert all(u.reason for u in est.unpriced), path.name


def _instance(itype: str = "m5.large", **extra: object) -> dict[str, object]:
    return {"ami": "ami-1", "instance_type": itype, **extra}


def test_update_prices_both_sides() -> None:
    plan = make_plan([res("aws_instance.web", _instance("m5.xlarge"), action="update",
                          before=_instance("m5.large"))])
    est = estimate(plan)
    web = est.resource("aws_instance.web")
    assert money(web.monthly_before) == "70.88"  # 730 x 0.096 + 8 GB x 0.10
    assert money(web.monthly_after) == "140.96"  # 730 x 0.192 + 0.80
    assert money(est.monthly_delta) == "70.08"
    assert [(d.component, d.delta) for d in est.drivers()] == [
        ("Instance usage (Linux/UNIX, on-demand, m5.xlarge)", Decimal("140.160")),
        ("Instance usage (Linux/UNIX, on-demand, m5.large)", Decimal("-70.080")),
    ]


@pytest.mark.parametrize(("action", "before", "after"), [
    ("delete", "70.88", "0.00"),
    ("replace", "70.88", "70.88"),
    ("forget", "70.88", "0.00"),
    ("create", "0.00", "70.88"),
])
def test_actions(action: str, before: str, after: str) -> None:
    values = _instance()
    plan = make_plan([res(
        "aws_instance.web",
        None if action in ("delete", "forget") else values,
        action=action,
        before=None if action == "create" else values,
    )])
    web = estimate(plan).resource("aws_instance.web")
    assert (money(web.monthly_before), money(web.monthly_after)) == (before, after)


def test_data_sources_are_not_resources() -> None:
    plan = make_plan([res("data.aws_ami.ubuntu", {"id": "ami-1"}, action="read", mode="data")])
    est = estimate(plan)
    assert (est.resources, est.unpriced, est.free) == ((), (), ())


def test_unknown_values_are_unpriced_with_the_reason() -> None:
    plan = make_plan([
        res("aws_instance.web", {"ami": "ami-1"}),
        res("aws_db_instance.db", {"engine": "mysql", "instance_class": "db.t3.large"}),
        res("aws_ebs_volume.snap", {"snapshot_id": "snap-1"}),
        res("aws_lb.gw", {"load_balancer_type": "gateway"}),
        res("aws_sqs_queue.q", {"name": "q"}),
        res("aws_instance.spot", _instance(instance_market_options=[{"market_type": "spot"}])),
    ])
    est = estimate(plan)
    assert est.resources == ()
    assert {u.address: u.reason for u in est.unpriced} == {
        "aws_instance.web": "instance_type is not known until apply (or not set)",
        "aws_db_instance.db": "allocated_storage is not known until apply (or not set)",
        "aws_ebs_volume.snap": "size is not known until apply (or comes from a snapshot)",
        "aws_lb.gw": "gateway load balancers are not priced",
        "aws_sqs_queue.q": "aws_sqs_queue is not covered by the cost engine",
        "aws_instance.spot": "spot instances have no list price (the spot market sets it)",
    }


def test_missing_price_is_a_gap_not_zero() -> None:
    plan = make_plan([res("aws_instance.big", _instance("x2iedn.32xlarge"))], region="eu-west-1")
    est = estimate(plan)
    big = est.resource("aws_instance.big")
    assert [c.label for c in big.components] == [
        "root_block_device: Storage (general purpose SSD, gp2)"
    ]
    [gap] = est.unpriced
    assert gap.address == "aws_instance.big"
    assert gap.reason == (
        "partly priced: Instance usage (Linux/UNIX, on-demand, x2iedn.32xlarge): no price for "
        "ec2.instance/linux/shared 'x2iedn.32xlarge' in eu-west-1; not in catalog: add it to a "
        "price file (cost.price_file) or use the AWS Price List API (cost.price_source: aws)"
    )


def test_region_comes_from_provider_then_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    no_region = make_plan([res("aws_nat_gateway.n", {"subnet_id": "s"})], region=None)
    [gap] = estimate(no_region).unpriced
    assert gap.reason.startswith("region unknown")
    assert money(estimate(no_region, region="eu-central-1").monthly_after) == "37.96"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert money(estimate(no_region).monthly_after) == "35.04"
    # The plan's provider region wins over the fallback.
    in_plan = make_plan([res("aws_nat_gateway.n", {"subnet_id": "s"})], region="us-east-1")
    assert money(estimate(in_plan, region="eu-central-1").monthly_after) == "32.85"


def test_free_and_non_cloud_resources() -> None:
    plan = make_plan([
        res("aws_security_group.sg", {"name": "sg"}),
        res("aws_iam_role.r", {"name": "r"}),
        res("null_resource.x", {}, provider="registry.terraform.io/hashicorp/null"),
        res("aws_ssm_parameter.std", {"tier": "Standard"}),
        res("aws_ssm_parameter.adv", {"tier": "Advanced"}),
    ])
    est = estimate(plan)
    assert est.free == ("aws_security_group.sg", "aws_iam_role.r", "null_resource.x",
                        "aws_ssm_parameter.std")
    assert [(u.address, u.reason) for u in est.unpriced] == [
        ("aws_ssm_parameter.adv", "Advanced tier parameters are not priced"),
    ]


def test_user_prices_win_over_the_catalog() -> None:
    mine = Catalog({"regions": {"us-east-1": {"vpc.nat_gateway": {"hour": "0.04"}}}}, "mine")
    plan = make_plan([res("aws_nat_gateway.n", {"subnet_id": "s"})])
    est = estimate(plan, prices=PriceBook([mine, shipped()]))
    assert money(est.monthly_after) == "29.20"
    assert est.sources == ("mine", "catalog (2025-01-15)")


def test_sensitive_values_are_read_but_never_need_printing() -> None:
    plan = make_plan([res("aws_db_instance.db", {
        "engine": "postgres", "instance_class": "db.m5.large", "allocated_storage": 100,
        "storage_type": "gp3", "iops": 5000, "multi_az": True, "password": "hunter2-secret",
    }, after_sensitive={"password": True})])
    est = estimate(plan, usage=Usage({"aws_db_instance.db": {"additional_backup_storage_gb": 50}}))
    db = est.resource("aws_db_instance.db")
    assert [(c.label, money(c.monthly)) for c in db.components] == [
        ("Database instance (on-demand, Multi-AZ, db.m5.large, PostgreSQL)", "259.88"),
        ("Storage (general purpose SSD, gp3)", "23.00"),
        ("Provisioned IOPS", "80.00"),
        ("Additional backup storage", "4.75"),
    ]
    assert "hunter2" not in repr(est.to_dict())


def test_values_of_an_unexpected_type_leave_the_resource_unpriced_with_the_reason() -> None:
    """Types no provider writes (a hand-edited plan) are said, not a crash of every gate;
    a negative size is never a negative cost."""
    est = estimate(make_plan([
        res("aws_instance.number", {"ami": "ami-1", "instance_type": 5}),
        res("aws_instance.text_size", {"ami": "ami-1", "instance_type": "m5.large",
                                       "ebs_block_device": [{"volume_size": "big"}]}),
        res("aws_ebs_volume.negative", {"size": -5, "type": "gp2"}),
        res("aws_nat_gateway.fine", {"subnet_id": "s"}),
    ]))
    assert [r.address for r in est.resources] == ["aws_nat_gateway.fine"]
    assert [(u.address, u.reason) for u in est.unpriced] == [
        ("aws_instance.number", "its values cannot be read: one has a type aws_instance does "
         "not have (AttributeError: 'int' object has no attribute 'partition')"),
        ("aws_instance.text_size", "its values cannot be read: one has a type aws_instance does "
         "not have (InvalidOperation: [<class 'decimal.ConversionSyntax'>])"),
        ("aws_ebs_volume.negative",
         "Storage (general purpose SSD, gp2): the plan gives a negative quantity (-5 GB)"),
    ]
