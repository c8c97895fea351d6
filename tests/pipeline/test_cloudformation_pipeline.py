"""The CloudFormation pipeline (cloudformation.yml) executed with act against moto:
the gated change set is the one executed, with devops.yaml's parameters and tags;
production gets its plan-stage gates before promote; plan-stage change sets that will not
be executed are deleted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
from actrun import Act, ActRun
from github_fake_api import GitHub
from samples import OWNER, REPO, cloudformation_repo, git, pull_request_event, push_event

JOBS = [
    "Change set and gates (staging)",
    "Deploy and verify (staging)",
    "Change set and gates (production)",
    "Promote (production)",
]


def cloudformation(moto_url: str) -> Any:
    return boto3.client(
        "cloudformation",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def change_sets(cfn: Any, stack: str) -> list[tuple[str, str]]:
    return [
        (c["ChangeSetName"], c["ExecutionStatus"])
        for c in cfn.list_change_sets(StackName=stack)["Summaries"]
        if c["StackName"] == stack  # moto lists every stack's change sets
    ]


def executed(run: ActRun, job: str) -> str:
    (line,) = [x for x in run.log(job).splitlines() if x.startswith("executed change set ")]
    return line


def test_a_push_executes_exactly_the_gated_change_sets(
    tmp_path: Path, act: Act, github: GitHub, moto_url: str
) -> None:
    github.protect(OWNER, REPO, "production")
    repo = cloudformation_repo(tmp_path / "repo")
    run = act.run(repo, "push", push_event(git(repo, "rev-parse", "HEAD")), "pipeline.yml")
    assert run.outcomes() == dict.fromkeys(JOBS, "success"), run.raw[-4000:]
    cfn = cloudformation(moto_url)
    for env, retention in (("staging", "7"), ("production", "30")):
        (stack,) = cfn.describe_stacks(StackName=f"shop-{env}")["Stacks"]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        assert stack["Parameters"] == [{"ParameterKey": "Retention", "ParameterValue": retention}]
        assert {t["Key"]: t["Value"] for t in stack["Tags"]} == {
            "owner": "platform",
            "environment": env,
        }
        sets = change_sets(cfn, f"shop-{env}")
        assert [status for _, status in sets] == ["EXECUTE_COMPLETE"], sets
        name = sets[0][0]
        # the change set the gates judged is the one executed
        job = JOBS[1] if env == "staging" else JOBS[3]
        assert executed(run, job).startswith(f"executed change set {name} (sha256:")
    assert "gates for production (plan): pass" in run.log(JOBS[2])
    assert "gates for staging (promote): pass" in run.log(JOBS[3])
    assert "gates for production (promote): pass" in run.log(JOBS[3])
    assert github.lines().count(f"GET /repos/{OWNER}/{REPO}/environments/production") == 1


def test_a_pull_request_deletes_its_change_set(
    tmp_path: Path, act: Act, github: GitHub, moto_url: str
) -> None:
    repo = cloudformation_repo(tmp_path / "repo")
    run = act.run(repo, "pull_request", pull_request_event(7, "a" * 40), "pipeline.yml")
    assert run.outcomes() == {JOBS[0]: "success"}, run.raw[-4000:]
    assert "gates for staging (plan): pass" in run.log(JOBS[0])
    assert "deleted change set" in run.log(JOBS[0])
    stacks = cloudformation(moto_url).list_stacks()["StackSummaries"]
    assert [s["StackStatus"] for s in stacks if s["StackName"] == "shop-staging"] in (
        [],
        ["DELETE_COMPLETE"],
    )
    (comment,) = github.comments[(OWNER, REPO, 7)]
    assert "**pass**" in comment["body"]
