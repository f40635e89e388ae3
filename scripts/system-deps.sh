#!/usr/bin/env bash
# Debian packages the portal needs: gettext (compilemessages), WeasyPrint's libraries, fonts with
# Cyrillic. Installs what is missing where it can (root with apt), else names it and stops.
set -euo pipefail

# With --test, also what the test suite needs: Debian's chromium for the browser tests.
packages=(gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-paratype fonts-liberation2 fonts-dejavu-core)
if [ "${1:-}" = "--test" ]; then
  packages+=(chromium poppler-utils)
  # pg_dump and pg_restore for the backup drill, when the machine's PostgreSQL did not bring them.
  command -v pg_dump >/dev/null 2>&1 || packages+=(postgresql-client)
fi
# With --bench, the load generator of `make bench`.
if [ "${1:-}" = "--bench" ]; then
  packages+=(wrk)
fi
if ! command -v dpkg-query >/dev/null 2>&1; then
  command -v msgfmt >/dev/null 2>&1 && exit 0
  echo "Нужны системные пакеты: ${packages[*]} (или их аналоги для вашей системы)." >&2
  exit 1
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Устанавливаю системные пакеты: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Не хватает системных пакетов: ${missing[*]}." >&2
  echo "Установите их от имени root: apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
