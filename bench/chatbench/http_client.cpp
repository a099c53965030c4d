#include "http_client.hpp"

namespace chatbench {

json::object http_response::object(std::string_view what) const {
  error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object())
    throw http_error(std::string(what) + ": response body is not a JSON object");
  return std::move(v.get_object());
}

http_client::http_client(asio::any_io_executor ex, tcp::endpoint endpoint, std::string host_header,
                         std::chrono::milliseconds timeout)
    : stream_(std::move(ex)), endpoint_(endpoint), host_(std::move(host_header)), timeout_(timeout) {}

void http_client::close() noexcept {
  error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
  buffer_.clear();
  open_ = false;
}

asio::awaitable<void> http_client::connect() {
  error_code ec;
  stream_.expires_after(timeout_);
  co_await stream_.async_connect(endpoint_, asio::redirect_error(asio::use_awaitable, ec));
  if (ec)
    throw http_error("connect to " + host_ + ": " + ec.message());
  stream_.socket().set_option(tcp::no_delay(true), ec);
  open_ = true;
}

asio::awaitable<http_response> http_client::request(http::verb verb, std::string_view target,
                                                    std::string body, std::string_view bearer) {
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, host_);
  req.set(http::field::user_agent, "chatbench");
  if (!bearer.empty())
    req.set(http::field::authorization, std::string("Bearer ").append(bearer));
  if (!body.empty() || verb == http::verb::post || verb == http::verb::patch) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
  }
  req.keep_alive(true);
  req.prepare_payload();

  for (int attempt = 0;; ++attempt) {
    const bool reused = open_;
    if (!open_)
      co_await connect();
    error_code ec;
    stream_.expires_after(timeout_);
    co_await http::async_write(stream_, req, asio::redirect_error(asio::use_awaitable, ec));
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    if (!ec)
      co_await http::async_read(stream_, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      close();
      // a keep-alive connection the server had closed: once more, fresh
      const bool stale = ec == http::error::end_of_stream || ec == asio::error::eof ||
                         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
      if (reused && stale && attempt == 0)
        continue;
      throw http_error(std::string(http::to_string(verb)) + " " + std::string(target) + ": " +
                       (ec == beast::error::timeout ? std::string("timed out") : ec.message()));
    }
    auto res = parser.release();
    if (!res.keep_alive())
      close();
    co_return http_response{res.result_int(), std::move(res.body())};
  }
}

asio::awaitable<http_response> http_client::call(http::verb verb, std::string_view target, std::string body,
                                                 std::string_view bearer, unsigned expected, unsigned also_ok) {
  auto res = co_await request(verb, target, std::move(body), bearer);
  if (res.status != expected && (also_ok == 0 || res.status != also_ok)) {
    auto snippet = res.body.substr(0, 300);
    throw http_error(std::string(http::to_string(verb)) + " " + std::string(target) + ": HTTP " +
                     std::to_string(res.status) + " " + snippet);
  }
  co_return res;
}

} // namespace chatbench
