# Cortex-M4F bare metal (GNU Arm Embedded: Debian gcc-arm-none-eabi + libnewlib-arm-none-eabi
# + libstdc++-arm-none-eabi-newlib). Newlib C library; nothing is run on the build machine.
#   cmake -S . -B build-cross-arm-none-eabi -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-none-eabi.cmake \
#         -DCMAKE_BUILD_TYPE=MinSizeRel
# Another install: -DHTPX_ARM_NONE_EABI_PREFIX=/opt/arm-gnu/bin/arm-none-eabi-
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(HTPX_ARM_NONE_EABI_PREFIX "arm-none-eabi-" CACHE STRING "Compiler prefix (may include a directory)")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES HTPX_ARM_NONE_EABI_PREFIX)  # the compiler checks use it too
set(CMAKE_C_COMPILER "${HTPX_ARM_NONE_EABI_PREFIX}gcc")
set(CMAKE_CXX_COMPILER "${HTPX_ARM_NONE_EABI_PREFIX}g++")
set(CMAKE_ASM_COMPILER "${HTPX_ARM_NONE_EABI_PREFIX}gcc")

# No OS to link a test program against: CMake's compiler checks build a static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(HTPX_CORTEX_M4F_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(CMAKE_C_FLAGS_INIT "${HTPX_CORTEX_M4F_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT "${HTPX_CORTEX_M4F_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${HTPX_CORTEX_M4F_FLAGS}")
# Programs (examples, firmware) link newlib-nano with stubbed syscalls and drop unused sections.
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=nano.specs --specs=nosys.specs -Wl,--gc-sections")

# Headers and libraries come from the toolchain's sysroot only; programs from the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
