#!/usr/bin/env bash
# Installs the Node.js the functions run on in Lambda (runtime nodejs22.x) where the machine's
# Node is older, for CI and the benchmark: the official Linux build as the npm registry ships
# it (package node-linux-<arch>, checked against the registry's integrity hash), unpacked
# into .cache/. Prints the folder of its `node`, so:
#   PATH="$(bash scripts/lambda-node.sh):$PATH" npm test
set -euo pipefail
VERSION=22.23.3
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "lambda-node: no Node build for $(uname -m)" >&2; exit 1 ;;
esac
cd "$(dirname "$0")/.."
dir=".cache/node-v$VERSION-linux-$arch"
if [ ! -x "$dir/bin/node" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$VERSION" >/dev/null)
  mkdir -p "$dir"
  tar -xzf "$tmp/node-linux-$arch-$VERSION.tgz" -C "$dir" --strip-components=1
fi
echo "lambda-node: $("$dir/bin/node" --version) in $dir" >&2
echo "$PWD/$dir/bin"
