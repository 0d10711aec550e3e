#!/usr/bin/env bash
# Checks that check-symbols.sh catches what it promises to catch: each snippet below is built
# into its own temporary archive and must be refused, naming the symbol; a clean archive passes.
#   tests/check-symbols-selftest.sh [c++ compiler] [ar]      (ctest: symbols-selftest)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cxx="${1:-${CXX:-c++}}"
ar="${2:-${AR:-ar}}"
check="$here/check-symbols.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

failures=0
indent() { sed 's/^/     /'; }
# build NAME FLAGS SOURCE: compiles SOURCE into $work/NAME.a with FLAGS.
build() {
  local name="$1" flags="$2" source="$3"
  printf '%s\n' "$source" >"$work/$name.cpp"
  # shellcheck disable=SC2086  # FLAGS is a list of words
  "$cxx" -std=c++17 -O1 $flags -c "$work/$name.cpp" -o "$work/$name.o"
  rm -f "$work/$name.a"
  "$ar" rcs "$work/$name.a" "$work/$name.o"
}
# expect_fail NAME SYMBOL FLAGS SOURCE: check-symbols.sh must exit 1 and name SYMBOL.
expect_fail() {
  local name="$1" symbol="$2" flags="$3" source="$4" output status=0
  build "$name" "$flags" "$source"
  output="$("$check" "$work/$name.a" 2>&1)" || status=$?
  if [[ $status -eq 1 && "$output" == *"$name.o: $symbol"* ]]; then
    echo "ok   $name: refused ($symbol)"
  else
    echo "FAIL $name: expected exit 1 naming '$symbol', got exit $status:"
    indent <<<"$output"
    failures=$((failures + 1))
  fi
}

expect_fail uses-malloc 'malloc' '-fno-exceptions -fno-rtti' '
#include <cstdlib>
void* grab(std::size_t n) { return std::malloc(n); }'

expect_fail uses-free 'free' '-fno-exceptions -fno-rtti' '
#include <cstdlib>
void drop(void* p) { std::free(p); }'

expect_fail uses-new 'operator new(' '-fno-exceptions -fno-rtti' '
int* make() { return new int(42); }'

expect_fail uses-throw '__cxa_throw' '-fexceptions -fno-rtti' '
void boom(int x) { if (x) throw x; }'

expect_fail uses-substr 'std::__throw_out_of_range_fmt' '-fno-exceptions -fno-rtti' '
#include <string_view>
std::string_view tail(std::string_view s, std::size_t n) { return s.substr(n); }'

expect_fail uses-rtti 'vtable for __cxxabiv1::' '-fno-exceptions -frtti' '
struct base { virtual ~base(); };
struct derived : base { ~derived() override; };
derived::~derived() = default;'

expect_fail uses-recv 'recv' '-fno-exceptions -fno-rtti' '
#include <cstddef>
#include <sys/types.h>
extern "C" ssize_t recv(int, void*, std::size_t, int);
long pull(int fd, char* b, std::size_t n) { return recv(fd, b, n, 0); }'

# The same checker must accept an object that only uses what htpx_core may use.
build clean '-fno-exceptions -fno-rtti' '
#include <cstring>
std::size_t length(const char* s) { return std::strlen(s); }'
status=0
output="$("$check" "$work/clean.a" 2>&1)" || status=$?
if [[ $status -eq 0 ]]; then
  echo "ok   clean: accepted"
else
  echo "FAIL clean: expected exit 0, got exit $status:"
  indent <<<"$output"
  failures=$((failures + 1))
fi

# And it must not pass an archive it cannot read.
: >"$work/empty.a"
status=0
"$check" "$work/empty.a" >/dev/null 2>&1 || status=$?
if [[ $status -ne 0 ]]; then
  echo "ok   empty: refused (exit $status)"
else
  echo "FAIL empty: an unreadable archive passed"
  failures=$((failures + 1))
fi

if [[ $failures -ne 0 ]]; then
  echo "check-symbols-selftest: $failures case(s) failed"
  exit 1
fi
echo "check-symbols-selftest: OK"
