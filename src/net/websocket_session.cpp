#include "net/websocket_session.hpp"

#include "log/log.hpp"
#include "metrics/metrics.hpp"
#include "net/ws_sink.hpp"

namespace chat::net {
namespace {

constexpr std::string_view component = "ws";

/// Frames per gathered write: two buffers each, and Asio hands at most 64
/// buffers to one sendmsg.
constexpr std::size_t max_batch = 31;

/// Reads per readiness before giving other connections on this thread a turn.
constexpr int max_read_rounds = 8;

/// Bytes per TLS read: one TLS record's worth of plaintext.
constexpr std::size_t tls_read_bytes = 16 * 1024;

std::string peer_address(const tcp::socket& socket) {
  beast::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec)
    return "-";
  auto a = ep.address().to_string();
  if (ep.address().is_v6())
    a = "[" + a + "]";
  return a + ":" + std::to_string(ep.port());
}

/// One read buffer per I/O thread, shared by all its connections: a
/// connection only keeps the bytes of a frame that has not fully arrived.
std::array<char, 64 * 1024>& read_scratch() {
  thread_local std::array<char, 64 * 1024> buffer;
  return buffer;
}

} // namespace

websocket_session::websocket_session(tcp::socket&& socket,
                                     std::shared_ptr<const server_context> ctx, principal who,
                                     connection_slot slot)
  : ctx_(std::move(ctx)), who_(std::move(who)), remote_(peer_address(socket)),
    strand_(socket.get_executor()),
    handshake_(std::make_unique<websocket::stream<beast::tcp_stream>>(std::move(socket))),
    socket_(strand_), slot_(std::move(slot)), timer_(strand_),
    reader_(ctx_->settings.ws_max_frame_bytes),
    queue_(ctx_->settings.ws_queue_frames, ctx_->settings.ws_queue_bytes) {}

websocket_session::websocket_session(tls_stream&& stream,
                                     std::shared_ptr<const server_context> ctx, principal who,
                                     connection_slot slot)
  : ctx_(std::move(ctx)), who_(std::move(who)),
    remote_(peer_address(beast::get_lowest_layer(stream).socket())),
    strand_(stream.get_executor()),
    tls_handshake_(std::make_unique<websocket::stream<tls_stream>>(std::move(stream))),
    socket_(strand_), slot_(std::move(slot)), timer_(strand_),
    reader_(ctx_->settings.ws_max_frame_bytes),
    queue_(ctx_->settings.ws_queue_frames, ctx_->settings.ws_queue_bytes) {}

websocket_session::~websocket_session() {
  // Normally finish() has already said so; this covers an io_context
  // destroyed with the connection still open.
  if (peer_)
    peer_->closed();
}

namespace {

/// Beast answers the upgrade with its checks and its 101.
template <class WebSocketStream, class Handler>
void accept_upgrade(WebSocketStream& ws, const http::request<http::string_body>& req,
                    Handler&& handler) {
  // Beast's own handshake deadline (30 s) applies, none on the TCP layer.
  beast::get_lowest_layer(ws).expires_never();
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::server, "chatnode");
  }));
  // Beast builds the 101 from `req` when this is called; `req` need not live on.
  ws.async_accept(req, std::forward<Handler>(handler));
}

} // namespace

