#include "net/http_session.hpp"

#include <algorithm>
#include <exception>

#include "log/log.hpp"
#include "metrics/metrics.hpp"
#include "net/http_framing.hpp"
#include "net/websocket_session.hpp"

namespace chat::net {
namespace {

constexpr std::string_view component = "http";
constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

// After an error answer the client may still be sending (e.g. the rest of
// an oversized body). Closing with unread data makes the kernel send RST,
// which can destroy our answer before the client reads it; so we read and
// discard for a while first.
constexpr std::size_t drain_chunk = 16 * 1024;
constexpr std::size_t drain_limit = 8 << 20;
constexpr std::chrono::seconds drain_time{2};

bool is_parse_error(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_method).category();
}

} // namespace

template <class Stream>
http_session<Stream>::http_session(Stream&& stream, std::shared_ptr<const server_context> ctx,
                                   connection_slot slot)
  : stream_(std::move(stream)), ctx_(std::move(ctx)), slot_(std::move(slot)) {}

template <class Stream>
void http_session<Stream>::run() {
  asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (is_tls) {
      beast::get_lowest_layer(self->stream_).expires_after(self->ctx_->settings.read_timeout);
      self->stream_.async_handshake(
        ssl::stream_base::server,
        beast::bind_front_handler(&http_session::on_handshake, self));
    } else {
      self->do_read();
    }
  });
}

template <class Stream>
void http_session<Stream>::on_handshake(beast::error_code ec) {
  if (ec) {
    // Scanners and clients speaking plain HTTP to the TLS port end here.
    log_bad_input(*ctx_, "http", "TLS handshake failed", ec.message());
    beast::error_code ignored;
    socket().close(ignored);
    return;
  }
  do_read();
}

template <class Stream>
void http_session<Stream>::post(std::function<void()> fn) {
  asio::post(stream_.get_executor(), [self = this->shared_from_this(), fn = std::move(fn)] {
    // An exception escaping here would unwind ioc.run() and take the whole
    // server down; it is one request's problem.
    try {
      fn();
    } catch (const std::exception& e) {
      log::error(component, "handler failed",
                 {{"route", json::value(self->route_)}, {"what", e.what()}});
      if (!self->answered_)
        self->send(error_response({errc::internal, "internal error"}));
    }
  });
}

template <class Stream>
void http_session<Stream>::do_read() {
  parser_.emplace();
  // Beast checks a Content-Length against the limit while parsing the
  // header, before the route is known: the largest route limit applies
  // until on_header has found the route.
  body_limit_ = std::max(ctx_->settings.max_body_bytes, ctx_->routes.largest_body_limit());
  parser_->body_limit(body_limit_);
  parser_->header_limit(static_cast<std::uint32_t>(ctx_->settings.max_header_bytes));
  beast::get_lowest_layer(stream_).expires_after(ctx_->settings.read_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&http_session::on_header, this->shared_from_this()));
}

template <class Stream>
void http_session<Stream>::on_header(beast::error_code ec, std::size_t) {
  if (ec)
    return on_read_error(ec);
  if (auto why = framing_problem(parser_->get().base()); !why.empty())
    return refuse_malformed({errc::bad_request, "ambiguous HTTP framing: " + std::string{why}},
                            why);
  // Only an upload route may carry more than max_body_bytes (the route is
  // looked up here only for requests that have a body).
  body_limit_ = ctx_->settings.max_body_bytes;
  if (parser_->content_length().value_or(0) != 0 || parser_->chunked()) {
    auto& req = parser_->get();
    auto found = ctx_->routes.find(req.method(), split_target(req.target()).path);
    if (found.kind == router::result::found && found.body_limit != 0)
      body_limit_ = found.body_limit;
    if (auto length = parser_->content_length(); length && *length > body_limit_)
      return on_read_error(http::error::body_limit);
    parser_->body_limit(body_limit_); // chunked bodies: checked as they arrive
  }
  // curl and others wait up to a second for this before sending a body.
  if (beast::iequals(parser_->get()[http::field::expect], "100-continue")
      && !parser_->is_done()) {
    asio::async_write(stream_, asio::buffer(continue_line.data(), continue_line.size()),
                      beast::bind_front_handler(&http_session::on_continue, this->shared_from_this()));
    return;
  }
  do_read_body();
}

