#include "ws_conn.hpp"

#include <algorithm>
#include <chrono>

namespace floor_server {
namespace {

constexpr std::size_t max_queue = 4096;  // frames; a client this far behind is dropped

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::shared_ptr<const std::string> frame(const json::object& o) {
  return std::make_shared<const std::string>(json::serialize(o));
}

} // namespace

ws_conn::ws_conn(tcp::socket socket, directory& dir, user& u) : ws_(std::move(socket)), dir_(dir), user_(u) {
  ws_.read_message_max(64 * 1024);
}

asio::awaitable<void> ws_conn::run(request upgrade) {
  auto self = shared_from_this();
  error_code ec;
  co_await ws_.async_accept(upgrade, asio::redirect_error(asio::use_awaitable, ec));
  if (ec)
    co_return;
  ws_.text(true);
  user_.conns.push_back(this);
  deliver(frame({{"type", "hello"},
                 {"node", "floor"},
                 {"session_id", "s_" + user_.name},
                 {"user", json::object{{"id", user_.id}, {"username", user_.name}}},
                 {"conversations", json::array{}}}));
  beast::flat_buffer buf;
  while (!closed_) {
    co_await ws_.async_read(buf, asio::redirect_error(asio::use_awaitable, ec));
    if (ec)
      break;
    const auto data = buf.cdata();
    handle({static_cast<const char*>(data.data()), data.size()});
    buf.consume(buf.size());
  }
  closed_ = true;
  std::erase(user_.conns, this);
}

void ws_conn::handle(std::string_view text) {
  error_code ec;
  auto v = json::parse(text, ec);
  const json::object* o = !ec && v.is_object() ? &v.get_object() : nullptr;
  const json::value* id = o ? o->if_contains("id") : nullptr;
  const json::value re = id ? *id : json::value(nullptr);
  auto err = [&](std::string_view code) {
    deliver(frame({{"type", "error"}, {"re", re}, {"code", code}, {"message", code}}));
  };
  const json::value* type = o ? o->if_contains("type") : nullptr;
  if (!type || !type->is_string())
    return err("bad_request");
  if (type->get_string() == "ping")
    return deliver(frame({{"type", "pong"}, {"re", re}}));
  if (type->get_string() != "send")
    return err("bad_request");
  const json::value* conv = o->if_contains("conv");
  const json::value* txt = o->if_contains("text");
  if (!conv || !conv->is_string() || !txt || !txt->is_string())
    return err("bad_request");
  auto* r = dir_.room_of(std::string(conv->get_string()));
  if (!r)
    return err("not_found");
  if (std::find(r->members.begin(), r->members.end(), &user_) == r->members.end())
    return err("forbidden");
  const auto seq = ++r->seq;
  const auto ts = now_ms();
  const auto msg_id = "m_" + r->id + "_" + std::to_string(seq);
  const json::value* cmid = o->if_contains("client_msg_id");
  deliver(frame({{"type", "sent"}, {"re", re}, {"conv", r->id}, {"seq", seq}, {"msg_id", msg_id}, {"ts", ts}}));
  // the same shape as chatnode's message frame, so the bytes written compare
  auto msg = frame({{"type", "message"},
                    {"conv", r->id},
                    {"seq", seq},
                    {"msg_id", msg_id},
                    {"from", user_.id},
                    {"text", txt->get_string()},
                    {"ts", ts},
                    {"client_msg_id", cmid ? *cmid : json::value(nullptr)},
                    {"kind", "message"},
                    {"reply_to", nullptr},
                    {"edited_at", nullptr},
                    {"deleted", false},
                    {"reactions", json::array{}},
                    {"mentions", json::array{}}});
  for (auto* m : r->members)
    for (auto* c : m->conns)
      c->deliver(msg);
}

void ws_conn::deliver(std::shared_ptr<const std::string> f) {
  if (closed_)
    return;
  if (queue_.size() >= max_queue)
    return fail();
  queue_.push_back(std::move(f));
  if (!writing_)
    write_next();
}

void ws_conn::write_next() {
  if (queue_.empty() || closed_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  const auto& f = *queue_.front();
  ws_.async_write(asio::buffer(f), [self = shared_from_this()](error_code ec, std::size_t) {
    if (ec)
      return self->fail();
    self->queue_.pop_front();
    self->write_next();
  });
}

void ws_conn::fail() {
  if (closed_)
    return;
  // not unlisted here: a broadcast may be walking user_.conns; run() unlists it
  // when its read fails on the closed socket
  closed_ = true;
  error_code ignored;
  beast::get_lowest_layer(ws_).close(ignored);
}

} // namespace floor_server