void websocket_session::run(http::request<http::string_body> req) {
  auto done = beast::bind_front_handler(&websocket_session::on_accept, shared_from_this());
  if (tls_handshake_)
    accept_upgrade(*tls_handshake_, req, std::move(done));
  else
    accept_upgrade(*handshake_, req, std::move(done));
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec) {
    log::debug(component, "handshake failed", {{"reason", json::value(ec.message())}});
    return; // the socket closes with this object
  }
  if (tls_handshake_) {
    tls_ = std::make_unique<tls_stream>(std::move(tls_handshake_->next_layer()));
    tls_handshake_.reset();
    tls_in_ = std::make_unique<char[]>(tls_read_bytes);
  } else {
    socket_ = handshake_->next_layer().release_socket();
    handshake_.reset();
    socket_.non_blocking(true, ec);
    if (ec) {
      log::debug(component, "cannot make the socket non-blocking",
                 {{"reason", json::value(ec.message())}});
      return;
    }
  }
  sink_ = std::make_shared<ws_sink>(weak_from_this(), ctx_->settings.ws_inbound_frames);
  // The actor may push at once (hello); those posts run after this handler.
  peer_ = ctx_->websocket.open(who_, sink_, remote_);
  phase_ = phase::open;
  metrics::node().ws_opened.inc();
  metrics::node().ws_open.add(1);
  log::debug(component, "open", {{"remote", json::value(remote_)}});
  arm_idle_check();
  do_read();
}

// Reading ---------------------------------------------------------------

void websocket_session::do_read() {
  if (tls_) {
    // TLS decrypts into a buffer of ours, so the read itself must wait.
    tls_->async_read_some(asio::buffer(tls_in_.get(), tls_read_bytes),
                          beast::bind_front_handler(&websocket_session::on_tls_read,
                                                    shared_from_this()));
    return;
  }
  socket_.async_wait(tcp::socket::wait_read, beast::bind_front_handler(
                                                 &websocket_session::on_readable,
                                                 shared_from_this()));
}

void websocket_session::on_readable(beast::error_code ec) {
  if (phase_ == phase::done)
    return;
  if (ec)
    return finish(ec.message());
  auto& scratch = read_scratch();
  for (int round = 0; round < max_read_rounds; ++round) {
    const std::size_t got = socket_.read_some(asio::buffer(scratch), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again)
      break;
    if (ec)
      return finish(ec == asio::error::eof ? "the peer closed the connection" : ec.message());
    liveness_ = liveness::heard;
    take_bytes(scratch.data(), got);
    if (phase_ == phase::done)
      return;
    if (pause_reading())
      return;
    if (got < scratch.size())
      break; // very likely drained; the wait re-arms epoll, so nothing is missed
  }
  do_read();
}

void websocket_session::on_tls_read(beast::error_code ec, std::size_t bytes) {
  if (phase_ == phase::done)
    return;
  if (ec)
    return finish(ec == asio::error::eof || ec == ssl::error::stream_truncated
                    ? "the peer closed the connection"
                    : ec.message());
  liveness_ = liveness::heard;
  take_bytes(tls_in_.get(), bytes);
  if (phase_ == phase::done || pause_reading())
    return;
  do_read();
}

void websocket_session::take_bytes(char* data, std::size_t n) {
  const bool fresh = partial_.empty();
  if (!fresh) {
    partial_.append(data, n);
    data = partial_.data();
    n = partial_.size();
  }
  std::size_t used = reader_.consume(data, n, *this);
  if (phase_ == phase::done)
    return;
  if (fresh) {
    partial_.assign(data + used, n - used);
  } else {
    partial_.erase(0, used);
    if (partial_.empty() && partial_.capacity() > 4096)
      std::string{}.swap(partial_); // a big frame's buffer should not stay
  }
}

bool websocket_session::pause_reading() {
  // A closing connection reads on: the peer's close frame is awaited. The
  // bound is checked per read, so at most one read's frames go over it.
  if (closing() || sink_->may_read())
    return false;
  read_paused_ = true; // a handled() that crosses the bound posts the resume
  return true;
}

void websocket_session::post_resume_reading() {
  asio::post(strand_, [self = shared_from_this()] { self->resume_reading(); });
}

void websocket_session::resume_reading() {
  if (!read_paused_ || phase_ == phase::done)
    return;
  read_paused_ = false;
  do_read();
}

void websocket_session::on_text(std::string_view message) {
  if (!closing() && peer_) {
    sink_->received();
    peer_->inbound(std::string{message});
  }
}

