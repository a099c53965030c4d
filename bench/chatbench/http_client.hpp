#pragma once
// A keep-alive HTTP/1.1 client for the set-up calls (register, login,
// conversations, tickets): one connection, one request at a time, used from
// a coroutine. A request on a reused connection that the server closed
// meanwhile is retried once on a fresh one.
#include "asio.hpp"

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace chatbench {

struct http_response {
  unsigned status = 0;
  std::string body;
  /// The body as a JSON object; throws http_error when it is not one.
  json::object object(std::string_view what) const;
};

struct http_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class http_client {
public:
  http_client(asio::any_io_executor ex, tcp::endpoint endpoint, std::string host_header,
              std::chrono::milliseconds timeout);

  /// Sends one request; throws http_error on a network error or timeout (any
  /// status code is a response, checked by the caller).
  asio::awaitable<http_response> request(http::verb verb, std::string_view target, std::string body,
                                         std::string_view bearer = {});

  /// request() that also requires `expected` (or `also_ok`) status; throws
  /// http_error naming the call, status and error body otherwise.
  asio::awaitable<http_response> call(http::verb verb, std::string_view target, std::string body,
                                      std::string_view bearer, unsigned expected, unsigned also_ok = 0);

  void close() noexcept;

private:
  asio::awaitable<void> connect();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  tcp::endpoint endpoint_;
  std::string host_;
  std::chrono::milliseconds timeout_;
  bool open_ = false;
};

} // namespace chatbench
