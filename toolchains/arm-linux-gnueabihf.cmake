# 32-bit Arm Linux, hard float, glibc (Debian g++-arm-linux-gnueabihf; its defaults are ARMv7-A,
# Thumb-2, VFPv3-D16).
#   cmake -S . -B build-cross-arm-linux-gnueabihf -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake \
#         -DCMAKE_BUILD_TYPE=MinSizeRel
# Another install: -DHTPX_ARM_LINUX_GNUEABIHF_PREFIX=/opt/cross/bin/arm-linux-gnueabihf-
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(HTPX_ARM_LINUX_GNUEABIHF_PREFIX "arm-linux-gnueabihf-" CACHE STRING "Compiler prefix (may include a directory)")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES HTPX_ARM_LINUX_GNUEABIHF_PREFIX)  # the compiler checks use it too
set(CMAKE_C_COMPILER "${HTPX_ARM_LINUX_GNUEABIHF_PREFIX}gcc")
set(CMAKE_CXX_COMPILER "${HTPX_ARM_LINUX_GNUEABIHF_PREFIX}g++")

# Debian's multiarch cross sysroot; the target's libraries and headers are found there only.
set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
