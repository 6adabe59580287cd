#!/usr/bin/env bash
# Prepare a fresh machine for finbots: a virtualenv with the package, and a Chromium.
# Idempotent: each step is skipped when already done. Used by `make run` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
LOCK=requirements.lock
STAMP=$VENV/.installed-$(cat pyproject.toml "$LOCK" | sha256sum | cut -c1-16)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_install() {
  command -v apt-get >/dev/null || return 1
  if [ -z "${FINBOTS_APT_UPDATED:-}" ]; then as_root apt-get update -qq || return 1; export FINBOTS_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# 1. virtualenv + the locked dependencies (re-installed when pyproject.toml or the lock changes).
#    Every package comes from requirements.lock with its version and SHA-256 pinned, so two
#    machines set up on different days run the same code; `make lock` refreshes the lock.
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$STAMP" ]; then
  echo "setup: installing the locked dependencies ($LOCK) and finbots into $VENV"
  "$VENV/bin/python" -m pip install -q --require-hashes -r "$LOCK"
  "$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e .
  "$VENV/bin/python" scripts/check_lock.py || { echo "setup: $LOCK is out of date" >&2; exit 1; }
  rm -f "$VENV"/.installed-*
  touch "$STAMP"
fi

# 2. a Chromium for Playwright (its own download is not reachable everywhere)
if [ -n "${FINBOTS_CHROMIUM:-}" ]; then
  [ -x "$FINBOTS_CHROMIUM" ] || { echo "setup: FINBOTS_CHROMIUM=$FINBOTS_CHROMIUM is not executable" >&2; exit 1; }
elif ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  echo "setup: installing Chromium"
  apt_install chromium || "$VENV/bin/python" -m playwright install chromium || {
    echo "setup: no Chromium could be installed. Install the Debian package 'chromium'," >&2
    echo "       or run 'playwright install chromium', or set FINBOTS_CHROMIUM to a browser." >&2
    exit 1
  }
fi

# 3. the desktop toolchain (a virtual screen, keyboard/mouse, screenshots, clipboard, OCR)
for pkg in xvfb xdotool x11-utils xclip tesseract-ocr; do
  dpkg -s "$pkg" >/dev/null 2>&1 || DESKTOP_MISSING="${DESKTOP_MISSING:-} $pkg"
done
if [ -n "${DESKTOP_MISSING:-}" ] && command -v apt-get >/dev/null; then
  echo "setup: installing${DESKTOP_MISSING} (desktop automation)"
  # shellcheck disable=SC2086
  apt_install $DESKTOP_MISSING || echo "setup: could not install${DESKTOP_MISSING}; desktop tests will skip" >&2
fi

# 4. the tools of the several-hosts test (network namespaces and a TCP forwarder to PostgreSQL)
for pkg in iproute2 socat; do
  dpkg -s "$pkg" >/dev/null 2>&1 || HOSTS_MISSING="${HOSTS_MISSING:-} $pkg"
done
if [ -n "${HOSTS_MISSING:-}" ] && command -v apt-get >/dev/null; then
  echo "setup: installing${HOSTS_MISSING} (the several-hosts test)"
  # shellcheck disable=SC2086
  apt_install $HOSTS_MISSING || echo "setup: could not install${HOSTS_MISSING}; the several-hosts test will skip" >&2
fi

# 4b. the sandbox's IMAP server (the sandbox runs its own dovecot from its own configuration)
if ! dpkg -s dovecot-imapd >/dev/null 2>&1 && command -v apt-get >/dev/null; then
  echo "setup: installing dovecot-imapd (the sandbox mail server's IMAP)"
  apt_install dovecot-imapd || echo "setup: could not install dovecot-imapd; the sandbox runs without its mail server" >&2
fi

# 5. HTMX for the web UI, from the npm registry, checked against its known digest
HTMX=orchestrator/web/static/vendor/htmx.min.js
HTMX_SHA=e209dda5c8235479f3166defc7750e1dbcd5a5c1808b7792fc2e6733768fb447
if [ ! -f "$HTMX" ] || [ "$(sha256sum "$HTMX" | cut -c1-64)" != "$HTMX_SHA" ]; then
  echo "setup: fetching htmx 2.0.4"
  mkdir -p "$(dirname "$HTMX")"
  tmp=$(mktemp -d)
  curl -fsSL https://registry.npmjs.org/htmx.org/-/htmx.org-2.0.4.tgz | tar xz -C "$tmp" package/dist/htmx.min.js
  [ "$(sha256sum "$tmp/package/dist/htmx.min.js" | cut -c1-64)" = "$HTMX_SHA" ] || { echo "setup: htmx digest mismatch" >&2; exit 1; }
  mv "$tmp/package/dist/htmx.min.js" "$HTMX"; rm -rf "$tmp"
fi

# 6. optional extras asked for by name (e.g. FINBOTS_SETUP_EXTRAS="chromium-driver xvfb")
for pkg in ${FINBOTS_SETUP_EXTRAS:-}; do
  dpkg -s "$pkg" >/dev/null 2>&1 || { echo "setup: installing $pkg"; apt_install "$pkg"; }
done
mkdir -p runs credentials
