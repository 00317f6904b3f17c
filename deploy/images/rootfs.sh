#!/usr/bin/env bash
# Assembles the root filesystem the three service images are built on (Jib, FROM scratch): a jlink'd
# JRE, the shared libraries it and the native libraries (TensorFlow, DJL tokenizers) link against,
# copied from this machine's Debian packages, TensorFlow's native libraries unpacked at build time,
# CA certificates and a non-root user. No Docker, no registry. See deploy/images/README.md.
#
#   rootfs.sh OUT_DIR TF_NATIVE_JAR DJL_CLASSPATH
#
#   OUT_DIR         where the finished root filesystem goes (replaced atomically)
#   TF_NATIVE_JAR   org.tensorflow:tensorflow-core-native:VERSION:CLASSIFIER jar (CPU or GPU build)
#   DJL_CLASSPATH   a class path with ai.djl:api and ai.djl.huggingface:tokenizers (and their deps):
#                   DJL's own loader unpacks its tokenizer library into the image at build time
#
# Environment: JAVA_HOME (a JDK 17 with jmods; default: the one running `javac`),
# PPRUNING_IMAGE_CACHE (default ~/.cache/ppruning/images): finished root filesystems are cached
# there by a key of everything that goes into them, so a second build copies nothing.
set -euo pipefail

die() { echo "rootfs.sh: $*" >&2; exit 1; }
[[ $# -eq 3 ]] || die "usage: rootfs.sh OUT_DIR TF_NATIVE_JAR DJL_CLASSPATH"
OUT="$1" TF_JAR="$2" DJL_CP="$3"
[[ -f "$TF_JAR" ]] || die "TensorFlow native jar not found: $TF_JAR"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -z "${JAVA_HOME:-}" ]]; then
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
fi
[[ -d "$JAVA_HOME/jmods" ]] || die "$JAVA_HOME has no jmods/ (jlink needs a full JDK: set JAVA_HOME)"
CACHE="${PPRUNING_IMAGE_CACHE:-$HOME/.cache/ppruning/images}"

# Modules of the JRE. jdeps cannot compute them over the services' jars (split and automatic
# modules), so they are listed; the start-from-tarball test proves the set is enough.
#   java.logging, java.management, java.naming, java.sql, java.xml: Quarkus, JBoss logging, Jackson
#   jdk.unsupported: sun.misc.Unsafe for Netty, JavaCPP, protobuf
#   java.security.jgss, java.security.sasl: Kafka clients load their SASL classes even for PLAINTEXT
#   jdk.crypto.ec: TLS to a broker; jdk.zipfs: reading jars as file systems
#   jdk.management: com.sun.management beans for Micrometer's process/JVM metrics
MODULES=java.base,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported,java.security.jgss,java.security.sasl,jdk.crypto.ec,jdk.zipfs,jdk.management,jdk.naming.dns
UID_GID=10001

# --- cache key: everything that decides the content --------------------------------------------
key="$( {
  sha256sum "$HERE/rootfs.sh" "$HERE/NativeCache.java"
  echo "$MODULES"
  cat "$JAVA_HOME/release"
  stat -c '%n %s %Y' "$TF_JAR"
  tr ':' '\n' <<<"$DJL_CP" | grep -i djl | xargs -r stat -c '%n %s %Y'
  dpkg-query -W -f '${Package} ${Version}\n' libc6 libstdc++6 libgcc-s1 zlib1g ca-certificates 2>/dev/null || true
} | sha256sum | cut -c1-16)"
CACHED="$CACHE/rootfs-$key"
if [[ -f "$CACHED/.complete" ]]; then
  echo "rootfs.sh: cached $CACHED" >&2
