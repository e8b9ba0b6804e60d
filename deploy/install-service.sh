#!/usr/bin/env bash
# Install motcua as a service on Debian or Ubuntu (run by `deploy/install.sh --service`):
#   sudo deploy/install.sh --service [--public-url http://192.168.1.10:8000] [--port 8000] [--display] [--kiosk]
# - a system user `motcua`; the code and its .venv in /opt/motcua (owned by root, read-only to
#   the service); the database and its backups in /var/lib/motcua;
# - the settings in /etc/motcua/motcua.env (the public address, the port, the database), and a
#   generated password for `admin`, shown once at the end;
# - the server as the systemd unit motcua-server; with --display and --kiosk, the wall display
#   and the kiosk browser as user units of whoever logs in on this PC's screen;
# - a daily backup (motcua-backup.timer; the newest 14 kept in /var/lib/motcua/backups);
# - `motcua` on the PATH, with the service's settings and as its user (`sudo motcua backup`).
# Run it again from a newer copy of the repository to upgrade in place: the server is stopped,
# the database backed up (/var/lib/motcua/backups), the code replaced, the database migrated
# and the server started again; the settings and the admin password are kept.
# MOTCUA_ROOT=DIR puts every path above under DIR (the tests); MOTCUA_SERVICE_USER another user.
set -euo pipefail
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

port="" public_url="" display=0 kiosk=0
while (($#)); do
    case $1 in
        --public-url) public_url="${2:?--public-url needs an address}"; shift 2 ;;
        --public-url=*) public_url="${1#*=}"; shift ;;
        --port) port="${2:?--port needs a number}"; shift 2 ;;
        --port=*) port="${1#*=}"; shift ;;
        --display) display=1; shift ;;
        --kiosk) kiosk=1; shift ;;
        -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "motcua: unknown option $1 (deploy/install.sh --service --help)" >&2; exit 2 ;;
    esac
done
# Checked here, as they go into the settings file and sed expressions.
address_pattern='^https?://[A-Za-z0-9.:_-]+(/[A-Za-z0-9._~/-]*)?$'
if [[ -n $public_url && ! $public_url =~ $address_pattern ]]; then
    echo "motcua: --public-url must be an http:// or https:// address, like http://192.168.1.10:8000" >&2
    exit 2
fi
if [[ -n $port ]] && { ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); }; then
    echo "motcua: --port must be a TCP port number" >&2
    exit 2
fi

root="${MOTCUA_ROOT:-}"
root="${root%/}"
user="${MOTCUA_SERVICE_USER:-motcua}"
opt="$root/opt/motcua"
etc="$root/etc/motcua"
data="$root/var/lib/motcua"
settings="$etc/motcua.env"
# An upgrade keeps the wall display and the kiosk if they were installed.
if [[ -f $root/etc/systemd/user/motcua-display.service ]]; then display=1; fi
if [[ -f $root/etc/systemd/user/motcua-kiosk.service ]]; then kiosk=1; fi
if [[ -z $root && $(id -u) -ne 0 ]]; then
    echo "motcua: installing a service needs root: sudo deploy/install.sh --service" >&2
    exit 1
fi

# --- the user ---------------------------------------------------------------------------
if ! id -u "$user" > /dev/null 2>&1; then
    # lp and dialout: a ticket printer on this box's USB or serial port.
    groups=""
    for g in lp dialout; do
        if getent group "$g" > /dev/null; then groups+="${groups:+,}$g"; fi
    done
    useradd --system --user-group --home-dir "$data" --no-create-home --shell /usr/sbin/nologin \
        ${groups:+--groups "$groups"} "$user"
    echo "motcua: system user $user created"
fi
group="$(id -gn "$user")"

as_user() {
    if [[ $(id -un) == "$user" ]]; then "$@"; else runuser -u "$user" -- "$@"; fi
}
# A command of the installed motcua with the service's settings, as the service's user.
motcua() {
    (umask 027 && set -a && . "$settings" && set +a && as_user "$opt/.venv/bin/motcua" "$@")
}
have_systemd() {
    command -v systemctl > /dev/null && systemctl daemon-reload 2> /dev/null
}

