#include "cluster/gate.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <thread>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "cluster/handshake.hpp"
#include "log/log.hpp"
#include "security/crypto.hpp"

namespace chat::cluster {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
namespace hs = handshake;

namespace {

constexpr auto handshake_timeout = std::chrono::seconds(5);
constexpr std::size_t max_pending_handshakes = 64;

std::string endpoint_text(const tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  return ec ? std::string{"?"} : ep.address().to_string() + ":" + std::to_string(ep.port());
}

/// Detaches the socket for CAF: non-blocking, no Nagle delay.
int release_for_basp(tcp::socket& s) {
  boost::system::error_code ec;
  s.set_option(tcp::no_delay(true), ec);
  int fd = s.release(ec);
  if (ec)
    return -1;
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

} // namespace

struct gate::impl : std::enable_shared_from_this<gate::impl> {
  std::string self_name;
  std::string key;
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  tcp::acceptor acceptor{ioc};
  admitted on_admit;
  std::thread thread;
  std::atomic<std::size_t> pending{0};

  impl(std::string name, std::string k) : self_name(std::move(name)), key(std::move(k)) {}

  void accept_next();
  void admit(tcp::socket socket);
  void dial(std::string host, std::uint16_t port, dialed done);
};

namespace {

/// What both sides of a handshake do: exact reads and writes that end the
/// handshake through `Derived::fail(why)` on any error, a deadline, and the
/// hand-over of the socket once it succeeded.
template <class Derived>
struct handshake_io : std::enable_shared_from_this<Derived> {
  tcp::socket socket;
  asio::steady_timer timer;
  bool finished = false;

  handshake_io(tcp::socket s, asio::io_context& ioc) : socket(std::move(s)), timer(ioc) {}

  template <class Buffer, class Next>
  void read(Buffer buf, std::string why, Next next) {
    asio::async_read(socket, buf, [self = this->shared_from_this(), why = std::move(why),
                                   next = std::move(next)](boost::system::error_code ec, std::size_t) mutable {
      if (ec)
        return self->fail(std::move(why));
      next();
    });
  }

  template <class Buffer, class Next>
  void write(Buffer buf, std::string why, Next next) {
    asio::async_write(socket, buf, [self = this->shared_from_this(), why = std::move(why),
                                    next = std::move(next)](boost::system::error_code ec, std::size_t) mutable {
      if (ec)
        return self->fail(std::move(why));
      next();
    });
  }

  void arm_deadline() {
    timer.expires_after(handshake_timeout);
    timer.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      if (!ec)
        self->fail("handshake timed out");
    });
  }

  /// Ends the handshake once: false if it already ended.
  bool end() {
    if (finished)
      return false;
    finished = true;
    timer.cancel();
    return true;
  }

  void close() {
    boost::system::error_code ec;
    socket.close(ec);
  }
};

/// One inbound handshake: greeting out, proof in, our proof out.
struct inbound : handshake_io<inbound> {
  std::shared_ptr<gate::impl> owner;
  std::string remote;
  std::string server_nonce;
  std::string greeting;
  std::array<char, hs::magic.size() + hs::nonce_size + 1> head{};
  std::string tail;
  std::string reply;

  inbound(std::shared_ptr<gate::impl> o, tcp::socket s)
    : handshake_io(std::move(s), o->ioc), owner(std::move(o)), remote(endpoint_text(socket)) {}

  void fail(std::string why) {
    if (!end())
      return;
    close();
    --owner->pending;
    log::warn("cluster", "peer rejected at the cluster port",
              {{"remote", remote}, {"reason", std::move(why)}});
  }

  void start() {
    arm_deadline();
    server_nonce = security::random_bytes(hs::nonce_size);
    greeting = std::string(hs::magic) + server_nonce;
    write(asio::buffer(greeting), "connection lost", [this] {
      read(asio::buffer(head), "connection lost during handshake", [this] { on_head(); });
    });
  }

  void on_head() {
    if (std::string_view(head.data(), hs::magic.size()) != hs::magic)
      return fail("not a cluster peer");
    auto name_len = static_cast<unsigned char>(head.back());
    if (name_len == 0 || name_len > hs::max_name)
      return fail("bad name length");
    tail.resize(name_len + hs::mac_size);
    read(asio::buffer(tail), "connection lost during handshake", [this] { verify(); });
  }

  void verify() {
    std::string_view client_nonce(head.data() + hs::magic.size(), hs::nonce_size);
    std::string_view name(tail.data(), tail.size() - hs::mac_size);
    std::string_view mac(tail.data() + name.size(), hs::mac_size);
    auto expected = hs::client_mac(owner->key, server_nonce, client_nonce, name);
    if (!hs::valid_name(name) || !security::constant_time_equal(expected, mac))
      return fail("wrong cluster secret");
    reply = hs::server_mac(owner->key, server_nonce, client_nonce);
    write(asio::buffer(reply), "connection lost during handshake", [this, peer = std::string(name)] {
      if (!end())
        return;
      --owner->pending;
      int fd = release_for_basp(socket);
      if (fd < 0)
        return;
      log::info("cluster", "peer admitted", {{"remote", remote}, {"peer", peer}});
      owner->on_admit(fd, peer);
    });
  }
};

/// One outbound handshake towards a peer.
struct outbound : handshake_io<outbound> {
  std::shared_ptr<gate::impl> owner;
  tcp::resolver resolver;
  gate::dialed done;
  std::array<char, hs::greeting_size> greeting{};
  std::string server_nonce;
  std::string client_nonce;
  std::string hello;
  std::array<char, hs::mac_size> proof{};

