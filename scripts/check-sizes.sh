#!/usr/bin/env bash
# Fails when a tracked file is over 1 MB, unless it is listed in scripts/large-files.txt (fixtures
# kept on purpose, one path per line). Build outputs belong in .gitignore, not in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=$((1024 * 1024))
allow=scripts/large-files.txt
bad=0
while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue
  size=$(stat -c %s "$f")
  if [ "$size" -gt "$limit" ] && ! { [ -f "$allow" ] && grep -qxF -- "$f" "$allow"; }; then
    echo "tracked file over 1 MB: $f ($size bytes); remove it, ignore it, or list it in $allow" >&2
    bad=1
  fi
done < <(git ls-files -z)
exit "$bad"
