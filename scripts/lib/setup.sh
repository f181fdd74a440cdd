# Shared by scripts/test and scripts/demo: make a fresh clone ready. Sourced, not run.
#  - Debian packages the tests use (as root: apt-get update once, then apt-get install -y of what is missing)
#  - npm ci when node_modules is missing or older than package-lock.json
#  - the build (dist/node, dist/quickjs)
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

DEB_PACKAGES=(libwbxml2-utils libwbxml2-dev qemu-user-static gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf
  libc6-dev-arm64-cross libc6-dev-armhf-cross libubootenv-tool curl openssl dpkg-dev make gcc socat busybox)

setup_debian() {
  local missing=()
  for p in "${DEB_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "setup: not root, cannot install Debian packages: ${missing[*]} (suites that need them will be skipped)" >&2
    return 0
  fi
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  if ! { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
    echo "setup: apt-get could not install everything; suites that need the missing tools will be skipped" >&2
  fi
}

setup_npm() {
  local stamp=node_modules/.dm-agent-lock
  local want
  want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
}

setup_build() {
  node scripts/build.mjs --quiet
}

setup_all() {
  setup_debian
  setup_npm
  setup_build
}
