#include "fleet.hpp"

#include <random>

namespace chatbench {

tcp::endpoint resolve_loopback(const node_url& node) {
  error_code ec;
  auto addr = asio::ip::make_address(node.host, ec);
  if (!ec)
    return {addr, node.port};  // a literal: parse_node_url checked it is loopback
  asio::io_context ctx;
  tcp::resolver resolver(ctx);
  auto results = resolver.resolve(node.host, std::to_string(node.port), ec);
  if (ec || results.empty())
    throw scenario_failure("cannot resolve " + node.host + ": " + ec.message());
  for (const auto& r : results)
    if (!r.endpoint().address().is_loopback())
      throw scenario_failure("refusing " + node.text() + ": " + node.host + " resolves to " +
                             r.endpoint().address().to_string() + ", not loopback");
  return results.begin()->endpoint();
}

namespace {
std::string random_hex(std::size_t n) {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i)
    s.push_back(hex[gen() & 15]);
  return s;
}

/// "Try again later" answers: the node was busy, not wrong.
bool try_again(const std::string& error) {
  return error.find("HTTP 503") != std::string::npos || error.find("(code 1013)") != std::string::npos;
}

std::string field(const json::object& o, std::string_view key, std::string_view what) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string())
    throw http_error(std::string(what) + ": no string '" + std::string(key) + "' in the response");
  return std::string(it->value().get_string());
}
} // namespace

fleet::fleet(runner& run, const common_options& common, std::size_t clients, std::size_t rooms)
    : run_(run), common_(common), run_id_(random_hex(8)), password_("chatbench-" + random_hex(12)) {
  if (common.nodes.empty())
    throw scenario_failure("no node to connect to");
  for (const auto& n : common.nodes)
    endpoints_.push_back(resolve_loopback(n));
  rooms = std::min(rooms, clients);  // 0: no conversations
  by_thread_.resize(run.size());
  rooms_by_thread_.resize(run.size());
  http_.resize(run.size());
  for (auto& v : http_)
    v.resize(static_cast<std::size_t>(common.concurrency) * endpoints_.size());
  rooms_.resize(rooms);
  clients_.resize(clients);
  for (std::size_t i = 0; i < clients; ++i) {
    auto& c = clients_[i];
    c.index = i;
    c.thread = static_cast<unsigned>(i % run.size());
    c.node = i % endpoints_.size();
    c.room = rooms ? i % rooms : 0;
    c.username = "cb" + run_id_ + "_" + std::to_string(i);  // <= 32 chars up to 10^21 clients
    by_thread_[c.thread].push_back(i);
    if (rooms)
      rooms_[c.room].members.push_back(i);
  }
  for (std::size_t r = 0; r < rooms; ++r) {
    rooms_[r].owner = rooms_[r].members.front();
    rooms_by_thread_[clients_[rooms_[r].owner].thread].push_back(r);
  }
}

http_client& fleet::http(unsigned thread, unsigned worker, std::size_t node) {
  auto& slot = http_[thread][worker * endpoints_.size() + node];
  if (!slot)
    slot = std::make_unique<http_client>(run_.executor(thread), endpoints_[node],
                                         common_.nodes[node].host_header(), common_.request_timeout);
  return *slot;
}

void fleet::check(const phase_result& r, std::string_view phase) {
  if (!r.completed || r.failures) {
    run_.stop();  // nothing may still run on the threads while the failure unwinds
    throw scenario_failure("set-up failed: " + r.summary(phase));
  }
}

