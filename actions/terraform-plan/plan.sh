#!/usr/bin/env bash
# terraform init + plan + show -json; record the plan's digest and commit beside it.
# Env: ENVIRONMENT, WORKING_DIRECTORY, VAR_FILE, ARTIFACT_NAME, TERRAFORM, GITHUB_SHA,
# RUNNER_TEMP, GITHUB_OUTPUT.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../_lib/common.sh"

: "${RUNNER_TEMP:?RUNNER_TEMP is not set}"
require_name environment "${ENVIRONMENT:-}"
require_sha GITHUB_SHA "${GITHUB_SHA:-}"
artifact="${ARTIFACT_NAME:-terraform-plan-$ENVIRONMENT}"
require_name artifact-name "$artifact"
terraform="${TERRAFORM:-terraform}"
workdir="${WORKING_DIRECTORY:-.}"
[[ -d "$workdir" ]] || die invalid-input "working-directory does not exist"

out="$RUNNER_TEMP/pytest-devops/plan-$ENVIRONMENT"
rm -rf "$out"
mkdir -p "$out"

args=(plan -input=false -lock-timeout=300s "-out=$out/tfplan")
if [[ -n "${VAR_FILE:-}" ]]; then
  [[ -f "$workdir/$VAR_FILE" ]] || die invalid-input "var-file not found in working-directory"
  args+=("-var-file=$VAR_FILE")
fi

cd "$workdir"
stop_commands
"$terraform" init -input=false -no-color
"$terraform" "${args[@]}" -no-color
resume_commands
"$terraform" show -json "$out/tfplan" >"$out/plan.json"

digest="$(plan_digest "$out/plan.json")"
require_digest "plan digest" "$digest"
ENVIRONMENT="$ENVIRONMENT" COMMIT="$GITHUB_SHA" DIGEST="$digest" WORKING_DIRECTORY="$workdir" \
  records plan-meta-write "$out"

set_output digest "$digest"
set_output plan-dir "$out"
set_output plan-json "$out/plan.json"
set_output artifact-name "$artifact"
echo "plan for $ENVIRONMENT: digest $digest"