template <class Stream>
void http_session<Stream>::on_continue(beast::error_code ec, std::size_t) {
  if (ec)
    return do_close();
  do_read_body();
}

template <class Stream>
void http_session<Stream>::do_read_body() {
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read, this->shared_from_this()));
}

template <class Stream>
void http_session<Stream>::on_read(beast::error_code ec, std::size_t) {
  if (ec)
    return on_read_error(ec);
  on_request(parser_->release());
}

template <class Stream>
void http_session<Stream>::on_read_error(beast::error_code ec) {
  if (ec == http::error::end_of_stream || ec == http::error::partial_message
      || ec == beast::error::timeout || !is_parse_error(ec)) {
    // The client left or went quiet; there is nobody to answer.
    log::debug(component, "connection closed", {{"reason", json::value(ec.message())}});
    return do_close();
  }
  api_error e;
  if (ec == http::error::body_limit)
    e = {errc::payload_too_large, "the request body is over "
                                    + std::to_string(body_limit_) + " bytes"};
  else if (ec == http::error::header_limit)
    e = {errc::headers_too_large, "the request headers are over "
                                    + std::to_string(ctx_->settings.max_header_bytes) + " bytes"};
  else
    e = {errc::bad_request, "malformed HTTP request: " + ec.message()};
  refuse_malformed(e, ec.message());
}

template <class Stream>
void http_session<Stream>::refuse_malformed(const api_error& e, std::string_view reason) {
  // Answer once, then close, since the stream's framing can no longer be
  // trusted.
  method_ = http::verb::unknown;
  version_ = 11;
  keep_alive_ = false;
  close_after_ = true;
  started_ = clock::now();
  answered_ = false;
  log_bad_input(*ctx_, component, "bad request", reason);
  reject(e, "-");
}

template <class Stream>
void http_session<Stream>::on_request(http::request<http::string_body> req) {
  method_ = req.method();
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  close_after_ = false;
  started_ = clock::now();
  answered_ = false;
  route_ = "-";

  if (beast::websocket::is_upgrade(req))
    return on_upgrade(std::move(req));

  auto in = std::make_shared<incoming>();
  auto parts = split_target(req.target());
  auto found = ctx_->routes.find(method_, parts.path);
  switch (found.kind) {
    case router::result::not_found:
      return reject({errc::not_found, "no such endpoint"}, "-");
    case router::result::bad_path:
      // A route that checks the token first answers 401 before this 400.
      if (!found.token_first)
        return reject({errc::bad_request, "malformed percent-encoding in the path"}, "-");
      in->input_error = api_error{errc::bad_request, "malformed percent-encoding in the path"};
      break;
    case router::result::method_not_allowed: {
      route_ = found.route;
      auto res = error_response({errc::method_not_allowed, "method not allowed"});
      res.set(http::field::allow, found.allow);
      return send(std::move(res));
    }
    case router::result::found:
      break;
  }
  route_ = found.route.empty() ? std::string_view{"-"} : found.route;
  auto query = query_params::parse(parts.query);
  if (!query) {
    if (!found.token_first)
      return reject({errc::bad_request, "malformed percent-encoding in the query"}, route_);
    if (!in->input_error)
      in->input_error = api_error{errc::bad_request, "malformed percent-encoding in the query"};
  }
  in->route = found.route;
  in->params = std::move(found.params);
  if (query)
    in->query = std::move(*query);
  in->msg = std::move(req);
  const handler& h = *found.target;
  try {
    h(std::move(in), responder{this->shared_from_this()});
  } catch (const std::exception& e) {
    log::error(component, "handler failed", {{"route", json::value(route_)}, {"what", e.what()}});
    if (!answered_)
      send(error_response({errc::internal, "internal error"}));
  }
}

