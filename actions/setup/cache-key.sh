#!/usr/bin/env bash
# The extras part of the cache key: a key may not contain a comma, so the list is
# joined with '+'. Env: EXTRAS, GITHUB_OUTPUT.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../_lib/common.sh"

set_output extras "${EXTRAS//,/+}"
