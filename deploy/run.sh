#!/usr/bin/env bash
# Set everything up and start the server with the embedded SQLite database and a demo center
# on http://127.0.0.1:8000 (pass other `motcua serve` options after it, e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install.sh
exec .venv/bin/motcua serve --demo "$@"
