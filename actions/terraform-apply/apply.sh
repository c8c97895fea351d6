#!/usr/bin/env bash
# Apply exactly the verified plan file (Terraform itself refuses a stale plan).
# Env: PLAN, WORKING_DIRECTORY, TERRAFORM, GITHUB_OUTPUT.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../_lib/common.sh"

[[ -f "${PLAN:-}" ]] || die plan-missing "no verified plan to apply"
terraform="${TERRAFORM:-terraform}"
cd "${WORKING_DIRECTORY:-.}"
stop_commands
"$terraform" apply -input=false -no-color "$PLAN"
resume_commands
set_output applied true