void websocket_session::on_binary() {
  if (!closing() && peer_) {
    sink_->received();
    peer_->inbound_binary();
  }
}

void websocket_session::on_ping(std::string_view payload) {
  if (closing())
    return;
  control_ += ws::encode_control(ws::opcode::pong, payload);
  do_write();
}

void websocket_session::on_pong() {} // any byte counts as life (liveness_)

void websocket_session::on_close(std::uint16_t code, std::string_view) {
  close_received_ = true;
  if (phase_ == phase::close_sent)
    return finish("close handshake done");
  // Answer with the peer's code, as RFC 6455 suggests; frames not yet
  // written are dropped.
  close(code == close_code::no_status ? close_code::normal : code, "");
}

void websocket_session::on_violation(std::uint16_t code, std::string_view why) {
  log::debug(component, "protocol violation",
             {{"remote", json::value(remote_)}, {"reason", json::value(why)}});
  close(code, why);
}

// Writing ---------------------------------------------------------------

void websocket_session::post_send(shared_frame frame) {
  {
    std::lock_guard lock{inbox_mutex_};
    inbox_.push_back(std::move(frame));
    if (inbox_.size() > 1)
      return; // a hand-off is already on its way and will take this one too
  }
  asio::post(strand_, [self = shared_from_this()] { self->take_inbox(); });
}

void websocket_session::post_close(std::uint16_t code, std::string reason) {
  asio::post(strand_, [self = shared_from_this(), code, reason = std::move(reason)] {
    self->close(code, reason);
  });
}

void websocket_session::take_inbox() {
  {
    std::lock_guard lock{inbox_mutex_};
    taking_.swap(inbox_);
  }
  for (auto& frame : taking_) {
    send(std::move(frame));
  }
  taking_.clear();
  if (taking_.capacity() > 64)
    taking_.shrink_to_fit();
  publish_queue();
  do_write();
}

void websocket_session::send(shared_frame frame) {
  if (phase_ != phase::open || !frame)
    return;
  if (queue_.push(std::move(frame)) == outbound_queue::verdict::overflow) {
    log::info(component, "outbound queue full",
              {{"remote", json::value(remote_)},
               {"frames", queue_.frames()},
               {"bytes", queue_.bytes()}});
    metrics::node().ws_closed_too_slow.inc();
    close(close_code::too_slow, "too slow");
  }
}

void websocket_session::do_write() {
  if (writing_ || phase_ == phase::done)
    return;
  buffers_.clear();
  control_in_flight_.swap(control_);
  control_.clear();
  if (!control_in_flight_.empty())
    buffers_.emplace_back(asio::buffer(control_in_flight_));
  if (phase_ == phase::close_queued)
    phase_ = phase::close_writing; // the close frame is in control_in_flight_
  // Data frames only before our close frame is queued: after it, nothing.
  std::size_t frames = closing() ? 0 : queue_.begin_write(max_batch);
  if (headers_.size() < frames)
    headers_.resize(frames);
  for (std::size_t i = 0; i < frames; ++i) {
    const auto& frame = *queue_.in_flight_frame(i);
    auto h = ws::encode_header(ws::opcode::text, frame.size(), headers_[i].data());
    buffers_.emplace_back(headers_[i].data(), h);
    buffers_.emplace_back(frame.data(), frame.size());
  }
  if (buffers_.empty())
    return;
  writing_ = true;
  auto done = [](std::shared_ptr<websocket_session> self, beast::error_code ec, std::size_t) {
    self->on_write(ec);
  };
  if (tls_) {
    // A TLS stream writes one buffer per record: gather the batch into one.
    tls_out_.clear();
    for (const auto& b : buffers_)
      tls_out_.append(static_cast<const char*>(b.data()), b.size());
    asio::async_write(*tls_, asio::buffer(tls_out_),
                      beast::bind_front_handler(done, shared_from_this()));
    return;
  }
  // The frames stay in the queue (in flight) until on_write, so their bytes
  // outlive the write even if the queue is cleared meanwhile.
  asio::async_write(socket_, buffers_,
                    beast::bind_front_handler(
                      [](std::shared_ptr<websocket_session> self, beast::error_code ec,
                         std::size_t) { self->on_write(ec); },
                      shared_from_this()));
}

