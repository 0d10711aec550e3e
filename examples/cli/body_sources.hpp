// The tool's request bodies from files and stdin: the POSIX port's sources
// (port/posix/file_source.hpp), with the tool's error messages.
#pragma once

#include <string>

#include "file_source.hpp"

namespace htpx_cli {

using file_source = htpx::port::posix_file_source;
using stdin_source = htpx::port::posix_fd_source;

/// Opens `path` into `file`. Returns an empty string, or why it failed, for the user.
std::string open_file(file_source& file, const std::string& path);

}  // namespace htpx_cli
