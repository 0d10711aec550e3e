#include "body_sources.hpp"

#include <cerrno>
#include <cstring>

namespace htpx_cli {

std::string open_file(file_source& file, const std::string& path) {
  const int failure = file.open(path.c_str());
  if (failure == 0) return {};
  if (failure == EINVAL) return "not a regular file (use --content @- to stream a pipe)";
  return std::strerror(failure);
}

}  // namespace htpx_cli
