// The listener and http_session over real loopback sockets, with test routes
// instead of actors: framing, limits, ordering and error answers.
#include <catch2/catch.hpp>

#include <thread>

#include "net/json_body.hpp"
#include "net/listener.hpp"

using namespace chat;
using namespace chat::net;

namespace {

struct server {
  asio::io_context ioc;
  std::shared_ptr<listener> l;
  std::thread io;
  std::vector<std::thread> actors; // stand-ins for actor threads answering later
  unsigned short port = 0;

  server() {
    auto ctx = std::make_shared<server_context>();
    ctx->settings.max_body_bytes = 1024;
    ctx->settings.max_header_bytes = 1024;
    ctx->settings.read_timeout = std::chrono::seconds{2};
    ctx->routes.add(http::verb::get, "/ping", [](request_ptr, responder out) {
      out.send(json_response(http::status::ok, json::object{{"pong", true}}));
    });
    ctx->routes.add(http::verb::delete_, "/ping", [](request_ptr, responder out) {
      out.send(no_content());
    });
    // Answers from another thread after a delay that shrinks with `n`, so a
    // session that did not serialise requests would answer out of order.
    ctx->routes.add(http::verb::post, "/later/{n}", [this](request_ptr req, responder out) {
      json::object body;
      api_error e;
      if (!parse_object(req->msg.body(), body, e))
        return out.fail(e);
      auto n = std::stoi(req->param("n"));
      auto done = out.then<int>([](outcome<int> r, const responder& out) {
        out.send(json_response(http::status::ok, json::object{{"n", r.value}}));
      });
      actors.emplace_back([n, done] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50 - 10 * n));
        done(outcome<int>::success(n));
      });
    });
    l = std::make_shared<listener>(ioc, ctx);
    std::string error;
    REQUIRE(l->open(tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}, &error));
    port = l->local_endpoint().port();
    l->run();
    io = std::thread{[this] { ioc.run(); }};
  }
  ~server() {
    for (auto& t : actors)
      t.join();
    l->stop();
    ioc.stop();
    io.join();
  }
};

struct client {
  asio::io_context ioc;
  tcp::socket s{ioc};
  beast::flat_buffer buf;

  explicit client(unsigned short port) {
    s.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
  }
  void write(std::string_view raw) { asio::write(s, asio::buffer(raw.data(), raw.size())); }
  http::response<http::string_body> read() {
    http::response<http::string_body> res;
    http::read(s, buf, res);
    return res;
  }
  /// True when the server closed the connection (after any pending answer).
  bool closed() {
    char c;
    beast::error_code ec;
    s.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
};

std::string code_of(const http::response<http::string_body>& res) {
  return std::string{json::parse(res.body()).at("error").at("code").as_string()};
}

} // namespace

TEST_CASE("answers keep-alive requests in order, one after the other") {
  server srv;
  client c{srv.port};
  std::string reqs;
  for (int n = 0; n < 4; ++n)
    reqs += "POST /later/" + std::to_string(n)
            + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
  c.write(reqs); // pipelined
  for (int n = 0; n < 4; ++n) {
    auto res = c.read();
    CHECK(res.result_int() == 200);
    CHECK(res[http::field::content_type] == "application/json");
    CHECK(res.body() == R"({"n":)" + std::to_string(n) + "}");
  }
  c.write("GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto last = c.read();
  CHECK(last.body() == R"({"pong":true})");
  CHECK(c.closed());
}

TEST_CASE("unknown paths and methods get the JSON error body") {
  server srv;
  client c{srv.port};
  c.write("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r404 = c.read();
  CHECK(r404.result_int() == 404);
  CHECK(code_of(r404) == "not_found");
  c.write("PUT /ping HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  auto r405 = c.read();
  CHECK(r405.result_int() == 405);
  CHECK(code_of(r405) == "method_not_allowed");
  CHECK(r405[http::field::allow] == "GET, DELETE");
  c.write("DELETE /ping HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r204 = c.read();
  CHECK(r204.result_int() == 204);
  CHECK(r204.find(http::field::content_length) == r204.end());
  c.write("POST /later/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n[]");
  auto r400 = c.read();
  CHECK(r400.result_int() == 400);
  CHECK(code_of(r400) == "bad_request");
  c.write("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  auto ws = c.read();
  CHECK(ws.result_int() == 404);
  c.write("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(c.read().result_int() == 200);
}

TEST_CASE("an oversized body is refused with 413, then the connection closes") {
  server srv;
  client c{srv.port};
  std::string body(4000, 'x');
  c.write("POST /later/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n" + body);
  auto res = c.read();
  CHECK(res.result_int() == 413);
  CHECK(code_of(res) == "payload_too_large");
  CHECK_FALSE(res.keep_alive());
  CHECK(c.closed());
}

TEST_CASE("oversized chunked bodies are refused too") {
  server srv;
  client c{srv.port};
  std::string chunk(800, 'x');
  c.write("POST /later/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  c.write("320\r\n" + chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
  auto res = c.read();
  CHECK(res.result_int() == 413);
  CHECK(c.closed());
}

TEST_CASE("oversized headers are refused with 431") {
  server srv;
  client c{srv.port};
  c.write("GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  auto res = c.read();
  CHECK(res.result_int() == 431);
  CHECK(code_of(res) == "headers_too_large");
  CHECK(c.closed());
}

TEST_CASE("a malformed request gets 400 and the connection closes") {
  server srv;
  client c{srv.port};
  c.write("GET /ping HTTP/1.1\r\nHost x\r\n\r\n");
  auto res = c.read();
  CHECK(res.result_int() == 400);
  CHECK(c.closed());
}

TEST_CASE("Expect: 100-continue gets its interim answer") {
  server srv;
  client c{srv.port};
  c.write("POST /later/2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.read();
  CHECK(interim.result_int() == 100);
  c.write("{}");
  auto res = c.read();
  CHECK(res.result_int() == 200);
  CHECK(res.body() == R"({"n":2})");
}

TEST_CASE("a half-sent request is dropped after the read timeout") {
  server srv;
  client c{srv.port};
  c.write("GET /ping HTTP/1.1\r\nHo");
  auto t0 = std::chrono::steady_clock::now();
  CHECK(c.closed());
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds{1500});
}

TEST_CASE("a bad percent escape in the path or query is a 400") {
  server srv;
  client c{srv.port};
  c.write("GET /pi%zzng HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(c.read().result_int() == 400);
  c.write("GET /ping?a=%G HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(c.read().result_int() == 400);
  c.write("GET /ping?a=%20 HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(c.read().result_int() == 200);
}
