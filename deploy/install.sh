#!/usr/bin/env bash
# Set up motcua on a Debian machine: the system packages it needs, then a virtual environment
# at .venv in the repository root with motcua and its extras. Safe to run again: it only does
# what is missing.
#   deploy/install.sh            everything a center box needs
#   MOTCUA_EXTRAS=all,dev        what `pip install` gets (tests add dev)
#   deploy/install.sh --service  installed as a system service in /opt (deploy/install-service.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ${1:-} == --service ]]; then
    shift
    exec bash deploy/install-service.sh "$@"
fi

extras="${MOTCUA_EXTRAS:-all}"
# System packages, by what needs them (see deploy/packages.txt).
# Those marked `dev` only the tests need: installed only with the dev extras.
dev=0
[[ ,$extras, == *,dev,* ]] && dev=1
mapfile -t packages < <(grep -v '^\s*#' deploy/packages.txt | awk -v dev="$dev" 'NF && ($2 != "dev" || dev) {print $1}')

missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "motcua: installing system packages: ${missing[*]}"
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv
fi
# Reinstall only when the requirements changed.
stamp=".venv/.motcua-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1) $extras"
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extras]"
    echo "$want" > "$stamp"
fi

# Where citizens' phones reach this server (the QR code on tickets): asked only when a person
# runs this in a terminal and nothing is set yet; CI and scripted runs are never held up.
if [[ -t 0 && -t 1 && -z "${CI:-}" && -z "${MOTCUA_PUBLIC_URL:-}" ]] && ! grep -qs '^MOTCUA_PUBLIC_URL=' .env; then
    read -r -t 120 -p "motcua: address phones use to reach this server, like http://192.168.1.10:8000 (Enter to skip): " public_url || public_url=""
    if [[ $public_url =~ ^https?://[^[:space:]]+$ ]]; then
        echo "MOTCUA_PUBLIC_URL=${public_url%/}" >> .env
        echo "motcua: MOTCUA_PUBLIC_URL written to .env"
    elif [[ -n $public_url ]]; then
        echo "motcua: not an http:// or https:// address; set MOTCUA_PUBLIC_URL in .env later" >&2
    fi
fi

# The wall display's voice clips (espeak-ng, offline); recordings already there are kept.
bash deploy/make-voice.sh > /dev/null
