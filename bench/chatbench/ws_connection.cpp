#include "ws_connection.hpp"

#include <netinet/in.h>

#include <boost/beast/websocket/detail/hybi13.hpp>

#include <random>
#include <stdexcept>

namespace chatbench {

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

/// The thread's read buffer, shared by its connections (a read is handled
/// completely before the next one starts).
std::vector<char>& read_buffer() {
  thread_local std::vector<char> buf(256 * 1024);
  return buf;
}

std::uint64_t seed() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen() | 1;
}

} // namespace

ws_connection::ws_connection(asio::any_io_executor ex, std::size_t tag)
    : socket_(std::move(ex)), tag_(tag), mask_state_(seed()) {}

std::uint32_t ws_connection::next_mask() noexcept {
  // xorshift64*: masks need only be unpredictable to intermediaries, not secret
  mask_state_ ^= mask_state_ >> 12;
  mask_state_ ^= mask_state_ << 25;
  mask_state_ ^= mask_state_ >> 27;
  return static_cast<std::uint32_t>((mask_state_ * 2685821657736338717ull) >> 32);
}

asio::awaitable<void> ws_connection::connect(tcp::endpoint endpoint, std::string host_header,
                                             std::string_view ticket, std::chrono::milliseconds timeout,
                                             std::optional<asio::ip::address_v4> source) {
  close_timeout_ = timeout;
  // one deadline for connect, upgrade and hello: it closes the socket, failing the pending step
  auto timed_out = std::make_shared<bool>(false);
  asio::steady_timer deadline(socket_.get_executor(), timeout);
  deadline.async_wait([self = shared_from_this(), timed_out](const error_code& ec) {
    if (!ec) {
      *timed_out = true;
      error_code ignored;
      self->socket_.close(ignored);
    }
  });
  error_code ec;
  auto fail = [&](const char* step) {
    deadline.cancel();
    error_code ignored;
    socket_.close(ignored);
    return std::runtime_error(std::string("websocket ") + step + ": " +
                              (*timed_out ? std::string("timed out") : ec.message()));
  };

  if (source) {
    socket_.open(tcp::v4(), ec);
    if (!ec) {
      // the port is picked at connect, per (source, destination): no limit of
      // ~28,000 ports per source address at bind time
      int one = 1;
      ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      socket_.bind(tcp::endpoint(*source, 0), ec);
    }
    if (ec)
      throw fail("bind to the source address");
  }
  co_await socket_.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
  if (ec)
    throw fail("connect");
  socket_.set_option(tcp::no_delay(true), ec);

  websocket::detail::sec_ws_key_type key;
  websocket::detail::make_sec_ws_key(key);
  std::string req = "GET /ws?ticket=" + percent_encode(ticket) + " HTTP/1.1\r\nHost: " + host_header +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    "Sec-WebSocket-Key: " + std::string(key.data(), key.size()) +
                    "\r\nUser-Agent: chatbench\r\n\r\n";
  co_await asio::async_write(socket_, asio::buffer(req), asio::redirect_error(asio::use_awaitable, ec));
  if (ec)
    throw fail("upgrade");

  // the response head via Beast; whatever follows it stays in `buf` (frames)
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);
  co_await http::async_read(socket_, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec)
    throw fail("upgrade");
  const auto& res = parser.get();
  if (res.result() != http::status::switching_protocols) {
    deadline.cancel();
    socket_.close(ec);
    throw std::runtime_error("websocket upgrade declined: HTTP " + std::to_string(res.result_int()) + " " +
                             res.body().substr(0, 200));
  }
  websocket::detail::sec_ws_accept_type accept;
  websocket::detail::make_sec_ws_accept(accept, {key.data(), key.size()});
  if (!beast::iequals(res[http::field::upgrade], "websocket") ||
      res[http::field::sec_websocket_accept] != std::string_view(accept.data(), accept.size())) {
    deadline.cancel();
    socket_.close(ec);
    throw std::runtime_error("websocket upgrade: the 101 response lacks Upgrade: websocket or the right "
                             "Sec-WebSocket-Accept");
  }

  // hello: the first frame
  for (;;) {
    auto data = buf.cdata();
    std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    auto f = read_ws_frame(bytes, max_message);
    if (f.state == ws_frame::status::error || (f.state == ws_frame::status::complete && f.masked)) {
      socket_.close(ec);
      deadline.cancel();
      throw std::runtime_error("websocket: invalid frame from the server before hello");
    }
    if (f.state == ws_frame::status::complete) {
      const auto payload = bytes.substr(f.header_size, static_cast<std::size_t>(f.payload_size));
      if (f.opcode != ws_opcode::text || !f.fin) {
        deadline.cancel();
        socket_.close(ec);
        throw std::runtime_error(f.opcode == ws_opcode::close
                                   ? "websocket: closed by the server before hello (code " +
                                       std::to_string(ws_close_code(payload)) + ")"
                                   : std::string("websocket: first frame is not a text frame"));
      }
      auto v = json::parse(payload, ec);
      if (ec || !v.is_object() || !v.get_object().contains("type") || v.get_object().at("type") != "hello") {
        deadline.cancel();
        socket_.close(ec);
        throw std::runtime_error("websocket: first frame is not hello: " + std::string(payload.substr(0, 200)));
      }
      hello_ = std::move(v.get_object());
      pending_.assign(bytes.substr(f.size()));  // frames after hello, for the read loop
      break;
    }
    const auto n = co_await socket_.async_read_some(buf.prepare(16 * 1024), asio::redirect_error(asio::use_awaitable, ec));
    if (ec)
      throw fail("waiting for hello");
    buf.commit(n);
  }
  deadline.cancel();
  if (*timed_out)
    throw fail("waiting for hello");
  socket_.non_blocking(true, ec);
  open_ = true;
}

