#!/usr/bin/env bash
# Set up what the tests need, then run the whole test suite. pytest's "no tests ran" (exit 5)
# is a failure here, like any other.
set -uo pipefail
cd "$(dirname "$0")/.."
MOTCUA_EXTRAS=all,dev bash deploy/install.sh || exit 1
.venv/bin/python -m pytest "$@"
status=$?
if [[ $status -eq 5 ]]; then
    echo "motcua: no tests ran; that is a failure" >&2
    exit 1
fi
exit $status
