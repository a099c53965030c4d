#include "cluster/gate.hpp"

#include <array>
#include <chrono>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fcntl.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "cluster/admission.hpp"
#include "cluster/handshake.hpp"
#include "cluster/rejection_log.hpp"
#include "cluster/tls_pump.hpp"
#include "log/log.hpp"
#include "security/crypto.hpp"

namespace chat::cluster {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
namespace hs = handshake;

namespace {

constexpr std::size_t detailed_rejections = 20; ///< per window, then only counted
constexpr auto rejection_window = std::chrono::seconds(10);
constexpr auto first_accept_pause = std::chrono::milliseconds(50);
constexpr auto max_accept_pause = std::chrono::milliseconds(1000);

const std::string same_tls = "every node needs the same TLS settings: tls_ca, tls_cert, tls_key";

std::string address_of(const tcp::endpoint& ep) { return ep.address().to_string(); }

std::string endpoint_text(const tcp::endpoint& ep) {
  return address_of(ep) + ":" + std::to_string(ep.port());
}

tcp::endpoint remote_of(const tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  return ec ? tcp::endpoint{} : ep;
}

/// Detaches a plain socket for CAF: non-blocking.
int release_for_basp(tcp::socket& s) {
  boost::system::error_code ec;
  int fd = s.release(ec);
  if (ec)
    return -1;
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

/// Why a TLS handshake failed, with a hint when the peer spoke plain TCP.
std::string tls_failure(const boost::system::error_code& ec) {
  auto text = "TLS handshake failed: " + ec.message();
  if (text.find("wrong version number") != std::string::npos
      || text.find("packet length too long") != std::string::npos)
    text += " (the peer's cluster port does not speak TLS? " + same_tls + ")";
  return text;
}

struct inbound;

} // namespace

struct gate::impl : std::enable_shared_from_this<gate::impl> {
  std::string self_name;
  std::string key;
  gate_settings settings;
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer accept_pause{ioc};
  std::chrono::milliseconds accept_backoff{0};
  admitted on_admit;
  std::thread thread;
  // Inbound handshakes and what happens to them (gate thread only).
  admission pending;
  std::unordered_map<std::uint64_t, std::weak_ptr<inbound>> pending_by_id;
  rejection_log rejections{detailed_rejections, rejection_window};
  asio::steady_timer summary_timer{ioc};
  bool summary_armed = false;
  std::vector<std::weak_ptr<tls_pump>> pumps;

  impl(std::string name, std::string k, gate_settings s)
    : self_name(std::move(name)), key(std::move(k)), settings(std::move(s)),
      pending(settings.pending_total, settings.pending_per_source) {}

  void accept_next();
  void pause_accepting(const boost::system::error_code& ec);
  void admit(tcp::socket socket);
  void dial(std::string host, std::uint16_t port, dialed done);
  void reject(const std::string& source, const std::string& remote, const std::string& reason);
  void log_summary();
  void write_summary(const std::optional<rejection_log::summary>& summary);
  void keep_pump(const std::weak_ptr<tls_pump>& pump);
};

namespace {

/// What both sides of a handshake do: an optional TLS handshake, exact reads
/// and writes that end the handshake through `Derived::fail(why)` on any
/// error, a deadline over all of it, and the hand-over once it succeeded.
template <class Derived>
struct handshake_io : std::enable_shared_from_this<Derived> {
  tcp::socket socket;               ///< until TLS starts
  std::unique_ptr<tls_stream> tls;  ///< owns the socket once TLS started
  asio::steady_timer timer;
  bool finished = false;
  std::string stage;                ///< what we wait for (in the timeout's reason)

  handshake_io(tcp::socket s, asio::io_context& ioc) : socket(std::move(s)), timer(ioc) {}

  tcp::socket& lowest() { return tls ? tls->next_layer() : socket; }

  template <class F>
  void with_stream(F&& f) {
    if (tls)
      f(*tls);
    else
      f(socket);
  }

  template <class Buffer, class Next>
  void read(Buffer buf, std::string why, Next next) {
    auto handler = [self = this->shared_from_this(), why = std::move(why),
                    next = std::move(next)](boost::system::error_code ec, std::size_t) mutable {
      if (ec)
        return self->fail(self->explain(std::move(why), ec));
      next();
    };
    with_stream([&](auto& s) { asio::async_read(s, buf, std::move(handler)); });
  }

  template <class Buffer, class Next>
  void write(Buffer buf, std::string why, Next next) {
    auto handler = [self = this->shared_from_this(), why = std::move(why),
                    next = std::move(next)](boost::system::error_code ec, std::size_t) mutable {
      if (ec)
        return self->fail(self->explain(std::move(why), ec));
      next();
    };
    with_stream([&](auto& s) { asio::async_write(s, buf, std::move(handler)); });
  }