void fleet::prepare() {
  // 1. register + login
  auto login = run_.run_phase(
    [&](unsigned t) { return by_thread_[t].size(); }, common_.concurrency,
    [this](unsigned t, unsigned w, std::size_t item) -> asio::awaitable<void> {
      auto& c = clients_[by_thread_[t][item]];
      auto& h = http(t, w, c.node);
      const auto creds = json::serialize(json::object{{"username", c.username}, {"password", password_}});
      // 409: a retried request that had gone through; the login below settles it
      co_await h.call(http::verb::post, "/auth/register", creds, {}, 201, 409);
      auto res = co_await h.call(http::verb::post, "/auth/login", creds, {}, 200);
      auto o = res.object("login");
      c.access_token = field(o, "access_token", "login");
      auto user = o.find("user");
      if (user == o.end() || !user->value().is_object())
        throw http_error("login: no user in the response");
      c.user_id = field(user->value().get_object(), "id", "login");
    },
    common_.phase_timeout);
  check(login, "register + login");
  timings_.login_seconds = login.seconds;
  if (rooms_.empty())
    return;

  // 2. each room's owner creates it, inviting its next members (the server
  // takes at most max_create_invites at creation)
  std::vector<std::size_t> invited(rooms_.size(), 1);  // members[0, invited) are invited (or own it)
  std::vector<std::vector<std::size_t>> joiners(run_.size());
  for (std::size_t r = 0; r < rooms_.size(); ++r) {
    invited[r] = std::min(rooms_[r].members.size(), 1 + max_create_invites);
    for (std::size_t k = 1; k < invited[r]; ++k)
      joiners[clients_[rooms_[r].members[k]].thread].push_back(rooms_[r].members[k]);
  }
  auto create = run_.run_phase(
    [&](unsigned t) { return rooms_by_thread_[t].size(); }, common_.concurrency,
    [this, &invited](unsigned t, unsigned w, std::size_t item) -> asio::awaitable<void> {
      const auto r = rooms_by_thread_[t][item];
      auto& room = rooms_[r];
      auto& owner = clients_[room.owner];
      json::array invite;
      for (std::size_t k = 1; k < invited[r]; ++k)
        invite.push_back(json::value(clients_[room.members[k]].user_id));
      const auto body = json::serialize(
        json::object{{"title", "chatbench " + run_id_ + " room " + std::to_string(r)}, {"invite", std::move(invite)}});
      auto res = co_await http(t, w, owner.node).call(http::verb::post, "/conversations", body, owner.access_token, 201);
      room.conv = field(res.object("create conversation"), "id", "create conversation");
    },
    common_.phase_timeout);
  check(create, "create rooms");
  double seconds = create.seconds + accept(joiners);

  // 3. bigger rooms grow in waves: every member invites up to
  // invites_per_member of the rest (below the default post burst of 100 per
  // user and conversation), then they accept
  for (;;) {
    std::vector<std::vector<invite_task>> tasks(run_.size());
    for (auto& j : joiners)
      j.clear();
    bool any = false;
    for (std::size_t r = 0; r < rooms_.size(); ++r) {
      const auto& m = rooms_[r].members;
      const std::size_t inviters = invited[r];
      for (std::size_t i = 0; i < inviters && invited[r] < m.size(); ++i)
        for (std::size_t n = 0; n < invites_per_member && invited[r] < m.size(); ++n) {
          const auto invitee = m[invited[r]++];
          tasks[clients_[m[i]].thread].push_back({r, m[i], invitee});
          joiners[clients_[invitee].thread].push_back(invitee);
          any = true;
        }
    }
    if (!any)
      break;
    auto wave = run_.run_phase(
      [&](unsigned t) { return tasks[t].size(); }, common_.concurrency,
      [this, &tasks](unsigned t, unsigned w, std::size_t item) -> asio::awaitable<void> {
        const auto& task = tasks[t][item];
        auto& inviter = clients_[task.inviter];
        const auto body = json::serialize(json::object{{"user_id", clients_[task.invitee].user_id}});
        co_await http(t, w, inviter.node)
          .call(http::verb::post, "/conversations/" + rooms_[task.room].conv + "/invitations", body,
                inviter.access_token, 201, 200);
      },
      common_.phase_timeout);
    check(wave, "invite");
    seconds += wave.seconds + accept(joiners);
  }
  timings_.rooms_seconds = seconds;
}

double fleet::accept(const std::vector<std::vector<std::size_t>>& joiners) {
  // every invited member accepts its invitation
  auto join = run_.run_phase(
    [&](unsigned t) { return joiners[t].size(); }, common_.concurrency,
    [this, &joiners](unsigned t, unsigned w, std::size_t item) -> asio::awaitable<void> {
      auto& c = clients_[joiners[t][item]];
      const auto& conv = rooms_[c.room].conv;
      auto& h = http(t, w, c.node);
      auto res = co_await h.call(http::verb::get, "/invitations", {}, c.access_token, 200);
      auto o = res.object("invitations");
      std::string id;
      if (auto it = o.find("invitations"); it != o.end() && it->value().is_array())
        for (const auto& inv : it->value().get_array())
          if (inv.is_object() && inv.get_object().contains("conv") && inv.get_object().at("conv") == conv.c_str())
            id = field(inv.get_object(), "id", "invitations");
      if (id.empty())
        throw http_error("GET /invitations: no invitation to " + conv + " for " + c.username);
      co_await h.call(http::verb::post, "/invitations/" + id + "/accept", {}, c.access_token, 200);
    },
    common_.phase_timeout);
  check(join, "accept invitations");
  return join.seconds;
}

