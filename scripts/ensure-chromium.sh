#!/usr/bin/env bash
# Prints the path of a Chromium the browser tests drive (playwright-core, never a downloaded
# browser): CHROMIUM_PATH when set, else /usr/bin/chromium, which Debian's `chromium` package is
# installed for when missing (apt-get, waiting for a dpkg lock another install holds; as root,
# else through sudo). Only the targets that drive a browser call it (make test-browser, test, bench).
#   scripts/ensure-chromium.sh   the executable's path (installs when needed)
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ]; then echo "$CHROMIUM_PATH"; exit 0; fi
path=/usr/bin/chromium
if [ ! -x "$path" ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing Debian's chromium package (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
  $sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
fi
echo "$path"
