#!/usr/bin/env bash
# Check that the downloaded plan is exactly the reviewed one: same environment, same
# binary as when it was made, same digest as reviewed (also when re-shown by Terraform
# from the binary), made from the commit being applied. Refuses with a reason otherwise.
# Env: ENVIRONMENT, PLAN_DIR, EXPECTED_DIGEST, EXPECTED_COMMIT, WORKING_DIRECTORY,
# TERRAFORM, GITHUB_SHA, GITHUB_OUTPUT.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../_lib/common.sh"

# refuse REASON MESSAGE: outputs first (a failed step's outputs are still read), then fail.
refuse() {
  set_output verified false
  set_output reason "$1"
  die "$1" "$2"
}

[[ "${ENVIRONMENT:-}" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$ ]] ||
  refuse invalid-input "environment must be letters, digits, '_', '.' or '-'"
expected_commit="${EXPECTED_COMMIT:-${GITHUB_SHA:-}}"
[[ "$expected_commit" =~ ^[0-9a-f]{40}$ ]] || refuse invalid-input "expected-commit must be a 40-hex commit id"
[[ "${GITHUB_SHA:-}" == "$expected_commit" ]] ||
  refuse commit-changed "the checked-out commit is not expected-commit: check out the reviewed commit"
[[ -n "${EXPECTED_DIGEST:-}" ]] ||
  refuse missing-digest "no expected-digest given: pass the digest that was reviewed"
[[ -d "${PLAN_DIR:-}" && -f "$PLAN_DIR/tfplan" && -f "$PLAN_DIR/plan-meta.json" ]] ||
  refuse plan-missing "the plan artifact has no tfplan and plan-meta.json"
workdir="${WORKING_DIRECTORY:-.}"
[[ -d "$workdir" ]] || refuse invalid-input "working-directory does not exist"
terraform="${TERRAFORM:-terraform}"
plan_dir="$(cd "$PLAN_DIR" && pwd)"

# Cheap checks first (metadata, binary hash), then Terraform's own reading of the plan.
ENVIRONMENT="$ENVIRONMENT" EXPECTED_COMMIT="$expected_commit" EXPECTED_DIGEST="$EXPECTED_DIGEST" \
  records plan-meta-verify "$plan_dir"

stop_commands
if ! (cd "$workdir" && "$terraform" init -input=false -no-color); then
  resume_commands
  refuse terraform-init "terraform init failed in working-directory"
fi
resume_commands
(cd "$workdir" && "$terraform" show -json "$plan_dir/tfplan") >"$plan_dir/shown.json" ||
  refuse plan-unreadable "terraform could not read the plan file"
shown="$(plan_digest "$plan_dir/shown.json")" || refuse plan-unreadable "the re-shown plan has no digest"

ENVIRONMENT="$ENVIRONMENT" EXPECTED_COMMIT="$expected_commit" EXPECTED_DIGEST="$EXPECTED_DIGEST" \
  SHOWN_DIGEST="$shown" records plan-meta-verify "$plan_dir"
set_output plan "$plan_dir/tfplan"
set_output digest "$shown"
echo "plan verified: digest $shown, commit $expected_commit"