void ws_connection::start_reading(frame_handler* handler) {
  handler_ = handler;
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (!self->pending_.empty()) {
      std::string early;
      early.swap(self->pending_);
      if (!self->consume(early.data(), early.size()))
        return;
    }
    self->read_next();
  });
}

void ws_connection::read_next() {
  // Asio reads at once when the socket had data last time (no epoll_ctl, no
  // extra wake-up); otherwise the reactor reads when epoll says so.
  socket_.async_read_some(asio::buffer(first_),
                          [self = shared_from_this()](const error_code& ec, std::size_t n) { self->on_read(ec, n); });
}

void ws_connection::on_read(const error_code& ec, std::size_t n) {
  if (finished_)
    return;
  if (ec) {
    finish(ec, 0);
    return;
  }
  if (!consume(first_.data(), n))
    return;
  if (n == first_.size()) {
    // more may be waiting: take it all through the thread's big buffer
    auto& buf = read_buffer();
    for (;;) {
      error_code rec;
      const auto m = socket_.read_some(asio::buffer(buf), rec);
      if (rec == asio::error::would_block || rec == asio::error::try_again)
        break;
      if (rec) {
        finish(rec, 0);
        return;
      }
      if (!consume(buf.data(), m))
        return;
      if (m < buf.size())
        break;
    }
  }
  read_next();
}

bool ws_connection::consume(const char* data, std::size_t n) {
  std::string_view bytes(data, n);
  const bool joined = !pending_.empty();
  if (joined) {
    pending_.append(data, n);
    bytes = pending_;
  }
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const auto f = read_ws_frame(bytes.substr(pos), max_message);
    if (f.state == ws_frame::status::incomplete)
      break;
    if (f.state == ws_frame::status::error || f.masked) {  // a server never masks
      finish(websocket::error::bad_frame_payload, 0);
      return false;
    }
    if (!on_ws_frame(f, bytes.substr(pos + f.header_size, static_cast<std::size_t>(f.payload_size))))
      return false;
    pos += f.size();
  }
  if (joined)
    pending_.erase(0, pos);
  else if (pos < bytes.size())
    pending_.assign(bytes.substr(pos));
  return true;
}