  /// Inside TLS an alert says more than "connection lost" (e.g. the peer
  /// refused our certificate): add it.
  std::string explain(std::string why, const boost::system::error_code& ec) const {
    if (ec.category() == asio::error::get_ssl_category())
      why += " (TLS: " + ec.message() + ")";
    return why;
  }

  /// Wraps the connected socket in TLS and shakes hands; `next` runs after.
  template <class Next>
  void start_tls(ssl::context& ctx, ssl::stream_base::handshake_type type, Next next) {
    tls = std::make_unique<tls_stream>(std::move(socket), ctx);
    tls->async_handshake(type, [self = this->shared_from_this(),
                                next = std::move(next)](boost::system::error_code ec) mutable {
      if (ec)
        return self->fail(tls_failure(ec));
      next();
    });
  }

  void arm_deadline(std::chrono::milliseconds timeout) {
    timer.expires_after(timeout);
    timer.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      if (!ec)
        self->fail("handshake timed out " + self->stage);
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
    lowest().close(ec);
  }

  /// The descriptor BASP gets: the socket itself, or a pump's end with TLS.
  int hand_over(gate::impl& owner, std::string* error) {
    if (!tls) {
      int fd = release_for_basp(socket);
      if (fd < 0)
        *error = "cannot detach the socket";
      return fd;
    }
    std::weak_ptr<tls_pump> pump;
    int fd = start_tls_pump(std::move(tls), &pump, error);
    owner.keep_pump(pump);
    return fd;
  }
};

void no_delay(tcp::socket& s) {
  boost::system::error_code ec;
  s.set_option(tcp::no_delay(true), ec);
}

/// One inbound handshake: [TLS,] greeting out, proof in, our proof out.
struct inbound : handshake_io<inbound> {
  std::shared_ptr<gate::impl> owner;
  tcp::endpoint peer_ep;
  std::uint64_t ticket = 0; ///< in owner->pending
  std::string server_nonce;
  std::string greeting;
  std::array<char, hs::magic.size() + hs::nonce_size + 1> head{};
  std::string tail;
  std::string reply;

  inbound(std::shared_ptr<gate::impl> o, tcp::socket s)
    : handshake_io(std::move(s), o->ioc), owner(std::move(o)), peer_ep(remote_of(socket)) {}

  void fail(std::string why) {
    if (!end())
      return;
    close();
    leave();
    owner->reject(address_of(peer_ep), endpoint_text(peer_ep), why);
  }

  void leave() {
    owner->pending.leave(ticket);
    owner->pending_by_id.erase(ticket);
  }

  void start() {
    no_delay(socket);
    arm_deadline(owner->settings.handshake_timeout);
    if (!owner->settings.tls_server)
      return greet();
    stage = "waiting for the TLS handshake (a client that sent nothing, or a peer without TLS?)";
    start_tls(*owner->settings.tls_server, ssl::stream_base::server, [this] { greet(); });
  }

  void greet() {
    stage = "waiting for the peer's proof";
    server_nonce = security::random_bytes(hs::nonce_size);
    greeting = std::string(hs::magic) + server_nonce;
    write(asio::buffer(greeting), "connection lost", [this] {
      read(asio::buffer(head), "connection lost during handshake", [this] { on_head(); });
    });
  }

  void on_head() {
    if (std::string_view(head.data(), hs::magic.size()) != hs::magic) {
      // A TLS record (handshake, version 3.x) from a peer that has TLS on.
      if (!tls && head[0] == 0x16 && head[1] == 0x03)
        return fail("the peer speaks TLS but this node has none configured (" + same_tls + ")");
      return fail("not a cluster peer");
    }
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
      leave();
      std::string error;
      int fd = hand_over(*owner, &error);
      if (fd < 0) {
        log::warn("cluster", "cannot hand an admitted peer to BASP",
                  {{"remote", endpoint_text(peer_ep)}, {"error", error}});
        return;
      }
      log::info("cluster", "peer admitted",
                {{"remote", endpoint_text(peer_ep)}, {"peer", peer}, {"tls", owner->settings.tls_server != nullptr}});
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
    arm_deadline(owner->settings.handshake_timeout);
    stage = "connecting";
    auto self = shared_from_this();
    resolver.async_resolve(host, std::to_string(port),
                           [self](boost::system::error_code ec, tcp::resolver::results_type rs) {
                             if (ec)
                               return self->fail("cannot resolve: " + ec.message());
                             asio::async_connect(self->socket, rs,
                                                 [self](boost::system::error_code ec, const tcp::endpoint&) {
                                                   if (ec)
                                                     return self->fail(ec.message());
                                                   self->connected();
                                                 });
                           });
  }

  void connected() {
    no_delay(socket);
    if (!owner->settings.tls_client)
      return await_greeting();
    stage = "during the TLS handshake";
    start_tls(*owner->settings.tls_client, ssl::stream_base::client, [this] { await_greeting(); });
  }

