#!/usr/bin/env bash
# Sets up whatever is missing to run PiChat from this checkout on a Debian-family machine (Raspberry Pi OS is
# one): the Debian packages of the embedded speech engines and the native audio/GPIO addons, the npm
# dependencies, and the compiled JavaScript. Safe to run again: it only does what is missing.
#
#   scripts/setup.sh            for running the server and the device daemon
#   scripts/setup.sh --test     also what the tests need
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { printf 'setup: %s\n' "$*" >&2; }

# Node.js >= 20.19 (what Raspberry Pi OS Trixie ships).
if ! command -v node >/dev/null 2>&1; then
  say "Node.js is missing: install Node.js 20.19 or newer (sudo apt-get install nodejs npm), then run this again."
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  say "Node.js $(node --version) is too old: PiChat needs 20.19 or newer."
  exit 1
fi

# Debian packages: speech engines (pocketsphinx, espeak-ng), ALSA tools and headers (arecord/aplay, the speaker
# addon), sox (audio conversion), a compiler for native addons.
packages=(pocketsphinx pocketsphinx-en-us espeak-ng sox alsa-utils libasound2-dev python3 make g++)
if [ "$want_test" = 1 ]; then packages+=(shellcheck chromium); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
      say "need root to install: apt-get install ${missing[*]}"; exit 1
    fi
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm dependencies, when package-lock.json changed since the last install.
stamp=node_modules/.pichat-install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

say "building"
npm run --silent build
say "ready"
