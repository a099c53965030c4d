// floor_server: a minimal single-threaded Boost.Beast WebSocket broadcast
// server, the floor chatnode's CPU per delivery is compared against
// (bench/floor_compare.sh, bench/RESULTS.md "Issue 17"). It answers the HTTP
// calls and frames `chatbench rooms`/`idle` make, delivers each message to
// the room's members and stores nothing. Loopback benchmarks only: the access
// token is the user id, there are no passwords.
//
//   floor_server [--port 8590]
#include "directory.hpp"
#include "http_routes.hpp"
#include "ws_conn.hpp"

#include <csignal>
#include <cstring>
#include <iostream>

namespace floor_server {
namespace {

asio::awaitable<void> http_session(tcp::socket socket, directory& dir) {
  beast::flat_buffer buf;
  error_code ec;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    co_await http::async_read(socket, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec)
      co_return;
    auto req = parser.release();
    if (websocket::is_upgrade(req)) {
      const std::string_view target = req.target();
      constexpr std::string_view prefix = "/ws?ticket=";
      user* u = target.starts_with(prefix) ? dir.redeem_ticket(std::string(target.substr(prefix.size()))) : nullptr;
      if (!u) {
        response res{http::status::unauthorized, req.version()};
        res.body() = R"({"error":{"code":"unauthorized","message":"bad ticket"}})";
        res.prepare_payload();
        co_await http::async_write(socket, res, asio::redirect_error(asio::use_awaitable, ec));
        co_return;
      }
      auto conn = std::make_shared<ws_conn>(std::move(socket), dir, *u);
      co_await conn->run(std::move(req));
      co_return;
    }
    auto res = route(req, dir);
    co_await http::async_write(socket, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !res.keep_alive())
      co_return;
  }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor, directory& dir) {
  for (;;) {
    error_code ec;
    auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted)
        co_return;
      continue;  // e.g. out of descriptors: keep serving the others
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(acceptor.get_executor(), http_session(std::move(socket), dir), asio::detached);
  }
}

} // namespace
} // namespace floor_server

int main(int argc, char** argv) {
  using namespace floor_server;
  unsigned short port = 8590;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--port") && i + 1 < argc) {
      port = static_cast<unsigned short>(std::stoi(argv[++i]));
    } else {
      std::cerr << "usage: floor_server [--port N]   (listens on 127.0.0.1)\n";
      return 2;
    }
  }
  asio::io_context io(1);  // one thread: the floor
  directory dir;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), port});
  acceptor.listen(4096);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](error_code, int) { io.stop(); });
  asio::co_spawn(io, listen(acceptor, dir), asio::detached);
  io.run();
  return 0;
}
