#include "actors/admin/admin_local.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/conversation/conversation_store.hpp"
#include "actors/rpc/read_pool.hpp"
#include "metrics/metrics.hpp"
#include "schema/clock.hpp"
#include "schema/ids.hpp"
#include "storage/database.hpp"

namespace chat {
namespace {

constexpr auto local_timeout = std::chrono::seconds(3);

/// Any actor that reports its mailbox size: every api converts to it.
using mailbox_probe = caf::typed_actor<caf::replies_to<mailbox_atom>::with<std::uint64_t>>;
using probes = std::vector<mailbox_probe>;

template <class Handle>
probes as_probes(const std::vector<Handle>& handles) {
  return probes(handles.begin(), handles.end());
}

} // namespace

void admin_state::sample() {
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

node_address admin_state::self_address() const {
  return {deps.ctx->node_id, deps.http_address, deps.cluster_address, true};
}

node_status local_nodes(admin_self self) {
  auto& st = self->state;
  auto& m = metrics::node();
  node_status out;
  out.node = st.self_address();
  out.uptime_s = (now_ms() - st.started_ms) / 1000;
  out.connections = m.ws_open.get();
  auto gauge = [](std::int64_t n) { return static_cast<std::uint64_t>(std::max<std::int64_t>(n, 0)); };
  out.actors = {{"session", gauge(m.sessions_live.get())},
                {"user", gauge(m.users_live.get())},
                {"conversation", gauge(m.conversations_live.get())},
                {"directory", 1}, {"relay", 1}, {"auth", 1}, {"admin", 1}, {"peer_manager", 1}};
  return out;
}

node_stats local_stats(admin_self self) {
  auto& st = self->state;
  auto& m = metrics::node();
  node_stats out;
  out.node = st.self_address();
  out.messages_stored_per_s = st.stored_per_s;
  out.deliveries_per_s = st.deliveries_per_s;
  out.connections = m.ws_open.get();
  out.storage_sync_ms = st.sync_ms;
  out.messages_stored_total = m.messages_stored.get();
  out.deliveries_total = m.deliveries.get();
  return out;
}

/// Actor counts and mailbox sizes by kind. Each actor reports its own
/// mailbox (reading another actor's queue would race with it); plural kinds
/// are listed by the directory and the relay, and their mailboxes summed.
caf::result<node_actor_kinds> local_actors(admin_self self) {
  auto rp = self->make_response_promise<node_actor_kinds>();
  const auto& d = self->state.deps;
  enum kind : std::size_t { session, user, conversation, directory, relay, auth, admin, peer_manager };
  // The plural kinds' members. Policy: a list that fails counts no actors
  // of its kind (the kind is still shown, with 0).
  std::function<void(std::size_t, rpc::reply_to<probes>)> list
    = [self, d](std::size_t i, rpc::reply_to<probes> reply) {
        auto convert = [reply](auto&& handles) { reply(as_probes(handles)); };
        auto failed = [reply](caf::error& err) { reply(err); };
        if (i == 0)
          self->request(d.relay, local_timeout, list_atom::value)
            .then([convert](std::vector<session_api>& v) { convert(v); }, failed);
        else if (i == 1)
          self->request(d.directory, local_timeout, list_atom::value, user_atom::value)
            .then([convert](std::vector<user_api>& v) { convert(v); }, failed);
        else
          self->request(d.directory, local_timeout, list_atom::value)
            .then([convert](std::vector<conversation_api>& v) { convert(v); }, failed);
      };
  rpc::gather<probes>(3, list, [self, rp](rpc::answers<probes> lists) mutable {
    const auto& d = self->state.deps;
    node_actor_kinds out;
    out.node = self->state.self_address();
    out.actors = {{"session"}, {"user"}, {"conversation"}, {"directory"}, {"relay"},
                  {"auth"},    {"admin", 1, self->mailbox().size()}, {"peer_manager"}};
    std::vector<std::pair<std::size_t, mailbox_probe>> asked;
    for (std::size_t k = 0; k < lists.size(); ++k)
      if (lists[k])
        for (auto& a : *lists[k])
          asked.emplace_back(k, std::move(a));
    asked.emplace_back(directory, mailbox_probe{d.directory});
    asked.emplace_back(relay, mailbox_probe{d.relay});
    asked.emplace_back(auth, mailbox_probe{d.authority});
    if (self->state.peer_manager)
      asked.emplace_back(peer_manager, caf::actor_cast<mailbox_probe>(self->state.peer_manager));
    for (const auto& [k, a] : asked)
      out.actors[k].count += 1;
    // Policy: every listed actor counts, answered or not; a mailbox that
    // does not answer adds nothing. The probe is urgent so it skips a
    // backlog, the very thing an admin is looking for.
    std::function<void(std::size_t, rpc::reply_to<std::uint64_t>)> probe
      = [self, asked](std::size_t i, rpc::reply_to<std::uint64_t> reply) {
          rpc::request_into<std::uint64_t, caf::message_priority::high>(
            self, asked[i].second, local_timeout, std::move(reply), mailbox_atom::value);
        };
    rpc::gather<std::uint64_t>(
      asked.size(), probe,
      [rp, asked, out = std::move(out)](rpc::answers<std::uint64_t> sizes) mutable {
        for (std::size_t i = 0; i < sizes.size(); ++i)
          if (sizes[i])
            out.actors[asked[i].first].mailbox += *sizes[i];
        rp.deliver(std::move(out));
      });
  });
  return rp;
}

caf::result<node_conversations> local_conversations(admin_self self) {
  auto rp = self->make_response_promise<node_conversations>();
  self->request(self->state.deps.directory, local_timeout, list_atom::value)
    .then(
      [self, rp](std::vector<conversation_api>& convs) mutable {
        // Policy: a conversation that does not answer (passivating, busy)
        // is left out; the others are listed.
        std::function<void(std::size_t, rpc::reply_to<conversation_info>)> ask
          = [self, convs](std::size_t i, rpc::reply_to<conversation_info> reply) {
              rpc::request_into<conversation_info>(self, convs[i], local_timeout, std::move(reply),
                                          inspect_atom::value);
            };
        rpc::gather<conversation_info>(
          convs.size(), ask, [self, rp](rpc::answers<conversation_info> infos) mutable {
            node_conversations out;
            out.node = self->state.self_address();
            for (auto& c : rpc::successes(std::move(infos)))
              out.conversations.push_back({c.id, c.node, c.title, c.direct, c.members.size(),
                                           c.last_seq, c.messages_per_s});
            rp.deliver(std::move(out));
          });
      },
      [rp](caf::error& err) mutable { rp.deliver(err); });
  return rp;
}

caf::result<history_report> local_history(admin_self self, const std::string& conv,
                                          std::uint32_t n) {
  if (n == 0)
    n = admin_history_default;
  n = std::min(n, admin_history_max);
  // A page is a scan: it runs on the read pool, like a client's.
  auto rp = self->make_response_promise<history_report>();
  const auto& ctx = *self->state.deps.ctx;
  auto data = ctx.store_for(shard_of_id(conv, id_kind::conversation, ctx.shards).value_or(0));
  auto read = [data, conv, n]() -> caf::expected<history_report> {
    std::string header;
    auto rc = data.get(storage::column::conversations, conv, &header);
    if (rc == errc::not_found)
      return make_chat_error(errc::not_found, "no such conversation");
    message_page page;
    if (rc != errc::ok
        || conversation_store{data}.page(conv, page_request{std::nullopt, std::nullopt, n}, &page)
             != errc::ok)
      return make_chat_error(errc::unavailable, "storage is not available");
    history_report out;
    out.conv = conv;
    for (auto& m : page.messages)
      out.messages.push_back(
        {m.seq, std::move(m.from), std::move(m.text), m.ts, std::move(m.msg_id)});
    return out;
  };
  auto then = [rp](caf::expected<history_report> r) mutable {
    if (r)
      rp.deliver(std::move(*r));
    else
      rp.deliver(r.error());
  };
  read_then<caf::expected<history_report>>(
    self, self->state.pending, *self->state.deps.ctx->reads, std::move(read), std::move(then),
    [rp](caf::error busy) mutable { rp.deliver(std::move(busy)); });
  return rp;
}

} // namespace chat