  void await_greeting() {
    // A TLS-only server waits for our ClientHello and sends nothing.
    auto hint = tls ? std::string{} : " (is the peer's cluster port TLS-only? " + same_tls + ")";
    stage = "waiting for the greeting" + hint;
    read(asio::buffer(greeting), "connection lost before the greeting" + hint, [this] { prove(); });
  }

  void prove() {
    std::string_view g(greeting.data(), greeting.size());
    if (g.substr(0, hs::magic.size()) != hs::magic)
      return fail("the peer is not a chatnode cluster port");
    stage = "waiting for the peer's proof";
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
    std::string error;
    int fd = hand_over(*owner, &error);
    done(fd, fd < 0 ? error : std::string{});
  }
};

} // namespace

void gate::impl::accept_next() {
  auto self = shared_from_this();
  acceptor.async_accept([self](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted)
      return;
    if (ec) // EMFILE, ENFILE, ENOBUFS…: the listener stays readable, so retrying now would spin
      return self->pause_accepting(ec);
    if (self->accept_backoff.count() > 0) {
      log::info("cluster", "accepting again at the cluster port");
      self->accept_backoff = {};
    }
    self->admit(std::move(socket));
    self->accept_next();
  });
}

void gate::impl::pause_accepting(const boost::system::error_code& ec) {
  if (accept_backoff.count() == 0)
    log::warn("cluster", "cannot accept at the cluster port; pausing",
              {{"error", ec.message()}, {"first_pause_ms", first_accept_pause.count()}});
  accept_backoff = std::clamp(accept_backoff * 2, std::chrono::milliseconds(first_accept_pause),
                              std::chrono::milliseconds(max_accept_pause));
  accept_pause.expires_after(accept_backoff);
  accept_pause.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec)
      self->accept_next();
  });
}

void gate::impl::admit(tcp::socket socket) {
  auto source = address_of(remote_of(socket));
  std::vector<std::uint64_t> evicted;
  auto ticket = pending.enter(source, &evicted);
  for (auto id : evicted) {
    auto it = pending_by_id.find(id);
    if (it == pending_by_id.end())
      continue;
    auto victim = it->second.lock();
    pending_by_id.erase(it);
    if (victim)
      victim->fail("dropped for a newer connection: too many pending handshakes");
  }
  auto in = std::make_shared<inbound>(shared_from_this(), std::move(socket));
  in->ticket = ticket;
  pending_by_id.emplace(ticket, in);
  in->start();
}

void gate::impl::reject(const std::string& source, const std::string& remote,
                        const std::string& reason) {
  if (rejections.note(source, reason, rejection_log::clock::now())) {
    log::warn("cluster", "peer rejected at the cluster port", {{"remote", remote}, {"reason", reason}});
    return;
  }
  if (summary_armed)
    return;
  summary_armed = true;
  summary_timer.expires_at(rejections.window_end());
  summary_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->summary_armed = false;
    if (!ec)
      self->log_summary();
  });
}

void gate::impl::log_summary() {
  write_summary(rejections.roll(rejection_log::clock::now()));
  if (rejections.summary_due()) {
    summary_armed = true;
    summary_timer.expires_at(rejections.window_end());
    summary_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      self->summary_armed = false;
      if (!ec)
        self->log_summary();
    });
  }
}

void gate::impl::write_summary(const std::optional<rejection_log::summary>& summary) {
  if (summary)
    log::warn("cluster", "peers rejected at the cluster port, not logged one by one",
              {{"count", summary->left_out},
               {"window_s", std::chrono::duration_cast<std::chrono::seconds>(rejection_window).count()},
               {"reasons", summary->reasons},
               {"sources", summary->sources}});
}

void gate::impl::keep_pump(const std::weak_ptr<tls_pump>& pump) {
  std::erase_if(pumps, [](const auto& p) { return p.expired(); });
  pumps.push_back(pump);
}

void gate::impl::dial(std::string host, std::uint16_t port, dialed done) {
  auto self = shared_from_this();
  asio::post(ioc, [self, host = std::move(host), port, done = std::move(done)]() mutable {
    std::make_shared<outbound>(self, std::move(done))->start(host, port);
  });
}

gate::gate(std::string self_name, std::string key, gate_settings settings)
  : impl_(std::make_shared<impl>(std::move(self_name), std::move(key), std::move(settings))) {
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
    i->accept_pause.cancel();
    i->summary_timer.cancel();
    i->write_summary(i->rejections.take()); // what was only counted is not lost
    for (const auto& p : i->pumps)
      close_tls_pump(p);
    i->work.reset();
    i->ioc.stop();
  });
  impl_->thread.join();
}

} // namespace chat::cluster
