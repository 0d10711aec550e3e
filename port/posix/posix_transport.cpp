// Non-blocking TCP over BSD sockets, names resolved with glibc's getaddrinfo_a (port/README.md;
// the deviations are listed in port/posix/README.md).
#include "posix_transport.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "monotonic_clock.hpp"

namespace htpx::port {
namespace {

constexpr io_result would_block() noexcept { return {io_status::would_block, 0, 0}; }

// In microseconds: whole milliseconds would let an attempt delay end up to 1 ms early.
constexpr std::uint64_t attempt_delay_us = std::uint64_t{posix_transport::attempt_delay_ms} * 1000u;

// 0 when the connect() on `fd` has completed, EINPROGRESS while it runs, else why it failed.
std::int32_t attempt_status(int fd) noexcept {
  pollfd entry{fd, POLLOUT, 0};
  int ready = 0;
  do {
    ready = ::poll(&entry, 1, 0);
  } while (ready < 0 && errno == EINTR);
  if (ready == 0) return EINPROGRESS;
  if (ready < 0) return errno;
  int so_error = 0;
  socklen_t length = sizeof(so_error);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length) != 0) return errno;
  return so_error;
}

// Resolver failures are negative, errno values positive (is_resolver_error()). glibc's EAI_*
// codes are already negative; the negation keeps the rule on libcs whose codes are positive.
constexpr std::int32_t resolver_error(int eai) noexcept { return eai < 0 ? eai : -eai; }

// RFC 6761 §6.3: `localhost` names are the loopback address, resolved without a resolver.
bool is_localhost(std::string_view host) noexcept {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  constexpr std::string_view name = "localhost";
  if (host.size() != name.size()) return false;
  for (std::size_t i = 0; i != name.size(); ++i) {
    const char c = host[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != name[i]) return false;
  }
  return true;
}

// Names glibc cannot take as C strings, and names longer than DNS allows (RFC 1035 §2.3.4).
bool is_acceptable_name(std::string_view host) noexcept {
  std::size_t length = host.size();
  if (length != 0 && host.back() == '.') --length;
  return length != 0 && length <= posix_transport::max_host_length && host.find('\0') == std::string_view::npos;
}

socklen_t address_length(const sockaddr& address) noexcept {
  return address.sa_family == AF_INET6 ? socklen_t{sizeof(sockaddr_in6)} : socklen_t{sizeof(sockaddr_in)};
}

}  // namespace

posix_transport::~posix_transport() {
  close();
  if (!lookup_pending_) return;
  // close() could not cancel the lookup and glibc's thread still writes into lookup_: wait.
  const gaicb* const list[1] = {&lookup_};
  while (gai_error(&lookup_) == EAI_INPROGRESS) (void)gai_suspend(list, 1, nullptr);
  release_lookup();
}

io_result posix_transport::connect(std::string_view host, std::uint16_t port) noexcept {
  switch (state_) {
    case state::idle: port_ = port; return start(host);
    case state::resolving: return continue_lookup();
    case state::connecting: return finish_connect();
    case state::connected: return {};
    case state::failed: return {io_status::error, 0, error_};
  }
  return fail(EINVAL);
}

io_result posix_transport::start(std::string_view host) noexcept {
  // A lookup that close() could not cancel still owns lookup_: the new connection waits for it
  // like for its own resolution (the caller calls again with the same arguments, C-01).
  if (!reap_lookup()) return would_block();
  if (!is_acceptable_name(host)) return fail(resolver_error(EAI_NONAME));
  if (resolve_at_once(host)) return try_next_address(0);
  return start_lookup(host);
}

// Numeric addresses and localhost need no resolver, so connect() never waits for one (P-02).
bool posix_transport::resolve_at_once(std::string_view host) noexcept {
  char text[INET6_ADDRSTRLEN] = {};
  if (host.size() < sizeof(text)) {
    std::memcpy(text, host.data(), host.size());
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    if (inet_pton(AF_INET, text, &v4.sin_addr) == 1) {
      addresses_.add(reinterpret_cast<const sockaddr*>(&v4), sizeof(v4), port_);
      return true;
    }
    if (inet_pton(AF_INET6, text, &v6.sin6_addr) == 1) {
      addresses_.add(reinterpret_cast<const sockaddr*>(&v6), sizeof(v6), port_);
      return true;
    }
  }
  if (!is_localhost(host)) return false;
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_addr = in6addr_loopback;
  addresses_.add(reinterpret_cast<const sockaddr*>(&v4), sizeof(v4), port_);
  addresses_.add(reinterpret_cast<const sockaddr*>(&v6), sizeof(v6), port_);
  return true;
}

