#!/usr/bin/env bash
# The touchscreen kiosk: Debian's Chromium in kiosk mode, full screen on the kiosk PC, showing
# the center server's /kiosk page signed in with the kiosk's device token.
#   MOTCUA_SERVER=http://192.168.1.10:8000 MOTCUA_KIOSK_TOKEN=<token> deploy/kiosk-launcher.sh
# Run by deploy/motcua-kiosk.service, which starts it again whenever Chromium exits.
# Chromium can reach the server and nothing else: every other host name fails to resolve and
# every other request goes to a proxy that is not there; updates, sync, translation, safe
# browsing and the other phone-home services are off.
set -euo pipefail

server="${MOTCUA_SERVER:-http://127.0.0.1:8000}"
server="${server%/}"
token="${MOTCUA_KIOSK_TOKEN:-}"
chromium="${MOTCUA_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
profile="${MOTCUA_KIOSK_PROFILE:-${XDG_STATE_HOME:-$HOME/.local/state}/motcua-kiosk}"
[[ -n $chromium ]] || { echo "motcua kiosk: chromium not found (apt-get install chromium)" >&2; exit 1; }

hostport="${server#*://}"
hostport="${hostport%%/*}"
host="${hostport%:*}"
port="${hostport##*:}"
[[ $port == "$hostport" || -z $port ]] && { [[ $server == https://* ]] && port=443 || port=80; }

url="$server/kiosk"
[[ -n $token ]] && url+="?token=$token"

# Wait for the server, so the first page is the kiosk and not Chromium's error page. (Once the
# kiosk page is loaded, it rides out a server that goes away by itself.)
until (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; do
    echo "motcua kiosk: waiting for $host:$port" >&2
    sleep 2
done

# A crash or a power cut must not bring up "restore pages?": mark the profile as cleanly closed.
prefs="$profile/Default/Preferences"
if [[ -f $prefs ]]; then
    sed -i 's/"exited_cleanly":false/"exited_cleanly":true/; s/"exit_type":"[A-Za-z]*"/"exit_type":"Normal"/' "$prefs"
fi
mkdir -p "$profile"

# Keep the screen awake when X has the tools for it.
if [[ -n ${DISPLAY:-} ]] && command -v xset >/dev/null; then
    xset s off -dpms s noblank || true
fi

flags=(
    --kiosk
    --user-data-dir="$profile"
    --no-first-run
    --no-default-browser-check
    --noerrdialogs
    --disable-infobars
    --hide-crash-restore-bubble
    --disable-session-crashed-bubble
    --password-store=basic
    # touch: no pinch zoom, no swipe back, no context menus from a long press
    --disable-pinch
    --overscroll-history-navigation=0
    --touch-events=enabled
    # the ticket is read out without a tap in between
    --autoplay-policy=no-user-gesture-required
    # off the internet
    --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE $host"
    --proxy-server="http://127.0.0.1:9"
    --proxy-bypass-list="$host;127.0.0.1;localhost"
    --disable-background-networking
    --disable-component-update
    --disable-sync
    --disable-quic
    --disable-default-apps
    --disable-extensions
    --disable-client-side-phishing-detection
    --safebrowsing-disable-auto-update
    --no-pings
    --dns-prefetch-disable
    --disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,CertificateTransparencyComponentUpdater
    --check-for-update-interval=31536000
)
# Extra flags for this PC (e.g. --force-device-scale-factor=1.25), split on spaces.
read -r -a extra <<< "${MOTCUA_KIOSK_FLAGS:-}"
exec "$chromium" "${flags[@]}" "${extra[@]}" "$url"
