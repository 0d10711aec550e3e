// htpx: a small curl/httpie for devices, over the htpx client and the POSIX port.
#include <csignal>
#include <cstdio>

#include "args.hpp"
#include "runner.hpp"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout is an error to report, not a silent death
  const htpx_cli::parse_outcome parsed = htpx_cli::parse_args(argc - 1, argv + 1);
  if (parsed.status != htpx_cli::exit_ok) {
    std::fprintf(stderr, "htpx: %s\n", parsed.message.c_str());
    return parsed.status;
  }
  if (parsed.parsed.help) {
    const std::string_view help = htpx_cli::help_text();
    std::fwrite(help.data(), 1, help.size(), stdout);
    return htpx_cli::exit_ok;
  }
  return htpx_cli::run(parsed.parsed);
}