void websocket_session::on_write(beast::error_code ec) {
  writing_ = false;
  queue_.written();
  if (tls_out_.capacity() > 64 * 1024)
    std::string{}.swap(tls_out_);
  control_in_flight_.clear();
  if (control_in_flight_.capacity() > 1024)
    std::string{}.swap(control_in_flight_);
  publish_queue();
  if (phase_ == phase::done)
    return;
  if (ec)
    return finish("write failed: " + ec.message());
  if (phase_ == phase::close_writing) {
    phase_ = phase::close_sent;
    // The server closes the TCP connection once both close frames have
    // passed; otherwise the peer's answer is awaited (bounded by timer_).
    if (close_received_)
      return finish("close handshake done");
  }
  do_write();
}

// Closing ---------------------------------------------------------------

void websocket_session::close(std::uint16_t code, std::string_view reason) {
  if (phase_ != phase::open)
    return;
  phase_ = phase::close_queued;
  queue_.clear();
  publish_queue();
  control_ += ws::encode_close(code, reason);
  resume_reading(); // the peer's answering close frame must be read
  // A peer that does not read never lets the close frame (or the write
  // before it) finish: bound the wait, then drop the TCP connection.
  timer_.expires_after(ctx_->settings.ws_close_timeout);
  timer_.async_wait([self = shared_from_this(), code](beast::error_code ec) {
    if (ec || self->phase_ == phase::done)
      return;
    log::info(component, "close timed out; dropping the connection",
              {{"remote", json::value(self->remote_)}, {"code", code}});
    self->finish("close timed out");
  });
  do_write(); // waits for a write in flight (on_write starts it)
}

void websocket_session::arm_idle_check() {
  // Every half idle period: a silent peer is pinged once, and dropped if the
  // next half passes without a byte from it.
  timer_.expires_after(ctx_->settings.ws_idle_timeout / 2);
  timer_.async_wait(beast::bind_front_handler(&websocket_session::on_idle_check,
                                              shared_from_this()));
}

void websocket_session::on_idle_check(beast::error_code ec) {
  if (ec || closing())
    return; // cancelled, or the close deadline took the timer over
  if (liveness_ == liveness::heard) {
    liveness_ = liveness::quiet;
  } else if (liveness_ == liveness::quiet) {
    liveness_ = liveness::pinged;
    control_ += ws::encode_control(ws::opcode::ping, "");
    do_write();
  } else {
    log::debug(component, "idle peer dropped", {{"remote", json::value(remote_)}});
    return finish("idle timeout");
  }
  arm_idle_check();
}

void websocket_session::finish(std::string_view why) {
  if (phase_ == phase::done)
    return;
  bool was_open = phase_ != phase::accepting;
  phase_ = phase::done;
  log::debug(component, "closed",
             {{"remote", json::value(remote_)}, {"reason", json::value(why)}});
  if (was_open)
    metrics::node().ws_open.add(-1);
  queue_.clear();
  publish_queue();
  timer_.cancel();
  beast::error_code ignored;
  // Pending waits, reads and writes end with operation_aborted. Over TLS the
  // close frames already ended the conversation: no close_notify.
  if (tls_)
    beast::get_lowest_layer(*tls_).socket().close(ignored);
  else
    socket_.close(ignored);
  std::string{}.swap(partial_);
  if (peer_) {
    auto peer = std::move(peer_);
    peer->closed();
  }
}

void websocket_session::publish_queue() {
  if (sink_)
    sink_->set_queued(queue_.frames());
}

} // namespace chat::net
