#!/usr/bin/env bash
# Builds libabcjpeg.so (the JNI JPEG decoder, abc_jpeg.c) for the model module's native-jpeg profile.
#   build.sh JAVA_HOME OUT_DIR
# Links libjpeg-turbo statically when /usr/lib/x86_64-linux-gnu/libjpeg.a links into a shared object (its
# symbols are made local, so the library neither exports nor picks up another libjpeg), else dynamically
# with -ljpeg. Skips the compiler when the library is newer than its sources. CC overrides gcc.
set -euo pipefail

java_home=${1:?usage: build.sh JAVA_HOME OUT_DIR}
out_dir=${2:?usage: build.sh JAVA_HOME OUT_DIR}
src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$src_dir/abc_jpeg.c
out=$out_dir/libabcjpeg.so
cc=${CC:-gcc}
static_lib=${ABC_LIBJPEG_A:-/usr/lib/x86_64-linux-gnu/libjpeg.a}

if [[ -f $out && $out -nt $src && $out -nt ${BASH_SOURCE[0]} ]]; then
  echo "[native-jpeg] $out is up to date"
  exit 0
fi
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "[native-jpeg] ERROR: no C compiler ($cc) but /usr/include/jpeglib.h exists: install gcc," \
       "or build without the native JPEG decoder with -P '!native-jpeg'" >&2
  exit 1
fi
jni_inc=$java_home/include
if [[ ! -f $jni_inc/jni.h ]]; then
  echo "[native-jpeg] ERROR: no $jni_inc/jni.h (is java.home a JDK?); build with -P '!native-jpeg' to skip" >&2
  exit 1
fi

mkdir -p "$out_dir"
tmp=$(mktemp "$out_dir/.libabcjpeg.XXXXXX")
trap 'rm -f "$tmp" "$tmp.o" "$tmp.log"' EXIT
cflags=(-O2 -fPIC -fvisibility=hidden -Wall -Wextra -Wno-format-nonliteral -Wno-clobbered
        -I"$jni_inc" -I"$jni_inc/linux")
ldflags=(-Wl,-z,defs -Wl,-z,noexecstack -Wl,-z,relro -Wl,-z,now)

# Compile errors are errors; only the link step has a fallback. ABC_JPEG_LINK is what info0() reports.
obj=$tmp.o
how=
if [[ -f $static_lib ]]; then
  "$cc" "${cflags[@]}" -DABC_JPEG_LINK='"libjpeg linked statically"' -c -o "$obj" "$src"
  if "$cc" -shared -o "$tmp" "$obj" "$static_lib" "${ldflags[@]}" -Wl,--exclude-libs,ALL 2>"$tmp.log"; then
    how="libjpeg statically linked ($static_lib)"
  else
    echo "[native-jpeg] static link with $static_lib failed, linking -ljpeg dynamically:"
    sed 's/^/[native-jpeg]   /' "$tmp.log" | head -5
  fi
fi
if [[ -z $how ]]; then
  "$cc" "${cflags[@]}" -DABC_JPEG_LINK='"libjpeg linked dynamically"' -c -o "$obj" "$src"
  "$cc" -shared -o "$tmp" "$obj" -ljpeg "${ldflags[@]}"
  how="libjpeg dynamically linked (-ljpeg)"
fi
rm -f "$tmp.log" "$tmp.o"
chmod 0755 "$tmp"
mv -f "$tmp" "$out"
trap - EXIT
echo "[native-jpeg] built $out: $how"
