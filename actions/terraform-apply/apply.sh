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
[[ -f "${PLANS:?}/$ENVIRONMENT/tfplan" && -f "$PLANS/$ENVIRONMENT/record.json" ]] ||
  die plan-missing "the plan artifact has no tfplan and record.json"
terraform_lifecycle refused apply - --dir "$PLANS" --digest "$EXPECTED_DIGEST" \
  --confirm-apply "$ENVIRONMENT"
set_output applied true
set_output digest "$EXPECTED_DIGEST"
