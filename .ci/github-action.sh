#!/usr/bin/env bash
# The GitHub Action's judging step (action.yml), a script so that the tests run it as
# the Action does: judge a plan or a .tf directory, write SARIF for code scanning and
# Markdown for the job summary, print the text report, and leave the exit code in
# $GITHUB_OUTPUT so the SARIF upload still runs before the job fails.
set -uo pipefail

: "${INPUT_FAIL_ON:=regressions}" "${INPUT_SARIF:=accountguard.sarif}" "${INPUT_PLAN:=}" "${INPUT_DIRECTORY:=}"
: "${INPUT_CONFIG:=}" "${INPUT_TREE:=}" "${GITHUB_STEP_SUMMARY:=/dev/null}" "${GITHUB_OUTPUT:=/dev/null}"
ACCOUNTGUARD="${ACCOUNTGUARD:-accountguard}"

if [[ -n "$INPUT_PLAN" && -z "$INPUT_DIRECTORY" ]]; then
    args=(plan "$INPUT_PLAN" --fail-on "$INPUT_FAIL_ON")
elif [[ -n "$INPUT_DIRECTORY" && -z "$INPUT_PLAN" ]]; then
    args=(hcl "$INPUT_DIRECTORY")
    [[ -n "$INPUT_TREE" ]] && args+=(--tree "$INPUT_TREE")
else
    echo "accountguard: give the action exactly one of 'plan' or 'directory'" >&2
    echo "exit-code=2" >> "$GITHUB_OUTPUT"
    exit 2
fi
[[ -n "$INPUT_CONFIG" ]] && args+=(--config "$INPUT_CONFIG")

summary="$(mktemp)"
trap 'rm -f "$summary"' EXIT
"$ACCOUNTGUARD" "${args[@]}" --output "sarif:$INPUT_SARIF" --output "markdown:$summary"
code=$?
cat "$summary" >> "$GITHUB_STEP_SUMMARY"
echo "exit-code=$code" >> "$GITHUB_OUTPUT"
exit 0
