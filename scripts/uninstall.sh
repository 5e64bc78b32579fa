#!/usr/bin/env bash
# Removes what scripts/install-device.sh and scripts/install-server.sh installed.
#
#   sudo scripts/uninstall.sh [--device | --server | --all] [--purge] [--prefix DIR] [--dry-run]
#
#   --device / --server / --all   what to remove (default --all)
#   --purge                       also the settings (/etc/pichat/<part>.env), the state or data directory
#                                 (/var/lib/pichat-device, /var/lib/pichat) and, with nothing left, the user pichat
#   --dry-run                     print every action without doing any of it
#
# Without --purge, settings and data stay, so that installing again picks them up. Debian packages stay too
# (other software may use them). Safe to run again.
set -euo pipefail

prefix=/opt/pichat
etc_dir=/etc/pichat
unit_dir=/etc/systemd/system
parts=()
purge=0
dry_run=0

while [ $# -gt 0 ]; do
  case "$1" in
    --device) parts+=(device); shift ;;
    --server) parts+=(server); shift ;;
    --all) parts=(device server); shift ;;
    --purge) purge=1; shift ;;
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "uninstall: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ ${#parts[@]} -eq 0 ]; then parts=(device server); fi

say() { printf 'uninstall: %s\n' "$*" >&2; }
run() {
  if [ "$dry_run" = 1 ]; then
    printf 'would run:'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}

if [ "$dry_run" = 0 ] && [ "$(id -u)" != 0 ]; then
  say "needs root: sudo $0 $* (or --dry-run to see what it would do)"
  exit 1
fi

for part in "${parts[@]}"; do
  unit="pichat-$part.service"
  if [ -f "$unit_dir/$unit" ]; then
    run systemctl disable --now "$unit"
    run rm -f "$unit_dir/$unit"
  else
    say "$unit is not installed"
  fi
  run rm -rf "$prefix/$part/dist"
  if [ "$purge" = 1 ]; then
    run rm -f "$etc_dir/$part.env"
    if [ "$part" = device ]; then run rm -rf /var/lib/pichat-device; else run rm -rf /var/lib/pichat; fi
  fi
done
run systemctl daemon-reload

# The shared install goes when no part is left.
remaining=0
for other in device server; do
  case " ${parts[*]} " in *" $other "*) continue ;; esac
  if [ -f "$unit_dir/pichat-$other.service" ]; then remaining=1; fi
done
if [ "$remaining" = 0 ]; then
  run rm -rf "$prefix"
  if [ "$purge" = 1 ]; then
    run rmdir --ignore-fail-on-non-empty "$etc_dir"
    if id -u pichat >/dev/null 2>&1; then run userdel pichat; fi
  fi
fi
say "done"
