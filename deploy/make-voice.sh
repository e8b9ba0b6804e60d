#!/usr/bin/env bash
# Build the wall display's voice clips (chime + espeak-ng Vietnamese, and English) into var/voice,
# or $MOTCUA_VOICE_DIR. Clips already there are kept, so a center's recordings survive; pass
# --force to rebuild them all. Each language folder's manifest.json lists what every clip says.
# Clips a new version needs (the number words mười, mươi, trăm, linh, mốt, tư, lăm; "quầy") are
# added on the next run; --force also rebuilds the old default clips without espeak-ng's silences.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${MOTCUA_VOICE_DIR:-var/voice}"
exec .venv/bin/python -m display.voice_build --out "$out" --language vi --language en "$@"