else
  mkdir -p "$CACHE"
  TMP="$(mktemp -d "$CACHE/.rootfs-XXXXXX")"
  trap 'rm -rf "$TMP"' EXIT
  R="$TMP/root"
  mkdir -p "$R"/{opt,etc,tmp,lib/x86_64-linux-gnu,lib64,models,var/lib/ppruning/home,etc/ssl/certs,usr/share/ppruning}
  t0=$(date +%s)

  # 1. The JRE.
  "$JAVA_HOME/bin/jlink" --module-path "$JAVA_HOME/jmods" --add-modules "$MODULES" \
    --strip-debug --no-header-files --no-man-pages --compress=2 --output "$R/opt/java"
  # Debian's JDK keeps cacerts and other security files as symlinks to /etc: store the files.
  find "$R/opt/java" -type l | while read -r link; do
    target="$(readlink -f "$link")"
    rm "$link"
    [[ -f "$target" ]] && cp "$target" "$link"
  done
  cp /etc/ssl/certs/java/cacerts "$R/opt/java/lib/security/cacerts" 2>/dev/null \
    || [[ -f "$R/opt/java/lib/security/cacerts" ]] || die "no Java CA store (install ca-certificates-java)"

  # 2. TensorFlow's native libraries, unpacked now instead of at container start.
  mkdir -p "$R/opt/ppruning/native/tensorflow"
  (cd "$TMP" && "$JAVA_HOME/bin/jar" xf "$TF_JAR" org/tensorflow/internal/c_api)
  find "$TMP/org/tensorflow/internal/c_api" -name '*.so*' -exec mv {} "$R/opt/ppruning/native/tensorflow/" \;
  [[ -f "$R/opt/ppruning/native/tensorflow/libjnitensorflow.so" ]] || die "no libjnitensorflow.so in $TF_JAR"
  rm -rf "$TMP/org"

  # 3. DJL's tokenizer library, unpacked by DJL's own loader into the directory the image's
  #    DJL_CACHE_DIR names, so the layout is exactly the one DJL looks for.
  DJL_CACHE_DIR="$R/opt/ppruning/native/djl" DJL_OFFLINE=true \
    "$JAVA_HOME/bin/java" -cp "$DJL_CP" "$HERE/NativeCache.java" >"$TMP/djl.log" 2>&1 \
    || { cat "$TMP/djl.log" >&2; die "DJL could not unpack its tokenizer library"; }
  find "$R/opt/ppruning/native/djl" -name 'libtokenizers.so' | grep -q . || die "DJL did not unpack libtokenizers.so"

  # 4. Shared libraries: everything the JRE's and the native libraries' ELF files need, resolved
  #    by the dynamic linker on this machine (Debian packages), copied under their sonames.
  libs="$(find "$R" -type f \( -name '*.so' -o -name '*.so.*' -o -path '*/opt/java/bin/*' \) -print0 \
          | LD_LIBRARY_PATH="$R/opt/java/lib/server:$R/opt/java/lib:$R/opt/ppruning/native/tensorflow" xargs -0 -n 20 ldd 2>/dev/null | awk '/=>/ { print $1, $3 } /ld-linux/ && !/=>/ { print "ld", $1 }' | sort -u)"
  : >"$R/usr/share/ppruning/rootfs-libraries.txt"
  # CUDA and cuDNN (TensorFlow's GPU build, -Pgpu) come from the CUDA base image at run time
  # (deploy/gpu/Dockerfile.gpu); anything else unresolved is an error.
  unresolved="$(awk '$2 == "not" { print $1 }' <<<"$libs")"
  if [[ -n "$unresolved" ]]; then
    other="$(grep -Ev '^lib(cu|nv|nccl)' <<<"$unresolved" || true)"
    [[ -z "$other" ]] || die "unresolved libraries: $(tr '\n' ' ' <<<"$other")"
    sed 's/$/ (from the CUDA base image)/' <<<"$unresolved" >>"$R/usr/share/ppruning/rootfs-libraries.txt"
    libs="$(awk '$2 != "not"' <<<"$libs")"
  fi
  while read -r soname path; do
    case "$path" in "$R"/*) continue ;; esac # our own (JRE, TF) libraries
    if [[ "$soname" == ld ]]; then
      cp -L "$path" "$R/lib64/ld-linux-x86-64.so.2"
      soname="ld-linux-x86-64.so.2"
    fi
    cp -L "$path" "$R/lib/x86_64-linux-gnu/$soname"
    pkg="$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n 1 | cut -d: -f1 || true)"
    [[ -n "$pkg" ]] || pkg="$(dpkg -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1 || true)"
    ver="$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null || echo unknown)"
    echo "$soname ${pkg:-unknown} $ver" >>"$R/usr/share/ppruning/rootfs-libraries.txt"
  done <<<"$libs"
  [[ -f "$R/lib64/ld-linux-x86-64.so.2" ]] || die "no dynamic loader found"

  # 5. CA certificates (PEM bundle for native code), a non-root user, name resolution files.
  cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt" \
    || die "no /etc/ssl/certs/ca-certificates.crt (install ca-certificates)"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nppruning:x:%s:%s:ppruning:/var/lib/ppruning/home:/sbin/nologin\n' \
    "$UID_GID" "$UID_GID" >"$R/etc/passwd"
  printf 'root:x:0:\nppruning:x:%s:\n' "$UID_GID" >"$R/etc/group"
  printf '127.0.0.1 localhost\n::1 localhost\n' >"$R/etc/hosts"
  printf 'hosts: files dns\n' >"$R/etc/nsswitch.conf"

  echo "rootfs.sh: built in $(($(date +%s) - t0)) s, $(du -sm "$R" | cut -f1) MB" >&2
  touch "$R/.complete"
  rm -rf "$CACHED"
  mv -T "$R" "$CACHED"
  rm -rf "$TMP"
  trap - EXIT
  # Keep only the newest few root filesystems.
  ls -1dt "$CACHE"/rootfs-* 2>/dev/null | tail -n +4 | xargs -r rm -rf
fi

# Publish to OUT_DIR as hard links (same file system) or a copy.
rm -rf "$OUT.tmp"
mkdir -p "$(dirname "$OUT")"
cp -al "$CACHED" "$OUT.tmp" 2>/dev/null || cp -a "$CACHED" "$OUT.tmp"
rm -f "$OUT.tmp/.complete"
rm -rf "$OUT"
mv -T "$OUT.tmp" "$OUT"
echo "rootfs.sh: $OUT" >&2
