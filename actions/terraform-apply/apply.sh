#!/usr/bin/env bash
# Apply exactly the reviewed plan with `pytest-devops terraform apply`: it refuses (one
# line naming the reason) a plan whose binary no longer has the reviewed digest, made
# for another environment or commit, stale, or already applied.
# The job runs in the GitHub environment, after its reviewers approved: that approval is
# the confirmation a protected environment needs.
# Env: ENVIRONMENT, CONFIG, ROOT, PLANS, EXPECTED_DIGEST, GITHUB_OUTPUT.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../_lib/common.sh"

set_output applied false
require_name environment "${ENVIRONMENT:-}"
[[ -n "${EXPECTED_DIGEST:-}" ]] ||
  die missing-digest "no expected-digest given: pass the digest that was reviewed"
require_digest expected-digest "$EXPECTED_DIGEST"
config="${CONFIG:-devops.yaml}"
[[ -f "$config" ]] || die invalid-input "config file not found: $config"
root=()
if [[ -n "${ROOT:-}" ]]; then
  [[ -d "$ROOT" ]] || die invalid-input "root is not a directory: $ROOT"
  root=(--root "$ROOT")
fi
[[ -f "${PLANS:?}/$ENVIRONMENT/tfplan" && -f "$PLANS/$ENVIRONMENT/record.json" ]] ||
  die plan-missing "the plan artifact has no tfplan and record.json"
command -v pytest-devops >/dev/null ||
  die tool-missing "pytest-devops is not on PATH: run the pytest-devops setup action first"

errors="$(mktemp)"
stop_commands
status=0
pytest-devops terraform apply --env "$ENVIRONMENT" --config "$config" "${root[@]}" --dir "$PLANS" \
  --digest "$EXPECTED_DIGEST" --confirm-apply "$ENVIRONMENT" 2> >(tee "$errors" >&2) ||
  status=$?
resume_commands
if [[ "$status" -ne 0 ]]; then
  # The command's own one-line reason (masked by it), as the annotation.
  reason="$(grep -v '^\[ *[0-9.]*s\]' "$errors" | grep -m1 . || true)"
  die refused "${reason:-pytest-devops terraform apply failed for $ENVIRONMENT (exit $status)}"
fi
set_output applied true
set_output digest "$EXPECTED_DIGEST"