template <class Stream>
void http_session<Stream>::on_upgrade(http::request<http::string_body> req) {
  // Only `GET /ws?ticket=T` upgrades (Beast's is_upgrade implies GET).
  auto parts = split_target(req.target());
  if (parts.path != websocket_path || !ctx_->websocket)
    return reject({errc::not_found, "no such endpoint"}, "-");
  route_ = websocket_path;
  auto query = query_params::parse(parts.query);
  const std::string* ticket = query ? query->find("ticket") : nullptr;
  if (!ticket || ticket->empty())
    return reject({errc::unauthorized, "a ticket is required: GET /ws?ticket=…"}, route_);
  // No Origin check (PROTOCOL.md): the ticket, obtained with a bearer token,
  // is the credential, and it is single-use.
  upgrade_.emplace(std::move(req));
  ctx_->websocket.redeem(*ticket, [self = this->shared_from_this()](outcome<principal> who) {
    self->post([self, who = std::move(who)]() mutable { self->on_ticket(std::move(who)); });
  });
}

template <class Stream>
void http_session<Stream>::on_ticket(outcome<principal> who) {
  auto req = std::move(*upgrade_);
  upgrade_.reset();
  if (!who.ok()) {
    // A plain HTTP answer and no upgrade: 503 when the ticket's owner node
    // is down, 429 when its session has as many sockets on this node as it
    // may, 401 for every other failure (unknown, used, expired).
    api_error e = std::move(who.error);
    if (e.code != errc::unavailable && e.code != errc::unauthorized
        && e.code != errc::rate_limited)
      e = {errc::unauthorized, "invalid or expired ticket"};
    return reject(e, route_);
  }
  // The 101 written by the websocket session is this request's answer; this
  // http_session ends here, its socket handed over.
  answered_ = true;
  if (log::enabled(log::level::debug)) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - started_);
    log::debug(component, "request",
               {{"method", "GET"}, {"route", json::value(route_)}, {"status", 101},
                {"us", us.count()}});
  }
  beast::get_lowest_layer(stream_).expires_never();
  std::shared_ptr<websocket_session> ws;
  if constexpr (is_tls)
    ws = std::make_shared<websocket_session>(std::move(stream_), ctx_, std::move(who.value),
                                             std::move(slot_));
  else
    ws = std::make_shared<websocket_session>(stream_.release_socket(), ctx_,
                                             std::move(who.value), std::move(slot_));
  ws->run(std::move(req));
}

template <class Stream>
void http_session<Stream>::reject(const api_error& e, std::string_view route) {
  route_ = route;
  send(error_response(e));
}

template <class Stream>
void http_session<Stream>::send(response res) {
  if (answered_) {
    log::error(component, "second answer to one request dropped", {{"route", json::value(route_)}});
    return;
  }
  answered_ = true;
  finalize(res, version_, keep_alive_ && !close_after_);
  account(res.result_int());
  out_.emplace(std::move(res));
  beast::get_lowest_layer(stream_).expires_after(ctx_->settings.read_timeout);
  http::async_write(stream_, *out_,
                    beast::bind_front_handler(&http_session::on_write, this->shared_from_this()));
}

template <class Stream>
void http_session<Stream>::account(unsigned status) {
  std::string_view method = method_ == http::verb::unknown
                              ? std::string_view{"-"}
                              : std::string_view{http::to_string(method_)};
  metrics::node().http_request(method, route_, static_cast<int>(status));
  // 503 is an answer the node means (a peer down, a full queue, not ready):
  // the peer manager and metrics report those; only other 5xx are faults.
  if (status >= 500 && status != 503)
    log::warn(component, "request failed",
              {{"method", json::value(method)},
               {"route", json::value(route_)},
               {"status", status}});
  if (log::enabled(log::level::debug)) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - started_);
    log::debug(component, "request",
               {{"method", json::value(method)},
                {"route", json::value(route_)},
                {"status", status},
                {"us", us.count()}});
  }
}

template <class Stream>
void http_session<Stream>::stream(response head, std::uint64_t length, next_piece next) {
  if (answered_) {
    log::error(component, "second answer to one request dropped", {{"route", json::value(route_)}});
    return;
  }
  answered_ = true;
  head.body().clear();
  head.version(version_);
  head.keep_alive(keep_alive_ && !close_after_);
  head.content_length(length);
  account(head.result_int());
  out_.emplace(std::move(head));
  stream_left_ = length;
  next_ = std::move(next);
  head_sr_.emplace(*out_);
  beast::get_lowest_layer(stream_).expires_after(ctx_->settings.read_timeout);
  http::async_write_header(stream_, *head_sr_,
                           beast::bind_front_handler(&http_session::on_head_written,
                                                     this->shared_from_this()));
}