# --- an upgrade: stop the server, back up its database ------------------------------------
if [[ -x $opt/.venv/bin/motcua && -f $settings ]]; then
    echo "motcua: upgrading the installation in $opt"
    have_systemd && systemctl stop motcua-server || true
    database_url="$(set -a && . "$settings" && echo "${MOTCUA_DATABASE_URL:-}")"
    if [[ $database_url == sqlite:///* && -f ${database_url#sqlite:///} ]]; then
        motcua backup "$data/backups/before-upgrade-$(date -u +%Y%m%d-%H%M%S).db"
    elif [[ $database_url == postgresql* ]] && command -v pg_dump > /dev/null; then
        motcua backup "$data/backups/before-upgrade-$(date -u +%Y%m%d-%H%M%S).dump"  # pg_dump's own format
    elif [[ $database_url != sqlite:* ]]; then
        echo "motcua: no pg_dump yet (postgresql-client): pg_dump the database before an upgrade" >&2
    fi
fi

# --- the code and its .venv ----------------------------------------------------------------
if [[ $source_dir != "$(realpath -m "$opt")" ]]; then
    mkdir -p "$opt"
    parts=(pyproject.toml README.md server kiosk display printer deploy)
    for part in "${parts[@]}"; do rm -rf "${opt:?}/$part"; done  # files gone from the new version go too
    tar -C "$source_dir" --exclude=__pycache__ --exclude='*.pyc' -cf - "${parts[@]}" | tar -C "$opt" --no-same-owner -xf -
fi
# The Debian packages, .venv (reinstalled only when the requirements changed) and voice clips:
# what a plain install does, in /opt/motcua. Never asks anything (CI=1). On the system's PATH:
# the .venv is built on Debian's python3, not on one found first in an admin's own PATH (a
# pyenv under /root, say, which the service's user could not even read).
(cd "$opt" && PATH=/usr/sbin:/usr/bin:/sbin:/bin CI=1 bash deploy/install.sh < /dev/null)
# Compiled once here: the service cannot write into /opt.
"$opt/.venv/bin/python" -m compileall -q "$opt/server" "$opt/printer" "$opt/display" "$opt/kiosk" > /dev/null || true

# --- the settings ------------------------------------------------------------------------------
install -d -m 0755 "$etc"
install -d -m 0750 -o "$user" -g "$group" "$data" "$data/backups"
if [[ ! -f $settings ]]; then
    port="${port:-8000}"
    if [[ -z $public_url ]]; then
        address="$( (hostname -I 2> /dev/null || true) | awk '{print $1}')"
        guess="http://${address:-127.0.0.1}:$port"
        public_url="$guess"
        if [[ -t 0 && -t 1 && -z ${CI:-} ]]; then
            read -r -t 120 -p "motcua: address phones use to reach this server [$guess]: " answer || answer=""
            if [[ -n $answer ]]; then public_url="${answer%/}"; fi
            if [[ ! $public_url =~ $address_pattern ]]; then
                echo "motcua: not an http:// or https:// address; using $guess (change it in $settings)" >&2
                public_url="$guess"
            fi
        fi
    fi
    (
        umask 027
        cat > "$settings" << EOF
# motcua server settings: any MOTCUA_* of server/settings.py (see the README). Read by systemd
# (motcua-server.service) and by the shell (\`motcua\` on the PATH): keep values shell-safe,
# JSON in single quotes. After a change: systemctl restart motcua-server
MOTCUA_DATABASE_URL=sqlite:///$data/motcua.db
# Where citizens' phones reach this server (the QR code on tickets).
MOTCUA_PUBLIC_URL=$public_url
# Where the server listens: every address of this box, so kiosks and consoles on the LAN reach it.
MOTCUA_HOST=0.0.0.0
MOTCUA_PORT=$port
EOF
    )
    chgrp "$group" "$settings"
    echo "motcua: settings written to $settings"
else
    # Kept as they are; only what was given on this command line changes.
    if [[ -n $public_url ]]; then sed -i "s|^MOTCUA_PUBLIC_URL=.*|MOTCUA_PUBLIC_URL=$public_url|" "$settings"; fi
    if [[ -n $port ]]; then sed -i "s|^MOTCUA_PORT=.*|MOTCUA_PORT=$port|" "$settings"; fi
fi
port="$(set -a && . "$settings" && echo "${MOTCUA_PORT:-8000}")"
public_url="$(set -a && . "$settings" && echo "${MOTCUA_PUBLIC_URL:-http://127.0.0.1:$port}")"

# --- the database: migrated; on a new one, the admin account -----------------------------------
migrated="$(motcua migrate)"
password="$(sed -n 's/^admin password (shown once): //p' <<< "$migrated")"

# --- `motcua` on the PATH ----------------------------------------------------------------------
install -d "$root/usr/local/bin"
cat > "$root/usr/local/bin/motcua" << EOF
#!/bin/sh
# motcua with the service's settings ($settings), as its user $user (deploy/install.sh --service).
umask 027
set -a; . "$settings"; set +a
if [ "\$(id -un)" = "$user" ]; then exec "$opt/.venv/bin/motcua" "\$@"; fi
exec runuser -u "$user" -- "$opt/.venv/bin/motcua" "\$@"
EOF
chmod 0755 "$root/usr/local/bin/motcua"

# --- the units ------------------------------------------------------------------------------------
render() {  # the unit as written, with this installation's paths, user and port
    sed -e "s|/opt/motcua|$opt|g" -e "s|/etc/motcua|$etc|g" -e "s|/var/lib/motcua|$data|g" \
        -e "s|%h/motcua|$opt|g" -e "s|^User=motcua$|User=$user|" -e "s|^Group=motcua$|Group=$group|" \
        -e "s|MOTCUA_SERVER=http://127.0.0.1:8000|MOTCUA_SERVER=http://127.0.0.1:$port|" "$1" > "$2"
}
install -d "$root/etc/systemd/system" "$root/etc/systemd/user"
for unit in motcua-server.service motcua-backup.service motcua-backup.timer; do
    render "$opt/deploy/$unit" "$root/etc/systemd/system/$unit"
done
user_units=()
if ((display)); then user_units+=(motcua-display); fi
if ((kiosk)); then user_units+=(motcua-kiosk); fi
for unit in "${user_units[@]}"; do
    render "$opt/deploy/$unit.service" "$root/etc/systemd/user/$unit.service"
done

if have_systemd; then
    systemctl enable motcua-server motcua-backup.timer
    systemctl restart motcua-server motcua-backup.timer
    for unit in "${user_units[@]}"; do
        systemctl --global enable "$unit"  # for every account, started when it logs in
    done
    started="started: systemctl status motcua-server, journalctl -u motcua-server -f"
else
    started="not started: no systemd here; run: motcua serve --host 0.0.0.0 --port $port"
fi

# --- what to do next ------------------------------------------------------------------------------
echo
echo "motcua is installed as a service ($started)."
echo "  address: $public_url  (MOTCUA_PUBLIC_URL in $settings)"
if [[ -n $password ]]; then
    echo "  sign in at $public_url/admin as admin, password: $password"
    echo "  (shown this once and kept nowhere: note it, or set another with sudo motcua user passwd admin)"
else
    echo "  the admin account and its password are unchanged"
fi
echo "  backups: every day (motcua-backup.timer, the newest 14 in $data/backups); one now: sudo motcua backup"
echo "  restore: sudo systemctl stop motcua-server; sudo motcua restore FILE; sudo systemctl start motcua-server"
if ((display)); then
    echo "  wall display: the account logged in on the screen puts its token, from"
    echo "    sudo motcua device add 'Màn hình' --kind display --center CODE, in ~/.config/motcua/display-token"
fi
if ((kiosk)); then
    echo "  kiosk: the account logged in on the screen writes MOTCUA_KIOSK_TOKEN=<token of"
    echo "    sudo motcua device add 'Kiosk' --kind kiosk --center CODE> into ~/.config/motcua/kiosk.env"
fi
if ((display || kiosk)); then
    echo "    then: systemctl --user restart ${user_units[*]}; at boot: an autologin session, or loginctl enable-linger"
fi
echo "Firewall: allow TCP port $port from the center's network only (kiosks, consoles, displays and"
echo "  phones on its Wi-Fi), never from the internet. With ufw:"
echo "  sudo ufw allow from 192.168.1.0/24 to any port $port proto tcp   (your network in place of 192.168.1.0/24)"
