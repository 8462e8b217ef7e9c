#!/usr/bin/env bash
# Run a command inside a throw-away desktop-like session: a private D-Bus session bus with an
# unlocked gnome-keyring (Secret Service), a fresh kernel session keyring (keyutils), and an Xvfb
# display. Nothing of it outlives the command.
#   usage: scripts/test-env.sh CMD [ARGS...]
set -euo pipefail
if [[ -z "${TEST_ENV_INNER:-}" ]]; then
  export TEST_ENV_INNER=1
  exec dbus-run-session -- keyctl session - xvfb-run -a -s "-screen 0 1280x800x24" "$0" "$@"
fi
export XDG_RUNTIME_DIR; XDG_RUNTIME_DIR=$(mktemp -d)
export XDG_DATA_HOME; XDG_DATA_HOME=$(mktemp -d)    # keyrings live in $XDG_DATA_HOME/keyrings
export XDG_CONFIG_HOME; XDG_CONFIG_HOME=$(mktemp -d) # the app's profiles: never the developer's own
chmod 700 "$XDG_RUNTIME_DIR"
# Creates (first time) and unlocks the "login" collection with a known password; no prompt.
eval "$(printf '%s' "${KEYRING_PASSWORD:-ci-password}" | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
"$@"
