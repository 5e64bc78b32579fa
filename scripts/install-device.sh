#!/usr/bin/env bash
# Installs the PiChat device daemon on Raspberry Pi OS / Debian, to start at boot under systemd.
#
#   sudo scripts/install-device.sh [options]
#
#   --server-url URL   fill PICHAT_SERVER_URL in a new /etc/pichat/device.env (e.g. ws://pichat.local:8080/ws/device)
#   --token TOKEN      fill PICHAT_DEVICE_TOKEN in a new /etc/pichat/device.env
#   --prefix DIR       install location (default /opt/pichat)
#   --no-start         install and enable, but do not (re)start the service
#   --dry-run          print every action without doing any of it (no root needed)
#   --uninstall        remove it again (scripts/uninstall.sh --device; add --purge there to drop settings and state)
#
# What it does, each step only when needed (safe to run again, e.g. after a git pull):
#   1. Debian packages: nodejs, npm, alsa-utils, gpiod, and the compiler and ALSA headers for the native addons
#   2. the unprivileged system user "pichat", in groups audio and gpio
#   3. builds the checkout if it is not built, then copies the built workspaces to the prefix
#   4. production dependencies of the device workspace only (npm ci --omit=dev -w device -w shared)
#   5. /etc/pichat/device.env from the commented template (an existing one is kept)
#   6. the systemd unit, enabled and started
#
# This file also installs the server when called by scripts/install-server.sh (--component server): the steps are
# the same, for the other workspace.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
component=device
prefix=/opt/pichat
etc_dir=/etc/pichat
unit_dir=/etc/systemd/system
server_url=""
token=""
dry_run=0
start=1
uninstall=0

usage() { sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --component) component="${2:?--component needs device or server}"; shift 2 ;;
    --server-url) server_url="${2:?--server-url needs a URL}"; shift 2 ;;
    --token) token="${2:?--token needs a value}"; shift 2 ;;
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --no-start) start=0; shift ;;
    --dry-run) dry_run=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

case "$component" in
  device)
    unit=pichat-device.service
    packages=(nodejs npm alsa-utils gpiod libasound2-dev python3 make g++)
    groups=(audio gpio)
    ;;
  server)
    unit=pichat-server.service
    packages=(nodejs npm pocketsphinx pocketsphinx-en-us espeak-ng sox python3 make g++)
    groups=()
    ;;
  *) echo "install: --component must be device or server" >&2; exit 2 ;;
esac
env_file="$etc_dir/$component.env"
# Values go into the env file through sed: keep to characters that need no quoting there.
for v in "$server_url" "$token"; do
  if [[ "$v" =~ [^A-Za-z0-9._~:/?=+@%-] ]]; then
    echo "install: --server-url and --token may only contain URL-safe characters" >&2
    exit 2
  fi
done
template="$repo/systemd/$component.env.template"

say() { printf 'install-%s: %s\n' "$component" "$*" >&2; }

# Runs a command, or in a dry run prints it (shell-quoted) instead.
run() {
  if [ "$dry_run" = 1 ]; then
    printf 'would run:'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}

if [ "$uninstall" = 1 ]; then
  args=("--$component" --prefix "$prefix")
  if [ "$dry_run" = 1 ]; then args+=(--dry-run); fi
  exec "$repo/scripts/uninstall.sh" "${args[@]}"
fi

if [ "$dry_run" = 0 ] && [ "$(id -u)" != 0 ]; then
  say "needs root: sudo $0 $* (or --dry-run to see what it would do)"
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "this installer is for Debian and Raspberry Pi OS (apt-get not found)"
  exit 1
fi

# 1. Debian packages.
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  run apt-get update -qq
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "Debian packages present"
fi
if [ "$dry_run" = 0 ] || command -v node >/dev/null 2>&1; then
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    say "Node.js $(node --version) is too old: PiChat needs 20.19 or newer (Raspberry Pi OS Trixie has it; or NodeSource)"
    exit 1
  fi
fi

# 2. The service user.
if id -u pichat >/dev/null 2>&1; then
  say "user pichat exists"
else
  run useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin pichat
fi
for g in "${groups[@]}"; do
  if ! getent group "$g" >/dev/null 2>&1; then
    say "group $g does not exist here: skipped (on Raspberry Pi OS it does; GPIO then needs root or a udev rule)"
  elif id -nG pichat 2>/dev/null | tr ' ' '\n' | grep -qx "$g"; then
    :
  else
    run usermod -a -G "$g" pichat
  fi
