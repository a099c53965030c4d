#include "net/websocket_session.hpp"

#include "log/log.hpp"
#include "metrics/metrics.hpp"
#include "net/ws_sink.hpp"

namespace chat::net {
namespace {

constexpr std::string_view component = "ws";

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

/// A close reason fits in a control frame (123 bytes); cut on a UTF-8
/// character boundary, as peers may check it.
std::string_view fit_reason(std::string_view s) {
  constexpr std::size_t max = 123;
  if (s.size() <= max)
    return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    --n;
  return s.substr(0, n);
}

} // namespace

websocket_session::websocket_session(tcp::socket&& socket,
                                     std::shared_ptr<const server_context> ctx, principal who)
  : ctx_(std::move(ctx)), who_(std::move(who)), remote_(peer_address(socket)),
    strand_(socket.get_executor()), ws_(std::move(socket)), close_timer_(strand_),
    queue_(ctx_->settings.ws_queue_frames, ctx_->settings.ws_queue_bytes) {}

websocket_session::~websocket_session() {
  // Normally the read loop has already said so; this covers an io_context
  // destroyed with the connection still open.
  if (peer_)
    peer_->closed();
}

void websocket_session::run(http::request<http::string_body> req) {
  // The websocket stream has its own timeouts: no deadline on the TCP layer.
  beast::get_lowest_layer(ws_).expires_never();
  // Server defaults: 30 s for the handshakes, and an idle peer is pinged,
  // then dropped after 300 s without any data.
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::server, "chatnode");
  }));
  // A bigger message fails the read, and Beast closes with 1009.
  ws_.read_message_max(ctx_->settings.ws_max_frame_bytes);
  ws_.auto_fragment(false); // one frame per message
  ws_.text(true);
  // Beast builds the 101 from `req` when this is called; `req` need not live on.
  ws_.async_accept(req, beast::bind_front_handler(&websocket_session::on_accept,
                                                  shared_from_this()));
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec) {
    log::debug(component, "handshake failed", {{"reason", json::value(ec.message())}});
    return; // the socket closes with this object
  }
  sink_ = std::make_shared<ws_sink>(weak_from_this());
  // The actor may push at once (hello); those posts run after this handler.
  peer_ = ctx_->websocket.open(who_, sink_, remote_);
  open_ = true;
  metrics::node().ws_opened.inc();
  metrics::node().ws_open.add(1);
  log::debug(component, "open", {{"remote", json::value(remote_)}});
  do_read();
}

void websocket_session::do_read() {
  ws_.async_read(in_, beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

void websocket_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    // The peer closed, went silent, sent too much (Beast answered 1009), or
    // we dropped the connection: in every case this connection is over.
    log::debug(component, "closed",
               {{"remote", json::value(remote_)}, {"reason", json::value(ec.message())}});
    read_done_ = true;
    closing_ = true;
    if (open_)
      metrics::node().ws_open.add(-1);
    queue_.clear();
    publish_queue();
    close_timer_.cancel();
    beast::get_lowest_layer(ws_).close();
    if (peer_) {
      auto peer = std::move(peer_);
      peer->closed();
    }
    return;
  }
  if (ws_.got_text())
    peer_->inbound(beast::buffers_to_string(in_.data()));
  else
    peer_->inbound_binary();
  in_.consume(in_.size());
  do_read();
}

void websocket_session::post_send(shared_frame frame) {
  asio::post(strand_, [self = shared_from_this(), frame = std::move(frame)]() mutable {
    self->send(std::move(frame));
  });
}

void websocket_session::post_close(std::uint16_t code, std::string reason) {
  asio::post(strand_, [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
    self->close(code, std::move(reason));
  });
}

void websocket_session::send(shared_frame frame) {
  if (!open_ || closing_ || !frame)
    return;
  if (queue_.push(std::move(frame)) == outbound_queue::verdict::overflow) {
    log::info(component, "outbound queue full",
              {{"remote", json::value(remote_)},
               {"frames", queue_.frames()},
               {"bytes", queue_.bytes()}});
    metrics::node().ws_closed_too_slow.inc();
    return close(close_code::too_slow, "too slow");
  }
  publish_queue();
  do_write();
}

void websocket_session::do_write() {
  auto frame = queue_.begin_write();
  if (!frame)
    return;
  // The lambda holds the frame, so its bytes outlive the write even if the
  // queue is cleared meanwhile.
  ws_.async_write(asio::buffer(*frame),
                  [self = shared_from_this(), frame](beast::error_code ec, std::size_t) {
                    self->on_write(ec);
                  });
}

void websocket_session::on_write(beast::error_code ec) {
  queue_.written();
  publish_queue();
  if (ec) {
    log::debug(component, "write failed",
               {{"remote", json::value(remote_)}, {"reason", json::value(ec.message())}});
    closing_ = true;
    queue_.clear();
    // `closed`: Beast is already answering the peer's close; the read ends
    // by itself once that is done. Anything else: the socket is broken.
    if (ec != websocket::error::closed)
      drop();
    return;
  }
  if (closing_)
    return send_close(); // a close waited for this write
  do_write();
}

void websocket_session::close(std::uint16_t code, std::string reason) {
  if (!open_ || closing_)
    return;
  closing_ = true;
  queue_.clear();
  publish_queue();
  close_code_ = code;
  close_reason_ = std::move(reason);
  // A peer that does not read never lets the close frame (or the write
  // before it) finish: bound the wait, then drop the TCP connection.
  close_timer_.expires_after(ctx_->settings.ws_close_timeout);
  close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->read_done_)
      return;
    log::info(component, "close timed out; dropping the connection",
              {{"remote", json::value(self->remote_)}, {"code", self->close_code_}});
    self->drop();
  });
  // Only one write at a time: a frame in flight finishes first (on_write).
  if (!queue_.writing())
    send_close();
}

void websocket_session::send_close() {
  if (close_sent_ || read_done_)
    return;
  close_sent_ = true;
  websocket::close_reason why{close_code_};
  auto text = fit_reason(close_reason_);
  why.reason.assign(text.data(), text.size());
  ws_.async_close(why,
                  [self = shared_from_this()](beast::error_code ec) {
                    // The pending read sees the peer's answering close and
                    // ends the connection; nothing to do here.
                    if (ec)
                      log::debug(component, "close failed",
                                 {{"remote", json::value(self->remote_)},
                                  {"reason", json::value(ec.message())}});
                  });
}

void websocket_session::drop() {
  // Cancels every pending operation; the read ends with an error and
  // reports the connection closed.
  beast::get_lowest_layer(ws_).close();
}

void websocket_session::publish_queue() {
  if (sink_)
    sink_->set_queued(queue_.frames());
}

} // namespace chat::net
