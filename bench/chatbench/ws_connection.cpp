#include "ws_connection.hpp"

#include <stdexcept>

namespace chatbench {

ws_connection::ws_connection(asio::any_io_executor ex, std::size_t tag) : ws_(std::move(ex)), tag_(tag) {}

namespace {
std::string percent_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}
} // namespace

asio::awaitable<void> ws_connection::connect(tcp::endpoint endpoint, std::string host_header,
                                             std::string_view ticket, std::chrono::milliseconds timeout) {
  auto& tcp_layer = beast::get_lowest_layer(ws_);
  error_code ec;
  auto fail = [&](const char* step) {
    tcp_layer.close();
    return std::runtime_error(std::string("websocket ") + step + ": " +
                              (ec == beast::error::timeout ? std::string("timed out") : ec.message()));
  };
  tcp_layer.expires_after(timeout);  // covers connect, upgrade and hello
  co_await tcp_layer.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
  if (ec)
    throw fail("connect");
  tcp_layer.socket().set_option(tcp::no_delay(true), ec);

  websocket::stream_base::timeout opts{};
  opts.handshake_timeout = timeout;  // also bounds the close handshake
  opts.idle_timeout = websocket::stream_base::none();
  opts.keep_alive_pings = false;
  ws_.set_option(opts);
  ws_.auto_fragment(false);
  ws_.read_message_max(1u << 20);
  ws_.set_option(websocket::stream_base::decorator(
    [](websocket::request_type& req) { req.set(http::field::user_agent, "chatbench"); }));

  websocket::response_type res;
  co_await ws_.async_handshake(res, host_header, "/ws?ticket=" + percent_encode(ticket),
                               asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    if (ec == websocket::error::upgrade_declined) {
      tcp_layer.close();
      throw std::runtime_error("websocket upgrade declined: HTTP " + std::to_string(res.result_int()) + " " +
                               res.body().substr(0, 200));
    }
    throw fail("upgrade");
  }
  ws_.text(true);
  co_await ws_.async_read(buffer_, asio::redirect_error(asio::use_awaitable, ec));
  if (ec)
    throw fail("waiting for hello");
  auto data = buffer_.cdata();
  std::string_view text(static_cast<const char*>(data.data()), data.size());
  auto v = json::parse(text, ec);
  if (ec || !v.is_object() || !v.get_object().contains("type") || v.get_object().at("type") != "hello") {
    tcp_layer.close();
    throw std::runtime_error("websocket: first frame is not hello: " + std::string(text.substr(0, 200)));
  }
  hello_ = std::move(v.get_object());
  buffer_.consume(buffer_.size());
  tcp_layer.expires_never();
  open_ = true;
}

void ws_connection::start_reading(frame_handler* handler) {
  handler_ = handler;
  read_next();
}

void ws_connection::read_next() {
  ws_.async_read(buffer_, [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_read(ec); });
}

void ws_connection::on_read(const error_code& ec) {
  if (ec) {
    const bool was_open = open_;
    open_ = false;
    int code = 0;
    if (ec == websocket::error::closed)
      code = static_cast<int>(ws_.reason().code);
    if (handler_ && (was_open || closing_))
      handler_->on_closed(*this, ec, code, closing_);
    queue_.clear();
    return;
  }
  auto data = buffer_.cdata();
  std::string_view text(static_cast<const char*>(data.data()), data.size());
  const auto info = parse_frame(text, scratch_);
  if (handler_)
    handler_->on_frame(*this, text, info);
  buffer_.consume(buffer_.size());
  read_next();
}

void ws_connection::send(std::string frame) {
  if (!open_ || closing_)
    return;
  queue_.push_back(std::move(frame));
  if (!writing_)
    write_next();
}

void ws_connection::write_next() {
  writing_ = true;
  ws_.async_write(asio::buffer(queue_.front()), [self = shared_from_this()](const error_code& ec, std::size_t) {
    self->writing_ = false;
    if (ec) {
      self->queue_.clear();
      return;  // the read loop reports the failure
    }
    if (!self->queue_.empty())
      self->queue_.pop_front();
    if (!self->queue_.empty() && !self->closing_)
      self->write_next();
  });
}

void ws_connection::close() {
  if (!open_ || closing_)
    return;
  closing_ = true;
  // Beast allows one close alongside a pending write; drop what is not yet written
  if (writing_)
    queue_.resize(1);
  else
    queue_.clear();
  ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](const error_code& ec) {
    if (ec)
      beast::get_lowest_layer(self->ws_).close();  // the read loop ends with an error
  });
}

} // namespace chatbench
