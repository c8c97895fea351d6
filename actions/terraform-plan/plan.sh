#!/usr/bin/env bash
# Plan one environment exactly as devops.yaml's terraform: section says (working dir,
# binary (terraform or tofu), workspace, backend config, var files, variables), with
# `pytest-devops terraform plan`, which records tfplan, plan.json and record.json.
# Env: ENVIRONMENT, CONFIG, ROOT, ARTIFACT_NAME, RUNNER_TEMP, GITHUB_OUTPUT.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../_lib/common.sh"

: "${RUNNER_TEMP:?RUNNER_TEMP is not set}"
require_name environment "${ENVIRONMENT:-}"
artifact="${ARTIFACT_NAME:-terraform-plan-$ENVIRONMENT}"
require_name artifact-name "$artifact"
plans="$RUNNER_TEMP/pytest-devops/plans"
rm -rf "${plans:?}/$ENVIRONMENT"
mkdir -p "$plans"
record="$RUNNER_TEMP/pytest-devops/plan-record-$ENVIRONMENT.json"
terraform_lifecycle plan-failed plan "$record" --dir "$plans" --format json

digest="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["digest"])' "$record")"
require_digest "plan digest" "$digest"
set_output digest "$digest"
set_output plan-dir "$plans/$ENVIRONMENT"
set_output plan-json "$plans/$ENVIRONMENT/plan.json"
set_output artifact-name "$artifact"
echo "plan for $ENVIRONMENT: digest $digest"
