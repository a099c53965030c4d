// GET /ws over real loopback sockets, with fake ticket redemption and a fake
// session actor instead of the actors: the upgrade decision, frames both
// ways, the 1009 limit, close codes from the actor, and a client that stops
// reading (4008, then the TCP connection dropped).
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "net/listener.hpp"

using namespace chat;
using namespace chat::net;
using namespace std::chrono_literals;

namespace {

/// What the fake session actor saw; shared with the test thread.
struct recorder {
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> texts;
  int binaries = 0;
  int closed = 0;
  int opened = 0;
  principal who;
  std::string remote;
  sink_ptr sink;

  template <class Pred>
  bool wait(Pred p, std::chrono::milliseconds t = 5000ms) {
    std::unique_lock l{m};
    return cv.wait_for(l, t, [&] { return p(*this); });
  }
  sink_ptr get_sink() {
    std::lock_guard l{m};
    return sink;
  }
};

class fake_peer final : public chat::session_inbound {
public:
  explicit fake_peer(std::shared_ptr<recorder> r) : r_(std::move(r)) {}
  void inbound(std::string text) override { update([&](recorder& r) { r.texts.push_back(text); }); }
  void inbound_binary() override { update([](recorder& r) { ++r.binaries; }); }
  void closed() override { update([](recorder& r) { ++r.closed; }); }

private:
  template <class F>
  void update(F f) {
    {
      std::lock_guard l{r_->m};
      f(*r_);
    }
    r_->cv.notify_all();
  }
  std::shared_ptr<recorder> r_;
};

struct ws_server {
  std::shared_ptr<recorder> rec = std::make_shared<recorder>(); // outlives the sessions
  std::vector<std::thread> actors;
  asio::io_context ioc;
  std::shared_ptr<listener> l;
  std::thread io;
  unsigned short port = 0;

  ws_server() {
    auto ctx = std::make_shared<server_context>();
    ctx->settings.read_timeout = 2s;
    ctx->settings.ws_max_frame_bytes = 1024;
    ctx->settings.ws_queue_frames = 8;
    ctx->settings.ws_queue_bytes = 1 << 20;
    ctx->settings.ws_close_timeout = 1s;
    // Answers from another thread, as an actor would.
    ctx->websocket.redeem = [this](std::string ticket,
                                   std::function<void(outcome<principal>)> done) {
      actors.emplace_back([ticket, done] {
        std::this_thread::sleep_for(10ms);
        if (ticket == "good")
          done(outcome<principal>::success({"u_1", "s_1"}));
        else if (ticket == "down")
          done(outcome<principal>::failure(errc::unavailable, "owner down"));
        else
          done(outcome<principal>::failure(errc::unauthorized, "unknown ticket"));
      });
    };
    ctx->websocket.open = [r = rec](principal who, sink_ptr sink,
                                    std::string remote) -> std::unique_ptr<chat::session_inbound> {
      sink->push(make_frame(R"({"type":"hello"})"));
      {
        std::lock_guard l{r->m};
        ++r->opened;
        r->who = who;
        r->remote = remote;
        r->sink = sink;
      }
      r->cv.notify_all();
      return std::make_unique<fake_peer>(r);
    };
    l = std::make_shared<listener>(ioc, ctx);
    std::string error;
    REQUIRE(l->open(tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}, &error));
    port = l->local_endpoint().port();
    l->run();
    io = std::thread{[this] { ioc.run(); }};
  }
  ~ws_server() {
    for (auto& t : actors)
      t.join();
    l->stop();
    ioc.stop();
    io.join();
  }
};

/// Blocking reads give up after `t` instead of hanging the test run.
void read_timeout(tcp::socket& s, std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

struct ws_client {
  asio::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  beast::flat_buffer buf;

  explicit ws_client(unsigned short port, std::string_view target = "/ws?ticket=good") {
    ws.next_layer().connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
    read_timeout(ws.next_layer(), 5000ms);
    ws.handshake("127.0.0.1", target);
  }
  std::string read() {
    buf.consume(buf.size());
    ws.read(buf);
    return beast::buffers_to_string(buf.data());
  }
  /// Reads until the server closes; its close code (0 if none arrived).
  std::uint16_t read_close() {
    beast::error_code ec;
    for (;;) {
      buf.consume(buf.size());
      ws.read(buf, ec);
      if (ec)
        break;
    }
    return ec == websocket::error::closed ? ws.reason().code : 0;
  }
};

/// A raw HTTP upgrade request and its answer (for the refusals).
http::response<http::string_body> raw_upgrade(unsigned short port, std::string_view target) {
  asio::io_context ioc;
  tcp::socket s{ioc};
  s.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
  read_timeout(s, 5000ms);
  std::string req = "GET " + std::string{target}
                    + " HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n";
  asio::write(s, asio::buffer(req));
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  return res;
}

std::string code_of(const http::response<http::string_body>& res) {
  return std::string{json::parse(res.body()).at("error").at("code").as_string()};
}

} // namespace

