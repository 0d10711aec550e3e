# 64-bit Arm Linux, glibc (Debian g++-aarch64-linux-gnu).
#   cmake -S . -B build-cross-aarch64-linux-gnu -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake \
#         -DCMAKE_BUILD_TYPE=MinSizeRel
# Another install: -DHTPX_AARCH64_LINUX_GNU_PREFIX=/opt/cross/bin/aarch64-linux-gnu-
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(HTPX_AARCH64_LINUX_GNU_PREFIX "aarch64-linux-gnu-" CACHE STRING "Compiler prefix (may include a directory)")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES HTPX_AARCH64_LINUX_GNU_PREFIX)  # the compiler checks use it too
set(CMAKE_C_COMPILER "${HTPX_AARCH64_LINUX_GNU_PREFIX}gcc")
set(CMAKE_CXX_COMPILER "${HTPX_AARCH64_LINUX_GNU_PREFIX}g++")

# Debian's multiarch cross sysroot; the target's libraries and headers are found there only.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
