#include "actors/cluster/gate.hpp"

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

#include "actors/cluster/handshake.hpp"
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

/// One inbound handshake: greeting out, proof in, our proof out.
struct inbound : std::enable_shared_from_this<inbound> {
  std::shared_ptr<gate::impl> owner;
  tcp::socket socket;
  asio::steady_timer timer;
  std::string remote;
  std::string server_nonce;
  std::string greeting;
  std::array<char, hs::magic.size() + hs::nonce_size + 1> head{};
  std::string tail;
  std::string reply;
  bool finished = false;

  inbound(std::shared_ptr<gate::impl> o, tcp::socket s)
    : owner(std::move(o)), socket(std::move(s)), timer(owner->ioc) {
    remote = endpoint_text(socket);
  }

  void reject(std::string_view why) {
    if (finished)
      return;
    finished = true;
    timer.cancel();
    boost::system::error_code ec;
    socket.close(ec);
    --owner->pending;
    log::warn("cluster", "peer rejected at the cluster port",
              {{"remote", remote}, {"reason", std::string(why)}});
  }

  void start() {
    auto self = shared_from_this();
    timer.expires_after(handshake_timeout);
    timer.async_wait([self](boost::system::error_code ec) {
      if (!ec)
        self->reject("handshake timed out");
    });
    server_nonce = security::random_bytes(hs::nonce_size);
    greeting = std::string(hs::magic) + server_nonce;
    asio::async_write(socket, asio::buffer(greeting), [self](boost::system::error_code ec, std::size_t) {
      if (ec)
        return self->reject("connection lost");
      self->read_head();
    });
  }

  void read_head() {
    auto self = shared_from_this();
    asio::async_read(socket, asio::buffer(head), [self](boost::system::error_code ec, std::size_t) {
      if (ec)
        return self->reject("connection lost during handshake");
      if (std::string_view(self->head.data(), hs::magic.size()) != hs::magic)
        return self->reject("not a cluster peer");
      auto name_len = static_cast<unsigned char>(self->head.back());
      if (name_len == 0 || name_len > hs::max_name)
        return self->reject("bad name length");
      self->tail.resize(name_len + hs::mac_size);
      self->read_tail();
    });
  }

  void read_tail() {
    auto self = shared_from_this();
    asio::async_read(socket, asio::buffer(tail), [self](boost::system::error_code ec, std::size_t) {
      if (ec)
        return self->reject("connection lost during handshake");
      self->verify();
    });
  }

  void verify() {
    std::string_view client_nonce(head.data() + hs::magic.size(), hs::nonce_size);
    std::string_view name(tail.data(), tail.size() - hs::mac_size);
    std::string_view mac(tail.data() + name.size(), hs::mac_size);
    auto expected = hs::client_mac(owner->key, server_nonce, client_nonce, name);
    if (!hs::valid_name(name) || !security::constant_time_equal(expected, mac))
      return reject("wrong cluster secret");
    reply = hs::server_mac(owner->key, server_nonce, client_nonce);
    auto self = shared_from_this();
    auto peer = std::string(name);
    asio::async_write(socket, asio::buffer(reply), [self, peer](boost::system::error_code ec, std::size_t) {
      if (ec)
        return self->reject("connection lost during handshake");
      if (self->finished)
        return;
      self->finished = true;
      self->timer.cancel();
      --self->owner->pending;
      int fd = release_for_basp(self->socket);
      if (fd < 0)
        return;
      log::info("cluster", "peer admitted", {{"remote", self->remote}, {"peer", peer}});
      self->owner->on_admit(fd, peer);
    });
  }
};

/// One outbound handshake towards a peer.
struct outbound : std::enable_shared_from_this<outbound> {
  std::shared_ptr<gate::impl> owner;
  tcp::resolver resolver;
  tcp::socket socket;
  asio::steady_timer timer;
  gate::dialed done;
  std::array<char, hs::greeting_size> greeting{};
  std::string client_nonce;
  std::string hello;
  std::array<char, hs::mac_size> proof{};
  bool finished = false;

  outbound(std::shared_ptr<gate::impl> o, gate::dialed d)
    : owner(std::move(o)), resolver(owner->ioc), socket(owner->ioc), timer(owner->ioc),
      done(std::move(d)) {}

  void fail(std::string why) {
    if (finished)
      return;
    finished = true;
    timer.cancel();
    boost::system::error_code ec;
    socket.close(ec);
    resolver.cancel();
    done(-1, std::move(why));
  }

  void start(const std::string& host, std::uint16_t port) {
    auto self = shared_from_this();
    timer.expires_after(handshake_timeout);
    timer.async_wait([self](boost::system::error_code ec) {
      if (!ec)
        self->fail("handshake timed out");
    });
    resolver.async_resolve(host, std::to_string(port),
                           [self](boost::system::error_code ec, tcp::resolver::results_type rs) {
                             if (ec)
                               return self->fail("cannot resolve: " + ec.message());
                             asio::async_connect(self->socket, rs,
                                                 [self](boost::system::error_code ec, const tcp::endpoint&) {
                                                   if (ec)
                                                     return self->fail(ec.message());
                                                   self->read_greeting();
                                                 });
                           });
  }

  void read_greeting() {
    auto self = shared_from_this();
    asio::async_read(socket, asio::buffer(greeting), [self](boost::system::error_code ec, std::size_t) {
      if (ec)
        return self->fail("connection lost during handshake");
      std::string_view g(self->greeting.data(), self->greeting.size());
      if (g.substr(0, hs::magic.size()) != hs::magic)
        return self->fail("the peer is not a chatnode cluster port");
      auto server_nonce = std::string(g.substr(hs::magic.size()));
      self->client_nonce = security::random_bytes(hs::nonce_size);
      const auto& name = self->owner->self_name;
      self->hello = std::string(hs::magic) + self->client_nonce;
      self->hello.push_back(static_cast<char>(name.size()));
      self->hello += name;
      self->hello += hs::client_mac(self->owner->key, server_nonce, self->client_nonce, name);
      asio::async_write(self->socket, asio::buffer(self->hello),
                        [self, server_nonce](boost::system::error_code ec, std::size_t) {
                          if (ec)
                            return self->fail("the peer refused our proof (wrong cluster secret?)");
                          self->read_proof(server_nonce);
                        });
    });
  }

  void read_proof(std::string server_nonce) {
    auto self = shared_from_this();
    asio::async_read(socket, asio::buffer(proof),
                     [self, server_nonce](boost::system::error_code ec, std::size_t) {
                       if (ec)
                         return self->fail("the peer refused our proof (wrong cluster secret?)");
                       auto expected = hs::server_mac(self->owner->key, server_nonce, self->client_nonce);
                       if (!security::constant_time_equal(
                             expected, std::string_view(self->proof.data(), self->proof.size())))
                         return self->fail("the peer does not hold the cluster secret");
                       if (self->finished)
                         return;
                       self->finished = true;
                       self->timer.cancel();
                       int fd = release_for_basp(self->socket);
                       if (fd < 0)
                         return self->done(-1, "cannot detach the socket");
                       self->done(fd, {});
                     });
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
