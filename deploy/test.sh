#!/usr/bin/env bash
# Set up what the tests need, then run the whole test suite. pytest's "no tests ran" (exit 5)
# is a failure here, like any other.
# Then the same suite again on PostgreSQL, on a throwaway cluster on loopback
# (deploy/postgres.sh), stopped and deleted afterwards; MOTCUA_TEST_POSTGRES=0 leaves it out.
set -uo pipefail
cd "$(dirname "$0")/.."
MOTCUA_EXTRAS=all,dev bash deploy/install.sh || exit 1

suite() {
    .venv/bin/python -m pytest "$@"
    local status=$?
    if [[ $status -eq 5 ]]; then
        echo "motcua: no tests ran; that is a failure" >&2
        return 1
    fi
    return $status
}

suite "$@"
status=$?
if [[ ${MOTCUA_TEST_POSTGRES:-1} == 1 ]]; then
    echo "motcua: the suite again, on PostgreSQL"
    url="$(bash deploy/postgres.sh start)" || exit 1
    trap 'bash deploy/postgres.sh stop' EXIT
    MOTCUA_TEST_DATABASE_URL="$url" suite "$@" || status=1
fi
exit $status
