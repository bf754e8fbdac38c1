#!/usr/bin/env bash
# Installs the Debian 12 packages threathub needs to build, test and run, when any is missing.
# Idempotent and quiet when everything is there. Needs root (or sudo) only to install.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build pkg-config make
  # libraries
  libboost-dev libssl-dev libsqlite3-dev libpq-dev libsodium-dev nlohmann-json3-dev
  libcli11-dev libspdlog-dev libtomlplusplus-dev libabsl-dev libmagic-dev libewf-dev
  libarchive-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core poppler-utils
  libsimdjson-dev libxml2-dev zlib1g-dev wget
  libphonenumber-dev libvectorscan-dev libre2-dev libicu-dev libjpeg62-turbo-dev libpng-dev libwebp-dev libexif-dev
  # tests and tools
  libgtest-dev libgmock-dev sqlite3 postgresql openssl curl ewf-tools python3
  hunspell-ru hunspell-kk imagemagick libjpeg-turbo-progs webp
  # the web application and its browser tests
  nodejs npm chromium
)
# wrk and hashdeep for `make bench` only
if [ "${THREATHUB_BENCH:-0}" = 1 ]; then packages+=(wrk hashdeep time ripgrep grep yara); fi
# clang and its libFuzzer runtime for `make fuzz` only
if [ "${THREATHUB_FUZZ:-0}" = 1 ]; then packages+=(clang libclang-rt-14-dev); fi

missing=()
for package in "${packages[@]}"; do
  # A newer Node.js from elsewhere (e.g. NodeSource) counts as installed.
  if [ "$package" = nodejs ] && command -v node >/dev/null; then continue; fi
  if [ "$package" = npm ] && command -v npm >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