io_result posix_transport::start_lookup(std::string_view host) noexcept {
  // glibc keeps pointers to the name and hints until the lookup ends: both live in the object.
  std::memcpy(name_, host.data(), host.size());
  name_[host.size()] = '\0';
  hints_ = addrinfo{};
  hints_.ai_family = AF_UNSPEC;  // no AI_ADDRCONFIG: an unusable family fails fast, the next is tried
  hints_.ai_socktype = SOCK_STREAM;
  hints_.ai_protocol = IPPROTO_TCP;
  lookup_ = gaicb{};
  lookup_.ar_name = name_;
  lookup_.ar_request = &hints_;
  gaicb* list[1] = {&lookup_};
  const int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, nullptr);
  if (rc != 0) return fail(resolver_error(rc));  // EAI_AGAIN, EAI_MEMORY: the lookup never started
  lookup_pending_ = true;
  state_ = state::resolving;
  return continue_lookup();
}

io_result posix_transport::continue_lookup() noexcept {
  const int rc = gai_error(&lookup_);
  if (rc == EAI_INPROGRESS) return would_block();
  if (rc == 0) addresses_.add_answer(lookup_.ar_result, port_);
  release_lookup();
  if (rc != 0) return fail(resolver_error(rc));
  if (addresses_.size() == 0) return fail(resolver_error(EAI_NONAME));  // nothing IPv4 or IPv6 (S-07)
  return try_next_address(0);
}

// Tries the remaining addresses in order until one connects or is in progress; the next starts
// when one fails, or when one is slow (join_race()). `last_error` is the failure so far.
io_result posix_transport::try_next_address(std::int32_t last_error) noexcept {
  while (next_ != addresses_.size()) {
    const std::int32_t rc = open_and_connect(addresses_[next_++]);
    if (rc == 0) return connected();
    if (rc == EINPROGRESS) {
      state_ = state::connecting;
      attempt_started_us_ = monotonic_us();
      return would_block();
    }
    last_error = rc;
  }
  if (earlier_fd_ >= 0) {  // an earlier attempt still runs: the only one left
    adopt_socket(earlier_fd_);
    earlier_fd_ = -1;
    state_ = state::connecting;
    return would_block();
  }
  return fail(last_error != 0 ? last_error : ECONNREFUSED);  // P-03: an error always has a cause
}

// RFC 8305 §5: fd_'s attempt has run for the attempt delay without an answer (a first address
// that drops SYNs would hold the connection until the caller's timeout). It goes on as the
// earlier attempt, an older one is given up (two at a time), and the next address starts on
// fd_'s number (H-01).
io_result posix_transport::join_race() noexcept {
  close_earlier();
  earlier_fd_ = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  if (earlier_fd_ < 0) {  // no descriptor to spare: wait another delay on the one attempt
    attempt_started_us_ = monotonic_us();
    return would_block();
  }
  return try_next_address(0);
}

void posix_transport::close_earlier() noexcept {
  if (earlier_fd_ < 0) return;
  ::close(earlier_fd_);
  earlier_fd_ = -1;
}

std::uint32_t posix_transport::connect_step_ms() const noexcept {
  if (state_ != state::connecting) return no_step;
  std::uint32_t step = no_step;
  if (next_ != addresses_.size()) {
    const std::uint64_t ran = monotonic_us() - attempt_started_us_;
    step = ran >= attempt_delay_us ? 0 : static_cast<std::uint32_t>((attempt_delay_us - ran + 999u) / 1000u);
  }
  if (earlier_fd_ >= 0 && race_poll_ms < step) step = race_poll_ms;
  return step;
}

// Returns 0 when connected, EINPROGRESS while the handshake runs, else the errno value.
std::int32_t posix_transport::open_and_connect(const socket_address& address) noexcept {
  // Non-blocking before connect() (port/README.md, writing a port, step 3).
  const int socket_fd = ::socket(address.any.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (socket_fd < 0) return errno;
  adopt_socket(socket_fd);
  // Requests leave in one write; Nagle would hold the last segment for an ACK. A socket without
  // the option still works, so a failure here is not one.
  const int on = 1;
  (void)::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  if (::connect(fd_, &address.any, address_length(address.any)) == 0) return 0;
  // EINTR: the handshake goes on in the background (POSIX connect()); never call connect again.
  return errno == EINPROGRESS || errno == EINTR ? EINPROGRESS : errno;
}

// The connection keeps one descriptor number across address fallbacks (H-01): the next
// attempt's socket takes the number of the failed one.
void posix_transport::adopt_socket(int socket_fd) noexcept {
  if (fd_ < 0) {
    fd_ = socket_fd;
    return;
  }
  if (::dup3(socket_fd, fd_, O_CLOEXEC) < 0) {  // EINTR, EBUSY: the number changes instead
    ::close(fd_);
    fd_ = socket_fd;
    return;
  }
  ::close(socket_fd);
}

// C-01, C-02: in progress until writable, then SO_ERROR says how it ended.
io_result posix_transport::finish_connect() noexcept {
  // The first attempt to connect wins: an earlier one may finish before fd_'s (RFC 8305 §5).
  if (earlier_fd_ >= 0) {
    const std::int32_t earlier = attempt_status(earlier_fd_);
    if (earlier == 0) {
      adopt_socket(earlier_fd_);  // on the number the caller waits on (H-01)
      earlier_fd_ = -1;
      return connected();
    }
    if (earlier != EINPROGRESS) close_earlier();
  }
  const std::int32_t status = attempt_status(fd_);
  if (status == 0) return connected();
  if (status != EINPROGRESS) return try_next_address(status);
  if (next_ != addresses_.size() && monotonic_us() - attempt_started_us_ >= attempt_delay_us) return join_race();
  return would_block();
}

io_result posix_transport::connected() noexcept {
  close_earlier();  // the race is over
  state_ = state::connected;
  const int flags = ::fcntl(fd_, F_GETFL);
  blocking_ = flags >= 0 && ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK) == 0;
  return {};
}

