#!/usr/bin/env bash
# Install pytest-devops (and Checkov) into private venvs.
#   setup.sh key      check the inputs; output `key` (what the venvs are built from)
#   setup.sh install  install (or reuse) the venvs; outputs, PATH, PYTEST_DEVOPS_CHECKOV
set -euo pipefail
# By default the package comes from this action's own repository at the same ref
# ($GITHUB_ACTION_PATH/../..), so `@v1` of the actions and of the package are one thing;
# VERSION installs that published version from the package index instead.
# The venvs live in PYTEST_DEVOPS_VENV_DIR when the runner sets it (a persistent directory
# on a self-hosted runner: jobs share them, one installer at a time), else under
# RUNNER_TEMP. A venv whose recorded spec matches is reused (cache hit, shared directory).
# Env: VERSION, EXTRAS, CHECKOV_VERSION, PYTHON, GITHUB_ACTION_PATH, RUNNER_TEMP,
# PYTEST_DEVOPS_VENV_DIR, GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../_lib/common.sh"

: "${RUNNER_TEMP:?RUNNER_TEMP is not set}"
python="${PYTHON:-python3}"
[[ -z "${VERSION:-}" || "$VERSION" =~ ^[0-9]+(\.[0-9]+)*([a-z]+[0-9]+)?$ ]] ||
  die invalid-input "version must be an exact version such as 1.2.3, or empty (this action's own ref)"
[[ -z "${CHECKOV_VERSION:-}" || "$CHECKOV_VERSION" =~ ^[0-9]+(\.[0-9]+)*$ ]] ||
  die invalid-input "checkov-version must be an exact version such as 3.3.30, or empty"
[[ -z "${EXTRAS:-}" || "$EXTRAS" =~ ^[a-z]+(,[a-z]+)*$ ]] ||
  die invalid-input "extras must be comma-separated names such as aws,github"

extras=""
[[ -z "${EXTRAS:-}" ]] || extras="[$EXTRAS]"
if [[ -n "${VERSION:-}" ]]; then
  spec="pytest-devops$extras==$VERSION"
  key="$VERSION"
else
  source="$(cd "$here/../.." && pwd)"
  [[ -f "$source/pyproject.toml" ]] ||
    die invalid-input "this action's repository has no pyproject.toml: set version to a published release"
  # What the package is built from, so a changed source never reuses an older venv.
  key="src-$("$python" - "$source" <<'PY'
import hashlib, os, sys
root = sys.argv[1]
h = hashlib.sha256()
for top in ("pyproject.toml", "README.md", "src"):
    path = os.path.join(root, top)
    files = [path] if os.path.isfile(path) else sorted(
        os.path.join(d, f) for d, dirs, fs in os.walk(path) for f in fs
        if "__pycache__" not in d and ".egg-info" not in d)
    for f in files:
        h.update(os.path.relpath(f, root).encode() + b"\0")
        with open(f, "rb") as fh:
            h.update(hashlib.sha256(fh.read()).digest())
print(h.hexdigest()[:20])
PY
)"
  spec="pytest-devops$extras @ $key"
fi

if [[ "${1:-install}" == key ]]; then
  set_output key "$key-${EXTRAS//,/+}-checkov${CHECKOV_VERSION:-}"
  exit 0
fi

root="${PYTEST_DEVOPS_VENV_DIR:-$RUNNER_TEMP/pytest-devops}"
mkdir -p "$root"
venv="$root/venv-$(printf '%s' "$spec" | sha256sum | cut -c1-12)"

# install VENV SPEC PIP-ARG: create VENV and pip-install PIP-ARG unless VENV already
# holds SPEC. One installer at a time per directory (jobs may share it).
install() {
  local dir="$1" want="$2" arg="$3"
  (
    flock 9
    if [[ -x "$dir/bin/python" && -f "$dir/.spec" && "$(cat "$dir/.spec")" == "$want" ]]; then
      echo "reusing $dir"
      exit 0
    fi
    rm -rf "$dir"
    "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -- "$arg"
    printf '%s' "$want" >"$dir/.spec"
  ) 9>"$root/.lock"
}

if [[ -n "${VERSION:-}" ]]; then
  install "$venv" "$spec" "$spec"
else
  # pip builds in the source tree: build from a private copy, never the action's own files.
  build="$RUNNER_TEMP/pytest-devops-src"
  rm -rf "$build"
  mkdir -p "$build"
  cp -R "$source/pyproject.toml" "$source/README.md" "$source/src" "$build/"
  install "$venv" "$spec" "$build$extras"
fi
set_output python "$venv/bin/python"
set_output bin-dir "$venv/bin"
add_path "$venv/bin"
set_output version "$("$venv/bin/python" -c 'import pytest_devops; print(pytest_devops.__version__)')"

checkov=""
if [[ -n "${CHECKOV_VERSION:-}" ]]; then
  install "$root/checkov-$CHECKOV_VERSION" "checkov==$CHECKOV_VERSION" "checkov==$CHECKOV_VERSION"
  checkov="$root/checkov-$CHECKOV_VERSION/bin/checkov"
  set_env PYTEST_DEVOPS_CHECKOV "$checkov"
fi
set_output checkov "$checkov"
