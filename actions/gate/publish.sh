#!/usr/bin/env bash
# Publish the gate report (summary, annotations, sticky PR comment), then fail the job
# when the outcome is fail or error (unless FAIL is false).
# A reporting channel that fails (comment, SARIF upload) is a warning, never the outcome.
# Env: REPORT, OUTCOME, COMMENT_MODE, FAIL, SARIF_UPLOAD (the upload step's outcome),
# GITHUB_TOKEN, GITHUB_OUTPUT.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../_lib/common.sh"

case "${COMMENT_MODE:-}" in
  "" | always | on-failure | update | never) ;;
  *) die invalid-input "comment-mode must be always, on-failure, update or never" ;;
esac
case "${OUTCOME:-}" in
  pass | fail | error) ;;
  *) die invalid-input "unknown gate outcome" ;;
esac

args=(github publish "$REPORT")
[[ -z "${COMMENT_MODE:-}" ]] || args+=("--comment-mode=$COMMENT_MODE")
status=0
if [[ -f "$REPORT" ]]; then
  pytest-devops "${args[@]}" || status=$?
else
  printf '::error title=pytest-devops::%s\n' "no gate report was written: the gates could not run"
fi
if [[ "$status" -ne 0 ]]; then
  printf '::warning title=pytest-devops::%s\n' "publishing the report failed (exit $status)"
fi
if [[ "${SARIF_UPLOAD:-}" == failure ]]; then
  printf '::warning title=pytest-devops::%s\n' \
    "code scanning refused the SARIF upload (needs security-events write; private repositories need Advanced Security): the gate outcome is unaffected"
fi

if [[ "${FAIL:-true}" == true && "$OUTCOME" != pass ]]; then
  printf '::error title=pytest-devops::%s\n' "gate outcome: $OUTCOME"
  exit 1
fi
