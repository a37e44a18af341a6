#!/usr/bin/env bash
# Puts the .proto files of other projects under .tools/proto-deps (never committed):
# - buf/validate/validate.proto from the build.buf:protovalidate jar on Maven Central (the Buf
#   Schema Registry is out of reach here), the version of the @bufbuild/protovalidate runtime;
# - grpc/health/v1/health.proto from the grpc-health-check npm package.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(node -p "require('$root/node_modules/@bufbuild/protovalidate/package.json').version")"
out="$root/.tools/proto-deps"
stamp="$out/.version"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then exit 0; fi
jar_dir="$root/.tools/jars"
mkdir -p "$jar_dir"
jar="$jar_dir/protovalidate-$version.jar"
if [ ! -f "$jar" ]; then
  echo "fetching build.buf:protovalidate:$version from Maven Central" >&2
  mvn -q -B dependency:copy "-Dartifact=build.buf:protovalidate:$version" "-DoutputDirectory=$jar_dir" >&2
fi
rm -rf "$out" && mkdir -p "$out"
(cd "$out" && unzip -q -o "$jar" 'buf/validate/validate.proto')
mkdir -p "$out/grpc/health/v1"
cp "$root/node_modules/grpc-health-check/proto/health/v1/health.proto" "$out/grpc/health/v1/health.proto"
echo "$version" > "$stamp"
