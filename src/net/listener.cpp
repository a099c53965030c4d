#include "net/listener.hpp"

#include <algorithm>

#include "log/log.hpp"
#include "metrics/metrics.hpp"
#include "net/http_session.hpp"

namespace chat::net {
namespace {

constexpr std::string_view component = "http";

std::string describe(const tcp::endpoint& ep) {
  auto a = ep.address().to_string();
  if (ep.address().is_v6())
    a = "[" + a + "]";
  return a + ":" + std::to_string(ep.port());
}

} // namespace

listener::listener(asio::io_context& ioc, std::shared_ptr<const server_context> ctx)
  : ioc_(ioc), acceptor_(asio::make_strand(ioc)), retry_(acceptor_.get_executor()),
    ctx_(std::move(ctx)) {}

bool listener::open(const tcp::endpoint& ep, std::string* error) {
  beast::error_code ec;
  auto fail = [&](std::string_view what) {
    if (error) {
      if (ec == asio::error::address_in_use)
        *error = "port " + std::to_string(ep.port()) + " in use";
      else
        *error = std::string{what} + " " + describe(ep) + ": " + ec.message();
    }
    beast::error_code ignored;
    acceptor_.close(ignored);
    return false;
  };
  acceptor_.open(ep.protocol(), ec);
  if (ec)
    return fail("cannot open a socket for");
  // Lets a restarted node bind while old connections sit in TIME_WAIT; on
  // Linux it still refuses a port another process listens on.
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec)
    return fail("cannot set SO_REUSEADDR on");
  acceptor_.bind(ep, ec);
  if (ec)
    return fail("cannot bind");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail("cannot listen on");
  return true;
}

void listener::run() {
  asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void listener::stop() {
  asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ec;
    self->acceptor_.close(ec);
    self->retry_.cancel();
  });
}

tcp::endpoint listener::local_endpoint() const {
  beast::error_code ec;
  return acceptor_.local_endpoint(ec);
}

void listener::do_accept() {
  // Each connection gets its own strand, so handlers of one connection never
  // run concurrently even with several I/O threads.
  acceptor_.async_accept(asio::make_strand(ioc_),
                         beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open())
    return; // stopped
  if (ec) {
    // E.g. out of file descriptors (EMFILE/ENFILE): the pending connection
    // stays in the backlog, so retrying at once would spin. Back off,
    // doubling up to a second, until an accept succeeds again.
    backoff_ = std::clamp(backoff_ * 2, std::chrono::milliseconds{10},
                          std::chrono::milliseconds{1000});
    log_throttled(accept_log_, component, "accept failed", ec.message());
    retry_.expires_after(backoff_);
    retry_.async_wait([self = shared_from_this()](beast::error_code e) {
      if (!e && self->acceptor_.is_open())
        self->do_accept();
    });
    return;
  }
  backoff_ = std::chrono::milliseconds{0};
  start_session(std::move(socket));
  do_accept();
}

void listener::start_session(tcp::socket socket) {
  beast::error_code ec;
  connection_slot slot;
  if (ctx_->limits) {
    const char* which = "";
    auto peer = socket.remote_endpoint(ec);
    if (ec)
      return; // already gone
    slot = ctx_->limits->admit(peer.address(), &which);
    if (!slot) {
      // Closed at once, before any TLS or HTTP work: the cheapest refusal.
      metrics::node().http_connections_refused.inc();
      log_throttled(refused_log_, component, "connection refused",
                    std::string{which} + " connection cap reached");
      socket.close(ec);
      return;
    }
  }
  // Without it a request/answer round trip costs ~40 ms (Nagle + delayed ACK).
  socket.set_option(tcp::no_delay(true), ec);
  if (auto tls = ctx_->tls ? ctx_->tls->current() : nullptr)
    std::make_shared<http_session<tls_stream>>(tls_stream{std::move(socket), *tls}, ctx_,
                                               std::move(slot))
      ->run();
  else
    std::make_shared<http_session<plain_stream>>(plain_stream{std::move(socket)}, ctx_,
                                                 std::move(slot))
      ->run();
}

} // namespace chat::net
