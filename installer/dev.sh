#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what Ferry needs on Debian 12 (only what is missing), builds it, then runs one job:
#   installer/dev.sh playground   two local sites syncing (README's first command)
#   installer/dev.sh test         the whole CI test suite: unit, integration, gui (README's second)
#   installer/dev.sh build        install and build only
# Run as root, or as a user who may use sudo (only apt-get runs through sudo).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
job=${1:-}
case "$job" in
    playground|test|build) shift ;;
    *) echo "usage: installer/dev.sh playground|test|build" >&2; exit 2 ;;
esac

packages=(
    build-essential cmake ninja-build pkg-config ccache git ca-certificates python3 curl
    qt6-base-dev libqt6opengl6-dev qt6-charts-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
    libmariadb-dev libzookeeper-mt-dev libprotobuf-dev protobuf-compiler
    libzstd-dev libdeflate-dev zlib1g-dev libtomlplusplus-dev libsystemd-dev libgtest-dev libgmock-dev
    libssl-dev openssl
    mariadb-server-core mariadb-client zookeeper sysbench percona-toolkit xvfb xauth time
    clang libclang-rt-14-dev
)

install_missing() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "installer/dev.sh: run as root or install sudo" >&2; exit 1; }
        sudo=(sudo)
    fi
    echo "installer/dev.sh: installing ${missing[*]}" >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # --no-install-recommends keeps system-wide servers out: Ferry's tests start their own.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

build() {
    cd "$here"
    cmake --preset release >/dev/null
    cmake --build --preset release
}

install_missing
build

case "$job" in
    build) ;;
    test)
        cd "$here"
        exec ctest --preset release -L 'unit|integration|gui' "$@"
        ;;
    playground)
        exec "$here/installer/playground.sh" "$@"
        ;;
esac
