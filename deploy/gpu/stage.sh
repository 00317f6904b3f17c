#!/usr/bin/env bash
# Unpacks TensorFlow's CUDA build (org.tensorflow:tensorflow-core-native:VERSION:linux-x86_64-gpu,
# resolved by `bin/mvn -Pgpu ...`) into deploy/target/images/gpu/tensorflow for Dockerfile.gpu.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION="${TENSORFLOW_VERSION:-1.1.0}"
REPO="${MAVEN_REPO:-$HOME/.m2/repository}"
JAR="$REPO/org/tensorflow/tensorflow-core-native/$VERSION/tensorflow-core-native-$VERSION-linux-x86_64-gpu.jar"
[[ -f "$JAR" ]] || { echo "stage.sh: $JAR not found: run bin/mvn -B -Pgpu,images package -DskipTests first" >&2; exit 1; }
OUT="$ROOT/deploy/target/images/gpu/tensorflow"
rm -rf "$OUT" "$OUT.tmp" && mkdir -p "$OUT.tmp"
(cd "$OUT.tmp" && jar xf "$JAR" org/tensorflow/internal/c_api && find . -name '*.so*' -exec mv {} . \; && rm -rf org)
ls "$OUT.tmp"/libjnitensorflow.so >/dev/null
mv -T "$OUT.tmp" "$OUT"
echo "stage.sh: $(ls "$OUT" | wc -l) files in $OUT ($(du -sm "$OUT" | cut -f1) MB)"
