#pragma once
// One WebSocket of the floor server: `hello` first, then `send` frames are
// broadcast to every open connection of every member of the room (the
// sender's included) and answered with `sent`; `ping` with `pong`.
#include "directory.hpp"
#include "net.hpp"

#include <deque>

namespace floor_server {

class ws_conn : public std::enable_shared_from_this<ws_conn> {
public:
  ws_conn(tcp::socket socket, directory& dir, user& u);
  // the upgrade, then the read loop until the client leaves
  asio::awaitable<void> run(request upgrade);
  // queue a frame; the one write in flight takes the next when it completes
  void deliver(std::shared_ptr<const std::string> frame);

private:
  void write_next();
  void handle(std::string_view text);
  void fail();

  websocket::stream<tcp::socket> ws_;
  directory& dir_;
  user& user_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  bool writing_ = false, closed_ = false;
};

} // namespace floor_server
