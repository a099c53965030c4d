#include "actors/admin/admin_local.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/conversation/conversation_client.hpp"
#include "actors/conversation/conversation_store.hpp"
#include "actors/errors.hpp"
#include "metrics/metrics.hpp"
#include "schema/clock.hpp"
#include "storage/database.hpp"

namespace chat {
namespace {

namespace json = boost::json;
using admin_actor = caf::stateful_actor<admin_local_state>;
constexpr auto local_timeout = std::chrono::seconds(3);

json::object node_header(admin_actor* self) {
  const auto& d = self->state.deps;
  return {{"id", d.ctx->node_id}, {"address", d.http_address},
          {"cluster_address", d.cluster_address}, {"status", "up"}};
}

json::object actor_counts() {
  auto& m = metrics::node();
  return {{"session", m.sessions_live.get()}, {"user", m.users_live.get()},
          {"conversation", m.conversations_live.get()}, {"directory", 1}, {"relay", 1},
          {"auth", 1}, {"admin", 1}, {"peer_manager", 1}};
}

/// Actor counts and mailbox sizes by kind. Each actor reports its own
/// mailbox (reading another actor's queue would race with it); plural kinds
/// are listed by the directory and the relay, and their mailboxes summed.
caf::result<std::string> actors(admin_actor* self) {
  struct kind_total {
    std::string kind;
    std::uint64_t count = 0;
    std::uint64_t mailbox = 0;
  };
  struct tally {
    std::vector<kind_total> kinds;
    std::size_t pending = 0;
  };
  auto rp = self->make_response_promise<std::string>();
  auto acc = std::make_shared<tally>();
  auto& d = self->state.deps;
  acc->kinds = {{"session"}, {"user"}, {"conversation"}, {"directory"}, {"relay"},
                {"auth"},    {"admin", 1, self->mailbox().size()}, {"peer_manager"}};
  auto finish = [self, rp, acc]() mutable {
    if (--acc->pending > 0)
      return;
    json::array list;
    for (const auto& k : acc->kinds)
      list.push_back(json::object{{"kind", k.kind}, {"count", k.count}, {"mailbox", k.mailbox}});
    auto out = node_header(self);
    out["actors"] = std::move(list);
    rp.deliver(json::serialize(out));
  };
  // Every listed actor counts, answered or not; the probe is urgent so it
  // skips a backlog, the very thing an admin is looking for.
  auto ask_mailbox = [self, acc, finish](std::size_t k, const caf::actor& a) mutable {
    ++acc->pending;
    acc->kinds[k].count += 1;
    self->request<caf::message_priority::high>(a, local_timeout, mailbox_atom::value)
      .then(
        [acc, k, finish](std::uint64_t n) mutable {
          acc->kinds[k].mailbox += n;
          finish();
        },
        [finish](caf::error&) mutable { finish(); });
  };
  auto ask_list = [self, acc, finish, ask_mailbox](std::size_t k, auto request) mutable {
    ++acc->pending;
    request.then(
      [ask_mailbox, k, finish](std::vector<caf::actor>& list) mutable {
        for (const auto& a : list)
          ask_mailbox(k, a);
        finish();
      },
      [finish](caf::error&) mutable { finish(); });
  };
  ++acc->pending; // held until every request is out
  ask_list(0, self->request(d.relay, local_timeout, list_atom::value));
  ask_list(1, self->request(d.directory, local_timeout, list_atom::value, user_atom::value));
  ask_list(2, self->request(d.directory, local_timeout, list_atom::value));
  ask_mailbox(3, d.directory);
  ask_mailbox(4, d.relay);
  ask_mailbox(5, d.authority);
  if (self->state.peer_manager)
    ask_mailbox(7, self->state.peer_manager);
  finish();
  return rp;
}

caf::result<std::string> conversations(admin_actor* self) {
  auto rp = self->make_response_promise<std::string>();
  self->request(self->state.deps.directory, local_timeout, list_atom::value)
    .then(
      [self, rp](std::vector<caf::actor>& convs) mutable {
        auto list = std::make_shared<json::array>();
        auto left = std::make_shared<std::size_t>(convs.size());
        auto finish = [self, rp, list, left]() mutable {
          if (--*left > 0)
            return;
          auto out = node_header(self);
          out["conversations"] = std::move(*list);
          rp.deliver(json::serialize(out));
        };
        if (convs.empty()) {
          ++*left;
          return finish();
        }
        for (const auto& c : convs)
          self->request(c, local_timeout, inspect_atom::value)
            .then(
              [list, finish](std::string& text) mutable {
                boost::system::error_code ec;
                auto v = json::parse(text, ec);
                if (!ec && v.is_object()) {
                  auto& o = v.as_object();
                  list->push_back(json::object{
                    {"id", o["id"]}, {"node", o["node"]}, {"title", o["title"]},
                    {"direct", o["direct"]}, {"members", o["members"].as_array().size()},
                    {"last_seq", o["last_seq"]}, {"messages_per_s", o["messages_per_s"]}});
                }
                finish();
              },
              [finish](caf::error&) mutable { finish(); });
      },
      [rp](caf::error& err) mutable { rp.deliver(err); });
  return rp;
}

caf::result<std::string> history(admin_actor* self, const std::vector<std::string>& args) {
  if (args.empty())
    return make_chat_error(errc::bad_request, "history needs a conversation id");
  std::uint32_t n = 20;
  if (args.size() > 1) {
    try {
      n = static_cast<std::uint32_t>(std::stoul(args[1]));
    } catch (...) {
      return make_chat_error(errc::bad_request, "-n must be a number");
    }
  }
  n = std::clamp<std::uint32_t>(n, 1, 500);
  auto& db = *self->state.deps.ctx->db;
  std::string header;
  auto rc = db.get(storage::column::conversations, args[0], &header);
  if (rc == errc::not_found)
    return make_chat_error(errc::not_found, "no such conversation");
  message_page page;
  if (rc != errc::ok
      || conversation_store{db}.page(args[0], page_request{std::nullopt, std::nullopt, n}, &page)
           != errc::ok)
    return make_chat_error(errc::unavailable, "storage is not available");
  json::array messages;
  for (const auto& m : page.messages)
    messages.push_back(json::object{{"seq", m.seq}, {"from", m.from}, {"text", m.text},
                                    {"ts", m.ts}, {"msg_id", m.msg_id}});
  return json::serialize(json::object{{"conv", args[0]}, {"messages", std::move(messages)}});
}

} // namespace

void admin_local_state::sample() {
  auto& m = metrics::node();
  auto s = deps.ctx->db->get_stats();
  counters now{now_ms(), m.messages_stored.get(), m.deliveries.get(), s.batches, s.sync_ns_total};
  if (last.at_ms > 0 && now.at_ms > last.at_ms) {
    double secs = static_cast<double>(now.at_ms - last.at_ms) / 1000.0;
    stored_per_s = static_cast<double>(now.stored - last.stored) / secs;
    deliveries_per_s = static_cast<double>(now.deliveries - last.deliveries) / secs;
    auto batches = now.batches - last.batches;
    sync_ms = batches ? static_cast<double>(now.sync_ns - last.sync_ns) / 1e6 / static_cast<double>(batches)
                      : 0.0;
  }
  last = now;
}

caf::result<std::string> answer_local(admin_actor* self, const std::string& command,
                                      const std::vector<std::string>& args) {
  auto& st = self->state;
  if (command == "nodes") {
    auto out = node_header(self);
    out["uptime_s"] = (now_ms() - st.started_ms) / 1000;
    out["connections"] = metrics::node().ws_open.get();
    out["actors"] = actor_counts();
    return json::serialize(out);
  }
  if (command == "stats") {
    auto out = node_header(self);
    out["messages_stored_per_s"] = st.stored_per_s;
    out["deliveries_per_s"] = st.deliveries_per_s;
    out["connections"] = metrics::node().ws_open.get();
    out["storage_sync_ms"] = st.sync_ms;
    out["messages_stored_total"] = metrics::node().messages_stored.get();
    out["deliveries_total"] = metrics::node().deliveries.get();
    return json::serialize(out);
  }
  if (command == "actors")
    return actors(self);
  if (command == "conversations")
    return conversations(self);
  if (command == "history")
    return history(self, args);
  return make_chat_error(errc::bad_request, "unknown command " + command);
}

} // namespace chat