template <class Stream>
void http_session<Stream>::on_head_written(beast::error_code ec, std::size_t) {
  if (ec) {
    log::debug(component, "write failed", {{"reason", json::value(ec.message())}});
    return do_close();
  }
  pull_piece();
}

template <class Stream>
void http_session<Stream>::pull_piece() {
  if (stream_left_ == 0) {
    bool keep = out_ && out_->keep_alive();
    head_sr_.reset();
    out_.reset();
    next_ = nullptr;
    piece_ = std::string{};
    if (close_after_)
      return do_linger();
    if (!keep)
      return do_close();
    return do_read();
  }
  // No timer while the piece is fetched: the actor call has its own deadline.
  beast::get_lowest_layer(stream_).expires_never();
  next_([self = this->shared_from_this()](outcome<std::string> piece) {
    self->post([self, piece = std::move(piece)]() mutable { self->on_piece(std::move(piece)); });
  });
}

template <class Stream>
void http_session<Stream>::on_piece(outcome<std::string> piece) {
  if (!piece.ok() || piece.value.empty() || piece.value.size() > stream_left_) {
    // The header is out; ending the connection is the only way left to
    // tell the client the body is incomplete.
    log::warn(component, "streamed answer cut short",
              {{"route", json::value(route_)},
               {"reason", json::value(piece.ok() ? std::string{"bad piece size"}
                                                 : piece.error.message)}});
    next_ = nullptr;
    return beast::get_lowest_layer(stream_).close();
  }
  piece_ = std::move(piece.value);
  stream_left_ -= piece_.size();
  beast::get_lowest_layer(stream_).expires_after(ctx_->settings.read_timeout);
  asio::async_write(stream_, asio::buffer(piece_),
                    beast::bind_front_handler(&http_session::on_piece_written,
                                              this->shared_from_this()));
}

template <class Stream>
void http_session<Stream>::on_piece_written(beast::error_code ec, std::size_t) {
  if (ec) {
    log::debug(component, "write failed", {{"reason", json::value(ec.message())}});
    next_ = nullptr;
    return do_close();
  }
  pull_piece();
}

template <class Stream>
void http_session<Stream>::on_write(beast::error_code ec, std::size_t) {
  bool keep = out_ && out_->keep_alive();
  out_.reset();
  if (ec) {
    log::debug(component, "write failed", {{"reason", json::value(ec.message())}});
    return do_close();
  }
  if (close_after_)
    return do_linger();
  if (!keep)
    return do_close();
  do_read();
}

template <class Stream>
void http_session<Stream>::do_close() {
  beast::error_code ec;
  if constexpr (is_tls) {
    // close_notify, bounded: a peer that never answers it is dropped.
    beast::get_lowest_layer(stream_).expires_after(drain_time);
    stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
      beast::get_lowest_layer(self->stream_).close();
    });
  } else {
    socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }
}

template <class Stream>
void http_session<Stream>::do_linger() {
  if constexpr (is_tls) {
    // TLS cannot half-close below the records; its close_notify exchange
    // (bounded) lets the answer arrive before the connection ends.
    return do_close();
  }
  beast::error_code ec;
  socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec)
    return beast::get_lowest_layer(stream_).close();
  drain_ = std::make_unique<char[]>(drain_chunk);
  beast::get_lowest_layer(stream_).expires_after(drain_time);
  stream_.async_read_some(asio::buffer(drain_.get(), drain_chunk),
                          beast::bind_front_handler(&http_session::on_linger, this->shared_from_this()));
}

template <class Stream>
void http_session<Stream>::on_linger(beast::error_code ec, std::size_t bytes) {
  drained_ += bytes;
  if (ec || drained_ > drain_limit)
    return beast::get_lowest_layer(stream_).close();
  stream_.async_read_some(asio::buffer(drain_.get(), drain_chunk),
                          beast::bind_front_handler(&http_session::on_linger, this->shared_from_this()));
}

template class http_session<plain_stream>;
template class http_session<tls_stream>;

} // namespace chat::net
