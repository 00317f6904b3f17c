#!/usr/bin/env bash
# Stages a service's Quarkus fast-jar (SRC = <service>/target/quarkus-app) for its image, in DEST:
# the same files, except that TensorFlow's native jar keeps only its metadata. Its .so files
# (650 MB unpacked) are in the root filesystem already (rootfs.sh), where JavaCPP finds them on
# java.library.path (org.bytedeco.javacpp.pathsFirst=true), so the image does not carry them twice.
#
#   app.sh SRC DEST
set -euo pipefail
die() { echo "app.sh: $*" >&2; exit 1; }
[[ $# -eq 2 ]] || die "usage: app.sh SRC_QUARKUS_APP DEST"
SRC="$1" DEST="$2"
[[ -f "$SRC/quarkus-run.jar" ]] || die "$SRC/quarkus-run.jar not found: build the service first (bin/mvn -pl <service> -am package)"
JAR_BIN="${JAVA_HOME:+$JAVA_HOME/bin/}jar"
rm -rf "$DEST.tmp"
mkdir -p "$(dirname "$DEST")"
cp -a "$SRC" "$DEST.tmp"
n=0
for jar in "$DEST.tmp"/lib/main/org.tensorflow.tensorflow-core-native-*-linux-x86_64*.jar; do
  [[ -f "$jar" ]] || continue
  work="$(mktemp -d)"
  # Extract everything but the libraries (listed by name: jar has no exclude option).
  "$JAR_BIN" tf "$jar" | grep -v '/$' | grep -v '\.so[.0-9]*$' >"$work.list"
  (cd "$work" && xargs "$JAR_BIN" xf "$jar" <"$work.list" && rm -f "$jar" "$work.list" \
     && "$JAR_BIN" --create --file "$jar" --no-manifest .)
  rm -rf "$work"
  n=$((n + 1))
done
[[ $n -ge 1 ]] || die "no TensorFlow native jar in $SRC/lib/main (expected org.tensorflow.tensorflow-core-native-*-linux-x86_64*.jar)"
rm -rf "$DEST"
mv -T "$DEST.tmp" "$DEST"
echo "app.sh: $DEST ($(du -sm "$DEST" | cut -f1) MB)" >&2