TEST_CASE("a missing or bad ticket gets plain HTTP and no upgrade") {
  ws_server srv;
  auto none = raw_upgrade(srv.port, "/ws");
  CHECK(none.result_int() == 401);
  CHECK(code_of(none) == "unauthorized");
  CHECK(raw_upgrade(srv.port, "/ws?ticket=").result_int() == 401);
  auto bad = raw_upgrade(srv.port, "/ws?ticket=nope");
  CHECK(bad.result_int() == 401);
  CHECK(code_of(bad) == "unauthorized");
  auto down = raw_upgrade(srv.port, "/ws?ticket=down");
  CHECK(down.result_int() == 503);
  CHECK(code_of(down) == "unavailable");
  auto other = raw_upgrade(srv.port, "/wsx?ticket=good");
  CHECK(other.result_int() == 404);
  CHECK(code_of(other) == "not_found");
  std::lock_guard l{srv.rec->m};
  CHECK(srv.rec->opened == 0);
}

TEST_CASE("a redeemed ticket upgrades; frames flow both ways") {
  ws_server srv;
  {
    ws_client c{srv.port};
    CHECK(c.read() == R"({"type":"hello"})");
    CHECK(c.ws.got_text());
    {
      std::lock_guard l{srv.rec->m};
      CHECK(srv.rec->opened == 1);
      CHECK(srv.rec->who.user_id == "u_1");
      CHECK(srv.rec->who.session_id == "s_1");
      CHECK(srv.rec->remote.rfind("127.0.0.1:", 0) == 0);
    }
    c.ws.text(true);
    c.ws.write(asio::buffer(std::string{R"({"type":"ping","id":1})"}));
    c.ws.binary(true);
    c.ws.write(asio::buffer(std::string{"\x01\x02"}));
    c.ws.text(true);
    c.ws.write(asio::buffer(std::string(1024, 'a'))); // exactly the limit
    REQUIRE(srv.rec->wait([](recorder& r) { return r.texts.size() == 2 && r.binaries == 1; }));
    CHECK(srv.rec->texts[0] == R"({"type":"ping","id":1})");
    CHECK(srv.rec->texts[1].size() == 1024);

    auto sink = srv.rec->get_sink();
    auto shared = make_frame(R"({"type":"message","seq":1})");
    sink->push(shared);
    sink->push(make_frame(R"({"type":"message","seq":2})"));
    sink->push(shared);
    CHECK(c.read() == R"({"type":"message","seq":1})");
    CHECK(c.read() == R"({"type":"message","seq":2})");
    CHECK(c.read() == R"({"type":"message","seq":1})");
    // The last write's completion may run just after the client read it.
    for (int i = 0; i < 100 && sink->queued_frames() != 0; ++i)
      std::this_thread::sleep_for(10ms);
    CHECK(sink->queued_frames() == 0);
    c.ws.close(websocket::close_code::normal); // waits for the server's answering close
    CHECK_FALSE(c.ws.is_open());
  }
  REQUIRE(srv.rec->wait([](recorder& r) { return r.closed == 1; }));
  // The sink outlives the connection harmlessly.
  auto sink = srv.rec->get_sink();
  sink->push(make_frame("{}"));
  sink->close(1000, "");
  std::this_thread::sleep_for(50ms);
  std::lock_guard l{srv.rec->m};
  CHECK(srv.rec->closed == 1);
}

TEST_CASE("a message over the limit closes the connection with 1009") {
  ws_server srv;
  ws_client c{srv.port};
  CHECK(c.read() == R"({"type":"hello"})");
  c.ws.write(asio::buffer(std::string(1025, 'a')));
  CHECK(c.read_close() == 1009);
  REQUIRE(srv.rec->wait([](recorder& r) { return r.closed == 1; }));
  std::lock_guard l{srv.rec->m};
  CHECK(srv.rec->texts.empty());
}

TEST_CASE("the actor's close drops queued frames and carries its code") {
  ws_server srv;
  ws_client c{srv.port};
  CHECK(c.read() == R"({"type":"hello"})");
  auto sink = srv.rec->get_sink();
  sink->close(close_code::session_ended, "session ended");
  sink->push(make_frame("{}")); // after the close: never written
  CHECK(c.read_close() == close_code::session_ended);
  CHECK(c.ws.reason().reason == "session ended");
  REQUIRE(srv.rec->wait([](recorder& r) { return r.closed == 1; }));
}

TEST_CASE("a client that stops reading is closed with 4008, then dropped") {
  ws_server srv;
  ws_client c{srv.port};
  CHECK(c.read() == R"({"type":"hello"})");
  auto sink = srv.rec->get_sink();
  // One shared 64 KiB frame, pushed until the kernel buffers are full and
  // the 8-frame queue overflows. The client reads nothing meanwhile.
  auto big = make_frame(std::string(64 * 1024, 'x'));
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 2000; ++i) {
    sink->push(big);
    if (i % 50 == 49) {
      std::this_thread::sleep_for(5ms);
      std::lock_guard l{srv.rec->m};
      if (srv.rec->closed)
        break;
    }
  }
  // The close frame cannot get through, so after ws_close_timeout (1 s) the
  // server drops the TCP connection and reports it closed.
  REQUIRE(srv.rec->wait([](recorder& r) { return r.closed == 1; }, 10000ms));
  CHECK(std::chrono::steady_clock::now() - start < 8s);
  CHECK(sink->queued_frames() == 0);
  // The client, reading at last, finds the data then the end: a 4008 close
  // if it got through, or the dropped connection.
  auto code = c.read_close();
  CHECK((code == 0 || code == close_code::too_slow));
}
