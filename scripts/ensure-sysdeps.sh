#!/usr/bin/env bash
# Installs the system packages the tests need (PostgreSQL server, a Java runtime for Spark,
# poppler-utils for rendering PDFs, a headless Chromium and a CJK font for the browser tests),
# or says what to install.
set -euo pipefail

need=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi

# the Spark engine of `shoutu trace` (pyspark 4 runs on Java 17 or later)
if ! command -v java >/dev/null 2>&1; then
  need+=(default-jre-headless)
fi

# pdftoppm: the tests render the first page of the PDFs shoutu writes (bulletins, reports)
if ! command -v pdftoppm >/dev/null 2>&1; then
  need+=(poppler-utils)
fi

# the browser tests: Playwright drives Debian's headless Chromium (never `playwright install`);
# without a CJK font, Chinese renders as boxes
if [ ! -x /usr/bin/chromium-headless-shell ]; then
  need+=(chromium-headless-shell)
fi
if ! ls /usr/share/fonts/truetype/wqy/wqy-microhei.ttc >/dev/null 2>&1; then
  need+=(fonts-wqy-microhei)
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p /usr/share/man/man1  # slim images lack it and the JRE's set-up needs it
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "error: the tests need these system packages: ${need[*]}" >&2
  echo "       install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 2
fi