// Returns true when no lookup owns lookup_ any more (freeing a finished one's result).
bool posix_transport::reap_lookup() noexcept {
  if (!lookup_pending_) return true;
  if (gai_error(&lookup_) == EAI_INPROGRESS) return false;
  release_lookup();
  return true;
}

void posix_transport::release_lookup() noexcept {
  if (lookup_.ar_result != nullptr) ::freeaddrinfo(lookup_.ar_result);
  lookup_.ar_result = nullptr;
  lookup_pending_ = false;
}

io_result posix_transport::fail(std::int32_t sys_error) noexcept {
  state_ = state::failed;
  error_ = sys_error;
  return {io_status::error, 0, sys_error};
}

// A failed connection keeps reporting its first failure (R-04: the OS reports a reset once,
// then recv() == 0, which must not read as an orderly EOF).
io_result posix_transport::fail_io(std::int32_t sys_error) noexcept {
  if (error_ == 0) error_ = sys_error;
  return {io_status::error, 0, error_};
}

io_result posix_transport::send(bytes_view data) noexcept {
  if (state_ != state::connected) return {io_status::error, 0, ENOTCONN};
  if (data.size == 0) return {io_status::error, 0, EINVAL};
  if (error_ != 0) return {io_status::error, 0, error_};
  ssize_t sent = 0;
  do {
    sent = ::send(fd_, data.data, data.size, MSG_NOSIGNAL | MSG_DONTWAIT);  // S-05: EPIPE, never SIGPIPE
  } while (sent < 0 && errno == EINTR);
  if (sent > 0) return {io_status::ok, static_cast<std::size_t>(sent), 0};
  if (sent == 0 || errno == EAGAIN || errno == EWOULDBLOCK) return would_block();  // S-02
  return fail_io(errno);
}

io_result posix_transport::recv(mutable_bytes buffer) noexcept { return receive(buffer, MSG_DONTWAIT); }

io_result posix_transport::recv_wait(mutable_bytes buffer, std::uint32_t timeout_ms) noexcept {
  if (state_ != state::connected) return {io_status::error, 0, ENOTCONN};
  if (!blocking_) return {io_status::would_block, 0, recv_wait_unsupported};
  if (timeout_ms == 0) return receive(buffer, MSG_DONTWAIT);  // SO_RCVTIMEO 0 would mean forever
  if (timeout_ms != receive_timeout_ms_) {
    timeval limit{};
    limit.tv_sec = static_cast<time_t>(timeout_ms / 1000u);
    limit.tv_usec = static_cast<suseconds_t>((timeout_ms % 1000u) * 1000u);
    if (::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit)) != 0) {
      return {io_status::would_block, 0, recv_wait_unsupported};
    }
    receive_timeout_ms_ = timeout_ms;
  }
  return receive(buffer, 0);
}

// recv(2) with `flags`: MSG_DONTWAIT, or 0 to sleep up to SO_RCVTIMEO. A signal during the sleep
// ends it (would_block, as a timeout: the caller looks at its clock and calls again).
io_result posix_transport::receive(mutable_bytes buffer, int flags) noexcept {
  if (state_ != state::connected) return {io_status::error, 0, ENOTCONN};
  if (buffer.size == 0) return {io_status::error, 0, EINVAL};
  // The OS is asked even after a failure: bytes the peer sent before it stay readable (S-04).
  ssize_t got = 0;
  do {
    got = ::recv(fd_, buffer.data, buffer.size, flags);
  } while (got < 0 && errno == EINTR && flags != 0);
  if (got > 0) return {io_status::ok, static_cast<std::size_t>(got), 0};
  if (got == 0) return error_ != 0 ? io_result{io_status::error, 0, error_} : io_result{io_status::closed, 0, 0};
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return would_block();
  return fail_io(errno);
}

void posix_transport::close() noexcept {
  // A lookup glibc cannot cancel any more (EAI_NOTCANCELED) stays pending: the next connect()
  // or the destructor reaps it. A cancelled one is never polled again: glibc 2.36 leaves its
  // gai_error() at EAI_INPROGRESS for ever.
  if (lookup_pending_ && gai_cancel(&lookup_) != EAI_NOTCANCELED) release_lookup();
  if (fd_ >= 0) {
    // No SO_LINGER: close() returns at once and the kernel finishes in the background.
    // Never retried on EINTR: Linux has released the descriptor by then.
    ::close(fd_);
    fd_ = -1;
  }
  close_earlier();
  state_ = state::idle;
  blocking_ = false;
  receive_timeout_ms_ = 0;
  error_ = 0;
  addresses_.clear();
  next_ = 0;
}

}  // namespace htpx::port
