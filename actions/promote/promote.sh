#!/usr/bin/env bash
# Allow promotion only of a commit (and plan digest) whose post-deploy gates passed in
# the previous environment, into an environment protected by required reviewers.
# Env: FROM_ENVIRONMENT, TO_ENVIRONMENT, RECORD, COMMIT, DIGEST, REQUIRE_PROTECTED,
# GITHUB_TOKEN, GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_OUTPUT.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../_lib/common.sh"

case "${REQUIRE_PROTECTED:-true}" in
  true | false) ;;
  *) die invalid-input "require-protected must be true or false" ;;
esac
COMMIT="${COMMIT:-${GITHUB_SHA:-}}" records promote-check "${RECORD:?RECORD is not set}"
echo "promotion allowed: the commit passed the post-deploy gates in the previous environment"