  outbound(std::shared_ptr<gate::impl> o, gate::dialed d)
    : handshake_io(tcp::socket{o->ioc}, o->ioc), owner(std::move(o)), resolver(owner->ioc),
      done(std::move(d)) {}

  void fail(std::string why) {
    if (!end())
      return;
    close();
    resolver.cancel();
    done(-1, std::move(why));
  }

  void start(const std::string& host, std::uint16_t port) {
    arm_deadline();
    auto self = shared_from_this();
    resolver.async_resolve(host, std::to_string(port),
                           [self](boost::system::error_code ec, tcp::resolver::results_type rs) {
                             if (ec)
                               return self->fail("cannot resolve: " + ec.message());
                             asio::async_connect(self->socket, rs,
                                                 [self](boost::system::error_code ec, const tcp::endpoint&) {
                                                   if (ec)
                                                     return self->fail(ec.message());
                                                   self->read(asio::buffer(self->greeting),
                                                              "connection lost during handshake",
                                                              [self] { self->prove(); });
                                                 });
                           });
  }

  void prove() {
    std::string_view g(greeting.data(), greeting.size());
    if (g.substr(0, hs::magic.size()) != hs::magic)
      return fail("the peer is not a chatnode cluster port");
    server_nonce = std::string(g.substr(hs::magic.size()));
    client_nonce = security::random_bytes(hs::nonce_size);
    const auto& name = owner->self_name;
    hello = std::string(hs::magic) + client_nonce;
    hello.push_back(static_cast<char>(name.size()));
    hello += name;
    hello += hs::client_mac(owner->key, server_nonce, client_nonce, name);
    const std::string refused = "the peer refused our proof (wrong cluster secret?)";
    write(asio::buffer(hello), refused, [this, refused] {
      read(asio::buffer(proof), refused, [this] { check_proof(); });
    });
  }

  void check_proof() {
    auto expected = hs::server_mac(owner->key, server_nonce, client_nonce);
    if (!security::constant_time_equal(expected, std::string_view(proof.data(), proof.size())))
      return fail("the peer does not hold the cluster secret");
    if (!end())
      return;
    int fd = release_for_basp(socket);
    done(fd, fd < 0 ? "cannot detach the socket" : std::string{});
  }
};

} // namespace

void gate::impl::accept_next() {
  auto self = shared_from_this();
  acceptor.async_accept([self](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted)
      return;
    if (!ec)
      self->admit(std::move(socket));
    self->accept_next();
  });
}

void gate::impl::admit(tcp::socket socket) {
  if (pending.load() >= max_pending_handshakes) {
    log::warn("cluster", "peer rejected at the cluster port",
              {{"remote", endpoint_text(socket)}, {"reason", "too many pending handshakes"}});
    return; // the socket closes as it goes out of scope
  }
  ++pending;
  std::make_shared<inbound>(shared_from_this(), std::move(socket))->start();
}

void gate::impl::dial(std::string host, std::uint16_t port, dialed done) {
  auto self = shared_from_this();
  asio::post(ioc, [self, host = std::move(host), port, done = std::move(done)]() mutable {
    std::make_shared<outbound>(self, std::move(done))->start(host, port);
  });
}

gate::gate(std::string self_name, std::string key)
  : impl_(std::make_shared<impl>(std::move(self_name), std::move(key))) {
  impl_->thread = std::thread([i = impl_] { i->ioc.run(); });
}

gate::~gate() { stop(); }

bool gate::listen(const std::string& host, std::uint16_t port, admitted on_admit,
                  std::string* error) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    *error = "cluster host '" + host + "' is not an IP address";
    return false;
  }
  tcp::endpoint ep{address, port};
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec)
    acc.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec)
    acc.bind(ep, ec);
  if (!ec)
    acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on cluster port " + host + ":" + std::to_string(port) + ": "
             + ec.message();
    acc.close(ec);
    return false;
  }
  impl_->on_admit = std::move(on_admit);
  asio::post(impl_->ioc, [i = impl_] { i->accept_next(); });
  return true;
}

void gate::dial(const std::string& host, std::uint16_t port, dialed done) {
  impl_->dial(host, port, std::move(done));
}

void gate::stop() {
  if (!impl_ || !impl_->thread.joinable())
    return;
  asio::post(impl_->ioc, [i = impl_] {
    boost::system::error_code ec;
    i->acceptor.close(ec);
    i->work.reset();
    i->ioc.stop();
  });
  impl_->thread.join();
}

} // namespace chat::cluster
