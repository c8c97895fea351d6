# Shared helpers for the pytest-devops composite actions. Source it with
#   . "$GITHUB_ACTION_PATH/../_lib/common.sh"
# Every value that reaches the runner (outputs, env, summary) goes through these
# functions: they never let a value start a workflow command or a new key.
# shellcheck shell=bash

# die REASON MESSAGE: an ::error:: annotation (escaped) and exit 1.
die() {
  local reason="$1"; shift
  printf '::error title=pytest-devops (%s)::%s\n' "$reason" "$(escape_data "$*")"
  exit 1
}

# escape_data TEXT: percent-encode what the runner reads as command syntax
# (%, CR, LF), so a value can never end an annotation and start another command.
escape_data() {
  local s="$1"
  s="${s//'%'/%25}"
  s="${s//$'\r'/%0D}"
  s="${s//$'\n'/%0A}"
  printf '%s' "$s"
}

# _delimiter: a fresh random heredoc delimiter that cannot occur in a value.
_delimiter() {
  printf 'pytest_devops_%s' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
}

# _write_file FILE NAME VALUE: NAME<<DELIM\nVALUE\nDELIM (the runner's multiline form).
_write_file() {
  local file="$1" name="$2" value="$3" delim
  [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_-]*$ ]] || die internal "invalid key name: $name"
  delim="$(_delimiter)"
  while [[ "$value" == *"$delim"* ]]; do delim="$(_delimiter)"; done
  printf '%s<<%s\n%s\n%s\n' "$name" "$delim" "$value" "$delim" >>"$file"
}

# set_output NAME VALUE: a step output.
set_output() { _write_file "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}" "$1" "$2"; }

# set_env NAME VALUE: an environment variable for the job's later steps.
set_env() { _write_file "${GITHUB_ENV:?GITHUB_ENV is not set}" "$1" "$2"; }

# add_path DIR: prepend DIR to PATH for the job's later steps.
add_path() {
  [[ "$1" != *$'\n'* ]] || die internal "path contains a newline"
  printf '%s\n' "$1" >>"${GITHUB_PATH:?GITHUB_PATH is not set}"
}

# require_name WHAT VALUE: VALUE is a plain name (environment, artifact): letters,
# digits, '_', '.', '-'; anything else is refused before it is used anywhere.
require_name() {
  [[ "$2" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$ ]] ||
    die invalid-input "$1 must be letters, digits, '_', '.' or '-' (got $(printf '%q' "$2"))"
}

# require_sha WHAT VALUE: a full 40-hex commit id.
require_sha() {
  [[ "$2" =~ ^[0-9a-f]{40}$ ]] || die invalid-input "$1 must be a 40-hex commit id"
}

# require_digest WHAT VALUE: a plan digest as printed by `pytest-devops plan --format json`.
require_digest() {
  [[ "$2" =~ ^[A-Za-z0-9]+:[0-9a-f]{32,128}$|^[0-9a-f]{32,128}$ ]] ||
    die invalid-input "$1 is not a plan digest"
}

# stop_commands: from here on, the runner ignores workflow commands in the step's
# output (tool output may echo untrusted text); resume_commands turns them back on.
# The token is random per call, so the tool's output cannot guess it.
stop_commands() {
  STOP_TOKEN="$(_delimiter)"
  printf '::stop-commands::%s\n' "$STOP_TOKEN"
}

resume_commands() {
  if [[ -n "${STOP_TOKEN:-}" ]]; then
    printf '::%s::\n' "$STOP_TOKEN"
    STOP_TOKEN=
  fi
}

# plan_digest PLAN_JSON: the plan's digest (the value approvals bind to).
plan_digest() {
  command -v pytest-devops >/dev/null ||
    die tool-missing "pytest-devops is not on PATH: run the pytest-devops setup action first"
  pytest-devops digest "$1"
}

# records ARGS...: write and check plan metadata and verification records.
records() {
  command -v pytest-devops >/dev/null ||
    die tool-missing "pytest-devops is not on PATH: run the pytest-devops setup action first"
  pytest-devops records "$@"
}

# terraform_lifecycle REASON ACTION OUT ARGS...: `pytest-devops terraform ACTION --env
# $ENVIRONMENT --config $CONFIG [--root $ROOT] ARGS...` (both checked first), stdout to OUT
# ("-" for the log); its output cannot issue workflow commands. On failure the command's
# own first line (masked by it) is the ::error annotation, with REASON as its title.
terraform_lifecycle() {
  local reason="$1" action="$2" out="$3" config="${CONFIG:-devops.yaml}" errors line status=0
  shift 3
  [[ -f "$config" ]] || die invalid-input "config file not found: $config"
  local args=(--env "$ENVIRONMENT" --config "$config")
  if [[ -n "${ROOT:-}" ]]; then
    [[ -d "$ROOT" ]] || die invalid-input "root is not a directory: $ROOT"
    args+=(--root "$ROOT")
  fi
  command -v pytest-devops >/dev/null ||
    die tool-missing "pytest-devops is not on PATH: run the pytest-devops setup action first"
  [[ "$out" != - ]] || out=/dev/stdout
  errors="$(mktemp)"
  stop_commands
  pytest-devops terraform "$action" "${args[@]}" "$@" >"$out" 2> >(tee "$errors" >&2) ||
    status=$?
  resume_commands
  if [[ "$status" -ne 0 ]]; then
    line="$(grep -v '^\[ *[0-9.]*s\]' "$errors" | grep -m1 . || true)"
    die "$reason" "${line:-pytest-devops terraform $action failed for $ENVIRONMENT (exit $status)}"
  fi
}
