#!/usr/bin/env bash
# The fixed-memory promise (DESIGN.md §2.3): no object in the archive references an allocator,
# exception or RTTI support, or a socket/file call. htpx_core must link against nothing.
#   tests/check-symbols.sh build/libhtpx_core.a            (ctest: symbols)
#   NM=arm-none-eabi-nm tests/check-symbols.sh build-cross-arm-none-eabi/libhtpx_core.a
# Exit status: 0 clean, 1 forbidden references (listed per object), 2 usage or nm failure.
set -euo pipefail

NM="${NM:-nm}"
if [[ $# -ne 1 ]]; then
  echo "usage: [NM=nm] $0 path/to/libhtpx_core.a" >&2
  exit 2
fi
archive="$1"
if [[ ! -f "$archive" ]]; then
  echo "check-symbols: no such archive: $archive" >&2
  exit 2
fi

# Demangled (nm -C) names, as whole-name extended regular expressions.
forbidden=(
  # the heap (newlib's reentrant _malloc_r family included)
  '_?(malloc|calloc|realloc|free|aligned_alloc|posix_memalign|memalign|valloc|pvalloc|reallocarray)(_r)?'
  'strn?dup'
  'operator (new|delete)(\[\])?\(.*'
  # exceptions
  '__cxa_(throw|rethrow|begin_catch|end_catch|allocate_exception|free_exception|call_unexpected)'
  '_Unwind_(Resume|RaiseException|Resume_or_Rethrow)'
  '__gxx_personality.*'
  # libstdc++'s throw helpers: still called under -fno-exceptions (string_view::substr, at(),
  # ...); they throw or abort, and newlib's abort() pulls in signal() and so malloc.
  'std::__throw_.*'
  # RTTI
  '(typeinfo|typeinfo name|vtable) for __cxxabiv1::.*'
  'typeinfo( name)? for .*'
  '__dynamic_cast'
  # sockets, files and name resolution (BSD and lwIP spellings, glibc fortify variants)
  '(lwip_)?(socket|connect|send|recv|sendto|recvfrom|sendmsg|recvmsg|accept|bind|listen|shutdown|setsockopt|getsockopt|poll|select|read|write|close|ioctl|fcntl|fcntl64)'
  '__(read|recv|recvfrom|poll)_chk'
  '(getaddrinfo|freeaddrinfo|gethostbyname|gethostbyname_r|lwip_getaddrinfo|netconn_.*|epoll_.*)'
)
pattern="^($(IFS='|'; echo "${forbidden[*]}"))\$"

errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT
if ! listing="$("$NM" -C --undefined-only "$archive" 2>"$errors")"; then
  echo "check-symbols: $NM failed on $archive:" >&2
  cat "$errors" >&2
  exit 2
fi

# nm prints "member.o:" before each member's undefined symbols ("U name", "w name" or "v name").
report="$(PATTERN="$pattern" awk '
  BEGIN { pattern = ENVIRON["PATTERN"] }
  /^[^ \t].*:$/ { object = substr($0, 1, length($0) - 1); objects++; next }
  /^[ \t]*[Uwv] / {
    name = $0
    sub(/^[ \t]*[Uwv] /, "", name)
    sub(/@.*$/, "", name)                       # symbol versions, if any
    if (name ~ pattern) printf "  %s: %s\n", object, name
  }
  END { printf "objects %d\n", objects }' <<<"$listing")"

objects="$(sed -n 's/^objects //p' <<<"$report")"
offenders="$(grep -v '^objects ' <<<"$report" || true)"

if [[ "$objects" -eq 0 ]]; then
  echo "check-symbols: no objects found in $archive (nothing was checked)" >&2
  exit 2
fi
if [[ -n "$offenders" ]]; then
  echo "check-symbols: FAIL: $archive references forbidden symbols (heap, exceptions, RTTI or I/O):"
  echo "$offenders"
  exit 1
fi
echo "check-symbols: OK: $objects objects in $archive reference no heap, exception, RTTI or I/O symbol"
