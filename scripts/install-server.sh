#!/usr/bin/env bash
# Installs the PiChat server on Raspberry Pi OS / Debian, to start at boot under systemd.
#
#   sudo scripts/install-server.sh [--prefix DIR] [--no-start] [--dry-run] [--uninstall]
#
# Debian packages (nodejs, npm, pocketsphinx, espeak-ng, sox, build tools), the system user "pichat", the built
# shared and server workspaces copied to /opt/pichat with their production dependencies only
# (npm ci --omit=dev -w server -w shared), /etc/pichat/server.env from a commented template (an existing one is
# kept), data in /var/lib/pichat (systemd StateDirectory), and pichat-server.service enabled and started.
# Idempotent; --dry-run prints every action without doing it; --uninstall runs scripts/uninstall.sh --server.
#
# The steps are those of the device installer, which holds them for both components.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/install-device.sh" --component server "$@"
