#!/usr/bin/env bash
# Puts an Apache Kafka broker (its jars, no scripts) under .tools/kafka-<version>/libs (never
# committed), resolved from Maven Central with Maven: the Kafka distribution's download site is
# out of reach here, and the Maven artifacts are the same code. packages/local-infra (kafka.ts)
# runs the broker from there with `java -cp 'libs/*'`.
#   scripts/fetch-kafka.sh              fetch when missing; prints nothing unless it downloads
#   scripts/fetch-kafka.sh --print-dir  the same, then prints the folder (.tools/kafka-<version>)
# KAFKA_VERSION overrides the pinned version (e.g. to compare releases in bench/).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${KAFKA_VERSION:-4.2.2}"
# log4j-slf4j-impl binds the slf4j 1.x API that Kafka logs through to log4j2 (log4j-core comes
# with kafka-server), as the Kafka distribution does.
log4j_version="2.25.5"
home="$root/.tools/kafka-$version"

# The broker is kafka_2.13 (kafka.Kafka, kafka.tools.StorageTool); kafka-tools adds the command-line
# tools (TopicCommand, ProducerPerformance, ...). Its connect-runtime dependency (Jetty, Jersey:
# half the jars) only serves the Connect plugin-path tool, so it is left out.
pom="<project xmlns=\"http://maven.apache.org/POM/4.0.0\">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.notes</groupId>
  <artifactId>kafka-libs</artifactId>
  <version>$version</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$version</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$version</version>
      <exclusions>
        <exclusion>
          <groupId>org.apache.kafka</groupId>
          <artifactId>connect-runtime</artifactId>
        </exclusion>
      </exclusions>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$log4j_version</version>
    </dependency>
  </dependencies>
</project>"

# The pom kept in the folder is the stamp: the folder only ever appears complete (renamed into
# place below), and a changed recipe (version, artifacts) fetches again.
if [ ! -f "$home/pom.xml" ] || [ "$(cat "$home/pom.xml")" != "$pom" ]; then
  echo "fetching Apache Kafka $version from Maven Central into $home" >&2
  mkdir -p "$root/.tools"
  # Fetched beside the final folder and renamed into place, so that an interrupted fetch leaves
  # nothing half-done and two fetches at once (parallel test files) do not write the same jars.
  work="$(mktemp -d "$home.fetching.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  printf '%s\n' "$pom" > "$work/pom.xml"
  # Maven's output (a few terminal escapes even with -q) is shown only when it fails.
  if ! log="$(mvn -q -B -f "$work/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime "-DoutputDirectory=$work/libs" 2>&1)"; then
    echo "$log" >&2
    exit 1
  fi
  # rename(2) through perl: `mv` would move the folder into an existing one, and GNU's `mv -T`
  # is missing from macOS.
  rename_dir() { perl -e 'rename($ARGV[0], $ARGV[1]) or exit 1' "$1" "$2"; }
  if ! rename_dir "$work" "$home"; then
    # Another fetch won the race (nothing to do) or an outdated folder is in the way (replace it).
    if [ "$(cat "$home/pom.xml" 2>/dev/null)" != "$pom" ]; then
      rm -rf "$home"
      rename_dir "$work" "$home"
    fi
  fi
fi
if [ "${1:-}" = "--print-dir" ]; then echo "$home"; fi