void fleet::connect(std::function<frame_handler*(unsigned thread)> handler_of) {
  std::vector<frame_handler*> handlers;
  for (unsigned t = 0; t < run_.size(); ++t)
    handlers.push_back(handler_of(t));
  auto r = run_.run_phase(
    [&](unsigned t) { return by_thread_[t].size(); }, common_.concurrency,
    [this, &handlers](unsigned t, unsigned w, std::size_t item) -> asio::awaitable<void> {
      const auto index = by_thread_[t][item];
      auto& c = clients_[index];
      // A node that is busy (a big room's presence frames) may answer "try
      // again": 503 to the ticket or upgrade, close 1013 before hello. A
      // client retries that after a pause; so does chatbench, a few times.
      std::shared_ptr<ws_connection> ws;
      for (unsigned attempt = 1;; ++attempt) {
        std::string error;
        try {
          ws = co_await open_ws(t, w, index, c.node, index);
          break;
        } catch (const std::exception& e) {
          error = e.what();
          if (attempt == connect_attempts || !try_again(error))
            throw;
        }
        connect_retries_.fetch_add(1, std::memory_order_relaxed);
        asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(200 * attempt));
        co_await pause.async_wait(asio::use_awaitable);
      }
      ws->start_reading(handlers[t]);
      c.ws = std::move(ws);
    },
    common_.phase_timeout);
  check(r, "connect (ticket + websocket + hello)");
  timings_.connect_seconds = r.seconds;
  timings_.connect_retries = connect_retries_.load();
}

asio::awaitable<std::shared_ptr<ws_connection>> fleet::open_ws(unsigned t, unsigned w, std::size_t client,
                                                               std::size_t node, std::size_t tag,
                                                               std::optional<asio::ip::address_v4> source) {
  auto& c = clients_.at(client);
  auto res = co_await http(t, w, node).call(http::verb::post, "/ws/ticket", {}, c.access_token, 200);
  const auto ticket = field(res.object("ticket"), "ticket", "POST /ws/ticket");
  auto ws = std::make_shared<ws_connection>(run_.executor(t), tag);
  co_await ws->connect(endpoints_[node], common_.nodes[node].host_header(), ticket, common_.request_timeout, source);
  co_return ws;
}

void close_connections(runner& run, std::vector<std::vector<std::shared_ptr<ws_connection>>>& conns,
                       std::chrono::milliseconds timeout) {
  run.on_each(
    [&conns](unsigned t) {
      if (t < conns.size())
        for (auto& ws : conns[t])
          if (ws)
            ws->close();
    },
    timeout);
  const auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    auto open = std::make_shared<std::atomic<std::size_t>>(0);
    run.on_each(
      [&conns, open](unsigned t) {
        std::size_t n = 0;
        if (t < conns.size())
          for (auto& ws : conns[t])
            n += ws && ws->is_open();
        *open += n;
      },
      timeout);
    if (*open == 0)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void fleet::close_all(std::chrono::milliseconds timeout) {
  run_.on_each(
    [this](unsigned t) {
      for (auto i : by_thread_[t])
        if (clients_[i].ws)
          clients_[i].ws->close();
      for (auto& h : http_[t])
        if (h)
          h->close();
    },
    timeout);
  // wait (bounded) for the close handshakes
  const auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    auto open = std::make_shared<std::atomic<std::size_t>>(0);
    run_.on_each(
      [this, open](unsigned t) {
        std::size_t n = 0;
        for (auto i : by_thread_[t])
          n += clients_[i].ws && clients_[i].ws->is_open();
        *open += n;
      },
      timeout);
    if (*open == 0)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

} // namespace chatbench
