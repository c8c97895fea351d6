#!/usr/bin/env bash
# Install pytest-devops (and Checkov) into private venvs under RUNNER_TEMP.
# Env: VERSION, SOURCE, EXTRAS, CHECKOV_VERSION, PYTHON, RUNNER_TEMP, GITHUB_OUTPUT,
# GITHUB_ENV, GITHUB_PATH. A venv whose recorded spec matches is reused (cache hit).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../_lib/common.sh"

: "${RUNNER_TEMP:?RUNNER_TEMP is not set}"
python="${PYTHON:-python3}"
[[ "${VERSION:-}" =~ ^[0-9]+(\.[0-9]+)*([a-z]+[0-9]+)?$ ]] ||
  die invalid-input "version must be an exact version such as 1.2.3"
[[ -z "${CHECKOV_VERSION:-}" || "$CHECKOV_VERSION" =~ ^[0-9]+(\.[0-9]+)*$ ]] ||
  die invalid-input "checkov-version must be an exact version such as 3.3.30, or empty"
[[ -z "${EXTRAS:-}" || "$EXTRAS" =~ ^[a-z]+(,[a-z]+)*$ ]] ||
  die invalid-input "extras must be comma-separated names such as aws,github"

extras=""
[[ -z "${EXTRAS:-}" ]] || extras="[$EXTRAS]"
if [[ -n "${SOURCE:-}" ]]; then
  [[ -d "$SOURCE" ]] || die invalid-input "source is not a directory"
  spec="$(cd "$SOURCE" && pwd)$extras"
else
  spec="pytest-devops$extras==$VERSION"
fi

root="$RUNNER_TEMP/pytest-devops"
venv="$root/venv"

# install VENV SPEC: create VENV and pip-install SPEC unless VENV already holds it.
install() {
  local dir="$1" want="$2"
  if [[ -x "$dir/bin/python" && -f "$dir/.spec" && "$(cat "$dir/.spec")" == "$want" ]]; then
    echo "reusing $dir ($want)"
    return 0
  fi
  rm -rf "$dir"
  "$python" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -- "$want"
  printf '%s' "$want" >"$dir/.spec"
}

install "$venv" "$spec"
set_output python "$venv/bin/python"
set_output bin-dir "$venv/bin"
add_path "$venv/bin"
set_output version "$("$venv/bin/python" -c 'import pytest_devops; print(pytest_devops.__version__)')"

checkov=""
if [[ -n "${CHECKOV_VERSION:-}" ]]; then
  install "$root/checkov-venv" "checkov==$CHECKOV_VERSION"
  checkov="$root/checkov-venv/bin/checkov"
  set_env PYTEST_DEVOPS_CHECKOV "$checkov"
fi
set_output checkov "$checkov"