bool ws_connection::on_ws_frame(const ws_frame& f, std::string_view payload) {
  switch (f.opcode) {
    case ws_opcode::text:
    case ws_opcode::binary:
      if (f.fin && fragments_.empty()) {
        deliver(payload);
      } else {
        fragments_.assign(payload);
        if (f.fin) {
          deliver(fragments_);
          fragments_.clear();
        }
      }
      return !finished_;
    case ws_opcode::continuation:
      if (fragments_.size() + payload.size() > max_message) {
        finish(websocket::error::message_too_big, 0);
        return false;
      }
      fragments_.append(payload);
      if (f.fin) {
        std::string msg;
        msg.swap(fragments_);
        deliver(msg);
      }
      return !finished_;
    case ws_opcode::ping:
      queue_frame(ws_opcode::pong, payload);
      return true;
    case ws_opcode::pong:
      return true;
    case ws_opcode::close: {
      const int code = ws_close_code(payload);
      if (!closing_) {
        // answer the server's close (what was queued is dropped), then let the socket go
        queue_.clear();
        const char echo[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
        queue_frame(ws_opcode::close, code == 1005 ? std::string_view{} : std::string_view(echo, 2));
      }
      finish(websocket::error::closed, code == 1005 ? 0 : code);
      return false;
    }
  }
  return true;
}

void ws_connection::deliver(std::string_view text) {
  const auto info = parse_frame(text, scratch_);
  if (handler_)
    handler_->on_frame(*this, text, info);
}

void ws_connection::send(std::string_view frame) {
  if (!open_ || closing_)
    return;
  queue_frame(ws_opcode::text, frame);
}

void ws_connection::queue_frame(ws_opcode op, std::string_view payload) {
  if (finished_)
    return;
  auto& wire = queue_.emplace_back();
  append_ws_frame(wire, op, payload, next_mask());
  if (!write_active_)
    write_next();
}

void ws_connection::write_next() {
  writing_.swap(queue_);
  queue_.clear();
  buffers_.clear();
  for (const auto& w : writing_)
    buffers_.emplace_back(asio::buffer(w));
  write_active_ = true;
  asio::async_write(socket_, buffers_, [self = shared_from_this()](const error_code& ec, std::size_t) {
    self->write_active_ = false;
    self->writing_.clear();
    if (self->finished_) {
      self->queue_.clear();
      error_code ignored;
      self->socket_.close(ignored);  // the last frame (our close answer) is out
      return;
    }
    if (ec) {
      self->queue_.clear();
      return;  // the read loop reports the failure
    }
    if (!self->queue_.empty())
      self->write_next();
  });
}

void ws_connection::close() {
  if (!open_ || closing_ || finished_)
    return;
  closing_ = true;
  queue_.clear();  // what is not yet being written is dropped
  static constexpr char normal[2] = {static_cast<char>(1000 >> 8), static_cast<char>(1000 & 0xFF)};
  queue_frame(ws_opcode::close, std::string_view(normal, 2));
  // the server answers with its close frame (the read loop then ends); if not in time, drop the socket
  close_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor(), close_timeout_);
  close_timer_->async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec)
      self->finish(beast::error::timeout, 0);
  });
}

void ws_connection::finish(const error_code& ec, int close_code) {
  if (finished_)
    return;
  finished_ = true;
  const bool was_open = open_;
  open_ = false;
  if (close_timer_)
    close_timer_->cancel();
  error_code ignored;
  if (write_active_) {
    // let the last write (our close answer) go out, then the socket closes with this object
    socket_.shutdown(tcp::socket::shutdown_receive, ignored);
  } else {
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
  if (handler_ && (was_open || closing_))
    handler_->on_closed(*this, ec, close_code, closing_);
  pending_.clear();
  pending_.shrink_to_fit();
  fragments_.clear();
}

} // namespace chatbench
