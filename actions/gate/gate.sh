#!/usr/bin/env bash
# Run the gates of one environment and stage with pytest; record the outcome.
# Never fails itself on a gate failure: the publish step after it fails the job, so the
# summary, annotations, SARIF and comment are published first.
# Env: ENVIRONMENT, STAGE, WORKING_DIRECTORY, REPORT_PATH, SARIF, PYTEST_ARGS (one
# argument per line), PLAN, CHANGE_SET, PLAN_DIGEST, RECORD, EVIDENCE, GITHUB_SHA, RUNNER_TEMP, GITHUB_OUTPUT.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../_lib/common.sh"

: "${RUNNER_TEMP:?RUNNER_TEMP is not set}"
require_name environment "${ENVIRONMENT:-}"
case "${STAGE:-}" in
  plan | apply | promote | all) ;;
  *) die invalid-input "stage must be plan, apply, promote or all" ;;
esac
workdir="${WORKING_DIRECTORY:-.}"
[[ -d "$workdir" ]] || die invalid-input "working-directory does not exist"
out="$RUNNER_TEMP/pytest-devops/gates-$ENVIRONMENT-$STAGE"
mkdir -p "$out"
report="${REPORT_PATH:-$out/report.json}"
[[ "$report" = /* ]] || report="$PWD/$report"
rm -f "$report"

cmd=(pytest "--devops-env=$ENVIRONMENT" "--devops-report=$report" -p no:cacheprovider)
[[ "$STAGE" == all ]] || cmd+=("--devops-stage=$STAGE")
sarif=""
if [[ "${SARIF:-true}" == true ]]; then
  # Older releases have no SARIF option; look for it in the installed package's source
  # (cheaper than a second pytest start).
  pkg="$(python3 -c 'import os, pytest_devops; print(os.path.dirname(pytest_devops.__file__))' \
    2>/dev/null)" || pkg=""   # not importable by this python3: pytest says what is wrong
  if [[ -n "$pkg" ]] && grep -rqF --include='*.py' -- '"--devops-sarif"' "$pkg"; then
    sarif="$out/gates.sarif"
    rm -f "$sarif"
    cmd+=("--devops-sarif=$sarif")
  else
    echo "this pytest-devops has no --devops-sarif: no SARIF this run"
  fi
fi
evidence=""
if [[ "${EVIDENCE:-false}" == true ]]; then
  evidence="$out/evidence.tgz"
  rm -f "$evidence"
  cmd+=("--devops-evidence=$evidence")
fi
if [[ -n "${PYTEST_ARGS:-}" ]]; then
  while IFS= read -r arg; do
    [[ -n "$arg" ]] && cmd+=("$arg")
  done <<<"$PYTEST_ARGS"
fi

if [[ -n "${CHANGE_SET:-}" ]]; then
  [[ "$CHANGE_SET" =~ ^arn:[A-Za-z0-9:/_.+=@-]+$|^[A-Za-z][A-Za-z0-9-]{0,127}$ ]] ||
    die invalid-input "change-set must be a change set ARN or name"
  export PYTEST_DEVOPS_CHANGE_SET="$CHANGE_SET"
fi
if [[ -n "${PLAN:-}" ]]; then
  [[ -f "$PLAN" ]] || die invalid-input "plan file not found"
  PYTEST_DEVOPS_PLAN="$(cd "$(dirname "$PLAN")" && pwd)/$(basename "$PLAN")"
  export PYTEST_DEVOPS_PLAN
fi

status=0
stop_commands
(cd "$workdir" && exec "${cmd[@]}") || status=$?
resume_commands
outcome="$(python3 - "$report" "$status" <<'PY'
import json, sys
path, status = sys.argv[1], int(sys.argv[2])
try:
    with open(path, encoding="utf-8") as fh:
        outcome = json.load(fh).get("outcome")
except (OSError, ValueError, AttributeError):
    outcome = None
if outcome not in ("pass", "fail", "error"):
    outcome = "error"              # no readable report: the gates could not decide
elif outcome == "pass" and status != 0:
    outcome = "error"              # pytest failed outside the gates (usage, internal error)
print(outcome)
PY
)"

set_output outcome "$outcome"
set_output exit-code "$status"
set_output report "$report"
if [[ -n "$sarif" && -f "$sarif" ]]; then set_output sarif "$sarif"; else set_output sarif ""; fi
if [[ -n "$evidence" ]]; then   # only when asked: the bundle, or empty if none was written
  if [[ -f "$evidence" ]]; then set_output evidence "$evidence"; else set_output evidence ""; fi
fi

record=""
if [[ "${RECORD:-false}" == true ]]; then
  require_sha GITHUB_SHA "${GITHUB_SHA:-}"
  record="$RUNNER_TEMP/pytest-devops/verified-$ENVIRONMENT/verified-$ENVIRONMENT.json"
  ENVIRONMENT="$ENVIRONMENT" STAGE="$STAGE" COMMIT="$GITHUB_SHA" DIGEST="${PLAN_DIGEST:-}" \
    records record-write "$record" "$report"
fi
set_output record "$record"
echo "gates for $ENVIRONMENT ($STAGE): $outcome"