done

# 3. Built workspaces, copied to the prefix. The checkout is built first if needed (that needs its dev dependencies).
if [ ! -f "$repo/shared/dist/index.js" ] || [ ! -f "$repo/$component/dist/main.js" ]; then
  say "the checkout is not built: building it"
  run bash -c "cd $(printf '%q' "$repo") && npm ci --no-audit --no-fund && npm run build"
fi
run mkdir -p "$prefix/shared" "$prefix/device" "$prefix/server" "$prefix/web" "$prefix/docs"
run install -m 0644 "$repo/package.json" "$repo/package-lock.json" "$prefix/"
# Every workspace's package.json, so that the lock file matches; dist only of what is installed.
for w in shared device server web; do
  run install -m 0644 "$repo/$w/package.json" "$prefix/$w/package.json"
done
for w in shared "$component"; do
  run rm -rf "$prefix/$w/dist"
  run cp -R "$repo/$w/dist" "$prefix/$w/dist"
done
if [ "$component" = server ]; then
  # The web UI and the recogniser's scoring helper (server/native) travel with the server.
  run rm -rf "$prefix/web/dist" "$prefix/server/native"
  run cp -R "$repo/web/dist" "$prefix/web/dist"
  if [ -d "$repo/server/native/build" ]; then
    run mkdir -p "$prefix/server/native"
    run cp -R "$repo/server/native/build" "$prefix/server/native/build"
  fi
fi
if [ "$component" = device ] && [ -f "$repo/docs/device.md" ]; then
  run install -m 0644 "$repo/docs/device.md" "$prefix/docs/device.md"
fi
if [ "$component" = server ] && [ -f "$repo/README.md" ]; then
  run install -m 0644 "$repo/README.md" "$prefix/README.md"
fi

# 4. Production dependencies of the installed workspaces only (and shared); skipped when neither the lock file nor
# the set of workspaces changed. npm ci starts from an empty node_modules, so a device and a server on one machine
# are installed together.
workspaces=(shared "$component")
for other in device server; do
  if [ "$other" != "$component" ] && [ -f "$prefix/$other/dist/main.js" ]; then workspaces+=("$other"); fi
done
ws_flags=()
for w in "${workspaces[@]}"; do ws_flags+=(-w "$w"); done
stamp="$prefix/node_modules/.pichat-$(printf '%s\n' "${workspaces[@]}" | sort | tr '\n' '-')$(sha256sum "$repo/package-lock.json" | cut -c1-16)"
if [ -f "$stamp" ]; then
  say "production dependencies up to date"
else
  run bash -c "cd $(printf '%q' "$prefix") && npm ci --omit=dev --no-audit --no-fund ${ws_flags[*]}"
  run touch "$stamp"
fi

# 5. Settings: from the template, unless a file is already there (it is the user's).
run mkdir -p "$etc_dir"
if [ -f "$env_file" ]; then
  say "keeping $env_file"
else
  run install -m 0640 -o root -g pichat "$template" "$env_file"
  if [ -n "$server_url" ]; then run sed -i "s|^PICHAT_SERVER_URL=.*|PICHAT_SERVER_URL=$server_url|" "$env_file"; fi
  if [ -n "$token" ]; then run sed -i "s|^PICHAT_DEVICE_TOKEN=.*|PICHAT_DEVICE_TOKEN=$token|" "$env_file"; fi
fi

# 6. The unit: ExecStart points at this machine's node if it is not /usr/bin/node.
node_bin="$(command -v node || echo /usr/bin/node)"
run install -m 0644 "$repo/systemd/$unit" "$unit_dir/$unit"
if [ "$node_bin" != /usr/bin/node ]; then
  run sed -i "s|^ExecStart=/usr/bin/node |ExecStart=$node_bin |" "$unit_dir/$unit"
fi
run systemctl daemon-reload
run systemctl enable "$unit"

if [ "$start" = 0 ]; then
  say "installed and enabled; not started (--no-start)"
elif [ "$component" = device ] && [ "$dry_run" = 0 ] && ! grep -Eq '^PICHAT_DEVICE_TOKEN=.{8,}' "$env_file"; then
  say "installed and enabled, not started: set PICHAT_DEVICE_TOKEN (and PICHAT_SERVER_URL) in $env_file, then"
  say "  sudo systemctl restart $unit"
else
  run systemctl restart "$unit"
  say "started: journalctl -u ${unit%.service} -f"
fi
