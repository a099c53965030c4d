#include "actors/conversation/conversation_actor.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <caf/all.hpp>

#include "actors/conversation/attachment_refs.hpp"
#include "actors/conversation/attachment_store.hpp"
#include "actors/conversation/conversation_store.hpp"
#include "actors/conversation/keyed_limits.hpp"
#include "actors/conversation/member_name_lookup.hpp"
#include "actors/conversation/member_roles.hpp"
#include "actors/conversation/message_changes.hpp"
#include "actors/conversation/message_rate.hpp"
#include "actors/conversation/search_backlog.hpp"
#include "actors/conversation/search_blocks.hpp"
#include "actors/conversation/search_handler.hpp"
#include "actors/conversation/search_index.hpp"
#include "actors/conversation/unread_counts.hpp"
#include "actors/conversation/retention.hpp"
#include "actors/rpc/continuations.hpp"
#include "actors/rpc/errors.hpp"
#include "actors/rpc/read_pool.hpp"
#include "cluster/peer_table.hpp"
#include "actors/user/invitation_store.hpp"
#include "log/log.hpp"
#include "metrics/metrics.hpp"
#include "schema/clock.hpp"
#include "schema/frames.hpp"
#include "schema/ids.hpp"
#include "schema/validation.hpp"
#include "storage/codec.hpp"

namespace chat {
namespace {

template <class T>
using promise = caf::typed_response_promise<T>;

/// A member's typing goes out at most once per interval, however many
/// connections send it how often: clients show it for seconds (the web
/// client sends it every 3 s), so the fan-out to every member stays small.
constexpr std::int64_t typing_interval_ms = 1000;

/// The public protocol plus what only the actor sends itself: storage
/// completions (resume), the passivation timer (tick), the next
/// retention batch (retention).
using conversation_impl = conversation_api::extend<caf::reacts_to<resume_atom, std::uint64_t>,
                                                   caf::reacts_to<tick_atom>,
                                                   caf::reacts_to<retention_atom>>;

/// Stored records (messages and events) wait until this many are waiting,
/// or until the next tick, for their search index blocks
/// (search_backlog.hpp); a query checks the waiting ones one by one. No
/// timer of its own: measured, a flush timer per busy conversation cost
/// more CPU (wake-ups) than the blocks saved.
constexpr std::uint64_t index_batch = 128;
/// Messages read per step when indexing those stored before activation.
constexpr std::uint32_t backfill_page = 500;

struct conversation_state;
using conversation_actor = conversation_impl::stateful_pointer<conversation_state>;

struct conversation_state {
  static inline const char* name = "conversation";

  conversation_actor self = nullptr;
  node_ref ctx;
  directory_api directory;
  std::string id;
  storage::store data; ///< the storage of this conversation's group
  std::unique_ptr<conversation_store> store;
  std::unique_ptr<invitation_store> invitations;
  std::unique_ptr<attachment_refs> files; ///< references to attachments, and their removal
  bool expiring = false; ///< a retention batch is being written

  bool exists = false;
  conversation_record header;
  std::map<std::string, member_record> members;
  std::uint64_t next_seq = 1;      ///< seq of the next message
  std::uint64_t committed_seq = 0; ///< highest seq known durable

  continuations pending;
  std::size_t in_flight = 0;
  std::vector<std::function<void()>> on_settled;                ///< run when in_flight is 0
  std::unordered_map<std::string, send_receipt> inflight_sends; ///< user/client_msg_id
  std::unordered_set<std::string> answering;                    ///< invitations being answered
  std::unordered_map<std::string, std::int64_t> typing_sent;    ///< member → last typing out (ms)
  std::unordered_map<std::string, invitation_record> inviting;  ///< invitee → invitation being written
  keyed_limits invite_limits; ///< new invitations per inviter/invitee
  keyed_limits post_limits;   ///< metered (HTTP) posts per user
  std::int64_t last_active = 0;
  bool retiring = false;
  /// Told to exit while writes were in flight (its group moved to another
  /// leader): it answers those first, then goes (at the next tick at the latest).
  std::optional<caf::error> leaving;
  message_rate rate; ///< for the admin shell
  /// Messages whose change is being written: their newest state and how
  /// many writes are out, so a second change meanwhile builds on the first.
  std::map<std::uint64_t, std::pair<message_record, int>> changing;
  mentions::member_names names; ///< members' usernames looked up so far (for mentions)

  // The search index (search_index.hpp). A flush writes the backlog's
  // blocks and the mark: every message up to it is in a block. Messages
  // stored before this activation above the stored mark (a crash, a new
  // leader, data older than the index) are indexed by backfill steps.
  search::index_backlog backlog;
  std::uint64_t index_mark = 0;   ///< the mark durable; queries check later messages one by one
  std::uint64_t live_flushed = 0; ///< messages stored since activation, up to here, are in blocks
  std::uint64_t backfill_pos = 0; ///< messages stored before activation, up to here, are in blocks
  std::uint64_t backfill_end = 0; ///< the last seq stored before activation
  bool backfill_reading = false;
  std::size_t index_writes = 0; ///< of in_flight: no caller waits, so they do not delay passivation
  bool backfilling() const { return backfill_pos < backfill_end; }


  caf::actor me() const { return caf::actor_cast<caf::actor>(self); }

  bool is_member(const std::string& user) const { return members.count(user) > 0; }

  /// The members `text` mentions (names looked up before, see post()).
  std::vector<std::string> mentioned(std::string_view text) const {
    auto ids = names.resolve(text);
    ids.erase(std::remove_if(ids.begin(), ids.end(),
                             [this](const auto& u) { return !is_member(u); }),
              ids.end());
    return ids;
  }

  /// Durable, then `then` in the actor. A failed write leaves the in-memory
  /// state ahead of storage, so the actor stops and the next activation
  /// reloads from storage; it first lets the other writes in flight answer
  /// (their callers must not wait for a timeout), and answers new requests
  /// `retry` meanwhile.
  void commit(storage::write_batch batch, std::function<void(errc)> then) {
    ++in_flight;
    auto [op, complete] = pending.add<errc>(me(), [this, then = std::move(then)](errc rc) {
      --in_flight;
      then(rc);
      if (rc != errc::ok && !leaving) {
        if (rc == errc::internal)
          log::error("conversation", "write failed; restarting from storage", {{"conv", id}});
        leaving = caf::error{caf::exit_reason::user_shutdown};
        retiring = true;
      }
      if (in_flight == 0) {
        auto waiting = std::move(on_settled);
        on_settled.clear();
        for (auto& f : waiting)
          f();
        if (leaving)
          self->quit(*leaving);
      }
    });
    data.commit(std::move(batch), std::move(complete));
  }

  /// Idempotency of sends and changes: a write `user` already made with
  /// `client_msg_id` answers its first receipt (`created` false while it is
  /// still in flight; as stored once durable). True when `rp` is answered;
  /// else `*key` is the in-flight key to register (empty without an id).
  bool answered_before(promise<send_receipt>& rp, const std::string& user,
                       const std::string& client_msg_id, std::string* key) {
    key->clear();
    if (client_msg_id.empty())
      return false;
    *key = user + '/' + client_msg_id;
    if (auto it = inflight_sends.find(*key); it != inflight_sends.end()) {
      auto original = it->second;
      original.created = false;
      when_settled([rp, original]() mutable { rp.deliver(original); });
      return true;
    }
    send_receipt prior;
    auto rc = store->find_idempotent(id, user, client_msg_id, &prior);
    if (rc == errc::not_found)
      return false;
    if (rc == errc::ok)
      rp.deliver(prior);
    else
      rp.deliver(make_chat_error(errc::unavailable, "storage is not available"));
    return true;
  }

  /// Runs `f` once every write issued so far is durable.
  void when_settled(std::function<void()> f) {
    if (in_flight == 0)
      f();
    else
      on_settled.push_back(std::move(f));
  }

  /// One encode, one send per node: each node's relay fans out to its
  /// local connections.
  void deliver(std::string frame, const std::string& except_user = {}) {
    wire_frame shared{make_frame(std::move(frame))};
    auto relays = ctx->peers->relays(); // this node's first
    for (const auto& relay : relays)
      self->send(relay, deliver_atom::value, id, shared, except_user);
    metrics::node().cross_node_sends.inc(relays.size() - 1);
  }

  /// A member's home node keeps a copy of the membership (see
  /// cluster/gather.hpp); this node's own index was written with the change.
  void index_at_home(const std::string& user, bool joined) {
    auto shard = shard_of_id(user, id_kind::user, ctx->shards);
    if (!shard || ctx->peers->serves(*shard))
      return;
    if (auto home = ctx->peers->owner(*shard))
      self->send(home->directory, mindex_atom::value, user, id, joined);
  }

  /// Membership changes reach every relay in order with the deliveries.
  template <class Atom>
  void tell_relays(Atom what, const std::string& user) {
    for (const auto& relay : ctx->peers->relays())
      self->send(relay, what, id, user);
  }

  conversation_view view(bool with_members) const {
    conversation_view v{id, header.direct, header.title, header.owner, header.created_at,
                        committed_seq, with_members, {}};
    v.retention_seconds = header.retention_seconds;
    if (with_members) {
      for (const auto& [user, m] : members)
        v.members.push_back({user, std::string(roles::name(m)), m.joined_at});
      std::sort(v.members.begin(), v.members.end(),
                [](const auto& a, const auto& b) { return a.joined_at < b.joined_at; });
    }
    return v;
  }

  /// The common gate of every request: retiring → retry, unknown → 404,
  /// non-member → 403. Returns the error to answer, if any.
  caf::error gate(const std::string& user, bool members_only = true) {
    last_active = now_ms();
    if (retiring)
      return make_chat_error(errc::retry, "conversation is moving; try again");
    if (!exists)
      return make_chat_error(errc::not_found, "no such conversation");
    if (members_only && !is_member(user))
      return make_chat_error(errc::forbidden, "you are not a member of this conversation");
    return {};
  }

  /// The gate, then the user's post budget here (HTTP posts and changes).
  caf::error metered_gate(const std::string& user) {
    if (auto err = gate(user))
      return err;
    int retry_after = 1;
    if (!post_limits.allow(user, &retry_after)) {
      metrics::node().rate_limited.inc();
      return make_chat_error(errc::rate_limited, "too many messages; retry after "
                                                   + std::to_string(retry_after) + " s");
    }
    return {};
  }

  invitation_record new_invitation(const std::string& by, const std::string& invitee) const {
    auto shard = *shard_of_id(invitee, id_kind::user, ctx->shards);
    return {make_id(id_kind::invitation, shard), id, header.title, by, invitee, now_ms()};
  }

  static invitation_view view_of_invitation(const invitation_record& inv) {
    return {inv.id, inv.conv, inv.conv_title, inv.from, inv.to, inv.created_at};
  }

  /// Tells the invitee's connections about a stored invitation.
  invitation_view announce_invitation(const invitation_record& inv) {
    auto v = view_of_invitation(inv);
    self->send(directory, push_atom::value, inv.to, wire_frame{make_frame(invitation_frame(v))});
    return v;
  }

  /// The user's pending invitation to this conversation, reserved while it
  /// is being answered (a second answer meanwhile finds nothing).
  caf::error take_invitation(const std::string& user, const std::string& invitation,
                             invitation_record* out) {
    if (auto err = gate(user, false))
      return err;
    std::vector<invitation_record> mine;
    invitations->pending_for(user, &mine);
    auto it = std::find_if(mine.begin(), mine.end(), [&](const auto& inv) {
      return inv.id == invitation && inv.conv == id;
    });
    if (it == mine.end() || answering.count(invitation))
      return make_chat_error(errc::not_found, "no such invitation");
    *out = *it;
    answering.insert(out->id);
    return {};
  }

  /// Adds to `batch` the deletion of `user`'s pending invitations here (and
  /// of those they sent, when `sent_too`). False if storage failed.
  bool void_invitations(storage::write_batch& batch, const std::string& user, bool sent_too) {
    std::vector<invitation_record> found;
    if (invitations->pending_to(user, id, &found) != errc::ok)
      return false;
    for (const auto& inv : found)
      invitations->remove(batch, inv);
    if (!sent_too)
      return true;
    if (invitations->sent_by(user, id, &found) != errc::ok)
      return false;
    for (const auto& inv : found)
      invitations->remove(batch, inv);
    return true;
  }

  /// The member who takes over a group when its owner goes: the
  /// longest-standing admin, else member (nothing when none is left).
  std::optional<member_record> successor_of(const std::string& owner) const {
    return roles::successor(members, owner);
  }

  /// Adds to `batch` what removing member `user` writes: the membership,
  /// their pending invitations here, and (for the owner of a group) the
  /// ownership passing on. Answers the new owner ("" for none), or
  /// nothing when ownership stays. False if storage failed.
  bool removal(storage::write_batch& batch, const std::string& user, bool sent_too,
               std::optional<std::string>* new_owner) {
    if (!void_invitations(batch, user, sent_too))
      return false;
    store->delete_member(batch, id, user);
    if (!header.direct && header.owner == user) {
      auto next = successor_of(user);
      auto changed = header;
      changed.owner = next ? next->user_id : "";
      store->put_header(batch, changed);
      if (next) {
        next->owner = true;
        next->admin = false;
        store->put_member(batch, id, *next);
      }
      *new_owner = changed.owner;
    }
    return true;
  }

  /// After the removal's write: announce to everyone (the one leaving
  /// included), unsubscribe them, and apply the ownership change.
  void removed(const std::string& user, const std::optional<std::string>& new_owner) {
    deliver(member_frame(false, id, user));
    tell_relays(drop_user_atom::value, user);
    index_at_home(user, false);
    members.erase(user);
    names.forget(user);
    if (new_owner) {
      header.owner = *new_owner;
      if (auto it = members.find(*new_owner); it != members.end()) {
        it->second.owner = true;
        it->second.admin = false;
      }
    }
  }

  /// After a join's write: subscribe the newcomer's connections first, then
  /// announce; the relay sees both in this order, so the newcomer hears it too.
  void joined(const member_record& m) {
    members.emplace(m.user_id, m);
    tell_relays(add_user_atom::value, m.user_id);
    index_at_home(m.user_id, true);
    deliver(member_frame(true, id, m.user_id));
  }

  /// Appends a message once the caller passed the gate and any budget;
  /// `looked_up`: the usernames its mentions need were asked for.
  void post(promise<send_receipt> rp, const std::string& user, std::string text,
            std::string client_msg_id, std::uint64_t reply_to = 0,
            const std::vector<std::string>& attachments = {}, bool looked_up = false);

  /// Uploads made before this (ms) that no message names are gone.
  std::int64_t grace_cutoff() const {
    return now_ms()
           - std::chrono::duration_cast<std::chrono::milliseconds>(ctx->settings.attachment_grace)
               .count();
  }

  /// After loading: where the stored index stops, and what to backfill.
  void start_index() {
    if (search::read_mark(data, id, &index_mark) != errc::ok)
      index_mark = 0; // everything is checked one by one, and indexed again
    index_mark = std::min(index_mark, committed_seq);
    backfill_pos = index_mark;
    backfill_end = committed_seq;
    live_flushed = committed_seq;
    backfill_step();
  }

  /// A record just acknowledged (call before committed_seq moves past it):
  /// a message joins the backlog; events count too, so the mark follows them.
  void index_stored(const message_record& m) {
    if (search::indexed(m)) {
      if (!backlog.fits(m.seq))
        flush_index();
      backlog.add(m);
    }
    if (m.seq >= live_flushed + index_batch)
      flush_index();
  }

  /// Writes the backlog's blocks and moves the mark to what is acknowledged.
  void flush_index() {
    if (!exists || (backlog.empty() && live_flushed >= committed_seq))
      return;
    storage::write_batch batch;
    backlog.write(batch, id);
    live_flushed = committed_seq;
    write_mark(std::move(batch), [] {});
  }

  /// Commits `batch` (blocks) with the mark as far as blocks now reach.
  void write_mark(storage::write_batch batch, std::function<void()> then) {
    auto mark = backfilling() ? backfill_pos : live_flushed;
    search::put_mark(batch, id, mark);
    ++index_writes;
    commit(std::move(batch), [this, mark, then = std::move(then)](errc rc) {
      --index_writes;
      if (rc != errc::ok)
        return;
      index_mark = std::max(index_mark, mark);
      then();
    });
  }

  /// Indexes the next page of messages stored before activation (read on
  /// the pool); the next step follows once it is durable.
  void backfill_step() {
    if (!exists || !backfilling() || backfill_reading || retiring)
      return;
    backfill_reading = true;
    struct step {
      errc rc = errc::ok;
      storage::write_batch batch;
      std::uint64_t upto = 0;
    };
    auto read = [data = data, conv = id, from = backfill_pos, end = backfill_end] {
      step r;
      page_request req;
      req.after = from;
      req.limit = backfill_page;
      message_page page;
      r.rc = conversation_store{data}.page(conv, req, &page);
      if (r.rc != errc::ok)
        return r;
      search::index_backlog blocks;
      r.upto = page.has_more ? from : end;
      for (const auto& v : page.messages) {
        if (v.seq > end) {
          r.upto = end;
          break;
        }
        message_record m;
        m.seq = v.seq;
        m.from = v.from;
        m.text = v.text;
        m.kind = v.kind;
        m.deleted = v.deleted;
        if (!blocks.fits(m.seq))
          blocks.write(r.batch, conv);
        blocks.add(m);
        r.upto = std::max(r.upto, v.seq);
      }
      blocks.write(r.batch, conv);
      return r;
    };
    auto then = [this](step r) {
      backfill_reading = false;
      if (r.rc != errc::ok || retiring || r.upto <= backfill_pos)
        return; // tried again at the next tick
      backfill_pos = std::min(r.upto, backfill_end);
      write_mark(std::move(r.batch), [this] { backfill_step(); });
    };
    read_then<step>(self, pending, *ctx->reads, std::move(read), std::move(then),
                    [this](caf::error) { backfill_reading = false; });
  }

  /// One bounded batch of retention (retention.hpp); the next follows
  /// once it is durable while more are due. It rewrites the header, so it
  /// waits until no other write (an ownership change, say) is in flight.
  void expire_step() {
    if (!exists || retiring || expiring || header.retention_seconds == 0)
      return;
    expiring = true;
    when_settled([this] {
      expiring = false;
      if (!retiring)
        expire_batch();
    });
  }

  void expire_batch() {
    // The page and the index blocks it may free are read on the pool; the
    // batch is built here, once no other write is in flight.
    struct expiry_read {
      errc rc = errc::ok;
      message_page page;
      std::vector<search::block_key> blocks;
    };
    const auto cutoff = retention::cutoff(header.retention_seconds, now_ms());
    auto read = [data = data, conv = id, from = header.expired_before, upto = committed_seq,
                 cutoff] {
      expiry_read r;
      r.rc = retention::read_page(conversation_store{data}, conv, from, &r.page);
      std::set<std::string> terms;
      std::uint64_t below = 0;
      for (const auto& m : r.page.messages) {
        if (r.rc != errc::ok || m.seq > upto || m.ts >= cutoff)
          break;
        terms.merge(search::terms_set(m));
        below = m.seq + 1;
      }
      if (r.rc == errc::ok && below != 0)
        r.rc = search::blocks_below(data, conv, terms, below, &r.blocks);
      return r;
    };
    auto then = [this, cutoff](expiry_read r) {
      when_settled([this, cutoff, r = std::move(r)] {
        expiring = false;
        if (r.rc == errc::ok && !retiring && exists)
          expire_read(r.page, r.blocks, cutoff);
      });
    };
    expiring = true;
    read_then<expiry_read>(self, pending, *ctx->reads, std::move(read), std::move(then),
                           [this](caf::error) { expiring = false; });
  }

  void expire_read(const message_page& page, const std::vector<search::block_key>& blocks,
                   std::int64_t cutoff) {
    storage::write_batch batch;
    retention::expiry done;
    std::vector<message_view> gone;
    auto rc = retention::expire_page(page, *files, *store, header.expired_before, committed_seq,
                                     cutoff,
                                     [this](std::uint64_t seq) { return changing.count(seq) > 0; },
                                     [this, &batch, &gone](const message_view& v) {
                                       unread::index(batch, id, v.seq, v.from, v.mentions, {});
                                       gone.push_back(v);
                                     },
                                     batch, &done);
    if (rc != errc::ok || done.removed == 0)
      return;
    search::unindex_expired(batch, id, gone, done.expired_before, blocks);
    header.expired_before = done.expired_before;
    store->put_header(batch, header);
    expiring = true;
    commit(std::move(batch), [this, more = done.more](errc rc) {
      expiring = false;
      if (rc == errc::ok && more)
        self->send(self, retention_atom::value);
    });
  }

  /// Removes (a bounded number of) uploads no message took up in time.
  void sweep_attachments() {
    if (!exists || retiring)
      return;
    storage::write_batch batch;
    if (files->sweep(batch, grace_cutoff(), 64) > 0)
      commit(std::move(batch), [](errc) {});
  }

  /// Edits, deletes or reacts once the caller passed the gate and any budget
  /// (`moderator`: the operator, who may delete any message; `user` "");
  /// `looked_up`: the usernames its mentions need were asked for.
  void change(promise<send_receipt> rp, const std::string& user, const message_change& c,
              bool moderator = false, bool looked_up = false);

  /// Posting and changing messages in a direct conversation while either
  /// of the two blocks the other: forbidden.
  caf::error blocked() const {
    if (header.direct && !header.blocked_by.empty())
      return make_chat_error(errc::forbidden,
                             "blocked: nobody can post here while either of you blocks the other");
    return {};
  }

  /// The current state of acknowledged message `seq`, or the error to answer.
  caf::error current(std::uint64_t seq, message_record* out) const {
    if (seq == 0 || seq > committed_seq)
      return make_chat_error(errc::not_found, "no such message");
    if (auto it = changing.find(seq); it != changing.end()) {
      *out = it->second.first;
      return {};
    }
    auto rc = store->get(id, seq, out);
    // Past the retention period counts as removed, even before it is.
    if (rc == errc::not_found || seq < header.expired_before
        || (rc == errc::ok && out->ts < retention::cutoff(header.retention_seconds, now_ms())))
      return make_chat_error(errc::not_found, "no such message");
    if (rc != errc::ok)
      return make_chat_error(errc::unavailable, "storage is not available");
    return {};
  }

  void load(stored_conversation stored) {
    exists = true;
    header = std::move(stored.header);
    for (auto& m : stored.members)
      members.emplace(m.user_id, std::move(m));
    // Retention may have removed every message: seqs are never reused.
    committed_seq = std::max<std::uint64_t>(stored.last_seq,
                                            header.expired_before ? header.expired_before - 1 : 0);
    next_seq = committed_seq + 1;
  }

  void schedule_tick() {
    auto idle = ctx->settings.conversation_idle;
    self->delayed_send(self, std::max<caf::timespan>(idle / 2, std::chrono::seconds(1)),
                       tick_atom::value);
  }

  /// Passivation: ask the directory to forget us, then go. Requests that
  /// arrive meanwhile are answered `retry`, so callers resolve afresh.
  void maybe_retire() {
    auto idle_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     ctx->settings.conversation_idle)
                     .count();
    if (retiring || in_flight > index_writes || now_ms() - last_active < idle_ms) {
      schedule_tick();
      return;
    }
    retiring = true;
    self->request(directory, std::chrono::seconds(5), retire_atom::value, id)
      .then(
        [this](bool forgotten) {
          if (forgotten) {
            log::debug("conversation", "passivated", {{"conv", id}});
            self->quit();
            return;
          }
          retiring = false;
          schedule_tick();
        },
        [this](caf::error&) {
          retiring = false;
          schedule_tick();
        });
  }
};

void conversation_state::post(promise<send_receipt> rp, const std::string& user, std::string text,
                              std::string client_msg_id, std::uint64_t reply_to,
                              const std::vector<std::string>& attachments, bool looked_up) {
  auto& st = *this;
  if (auto err = blocked()) {
    rp.deliver(err);
    return;
  }
  if (!looked_up
      && mentions::look_up_names(self, *ctx, names, members, text,
                                 [this, rp, user, text, client_msg_id, reply_to,
                                  attachments]() mutable {
                                   post(rp, user, std::move(text), std::move(client_msg_id),
                                        reply_to, attachments, true);
                                 }))
    return;
  if (attachments.empty() && !validate::message_text(text)) {
    rp.deliver(make_chat_error(errc::bad_request, "text must be 1-4096 bytes of valid UTF-8"));
    return;
  }
  if (!attachments.empty() && !validate::attachment_caption(text)) {
    rp.deliver(make_chat_error(errc::bad_request, "text must be at most 4096 bytes of valid UTF-8"));
    return;
  }
  if (attachments.size() > max_attachments_per_message) {
    rp.deliver(make_chat_error(errc::bad_request, "a message carries at most "
                                                    + std::to_string(max_attachments_per_message)
                                                    + " attachments"));
    return;
  }
  if (reply_to != 0) {
    message_record answered;
    if (auto err = current(reply_to, &answered)) {
      rp.deliver(err);
      return;
    }
    if (auto e = changes::check_reply_target(answered); e.code != errc::ok) {
      rp.deliver(make_chat_error(e.code, e.message));
      return;
    }
  }
  if (!client_msg_id.empty() && !validate::client_msg_id(client_msg_id)) {
    rp.deliver(make_chat_error(errc::bad_request, "client_msg_id must be 1-64 bytes"));
    return;
  }
  std::string key;
  if (st.answered_before(rp, user, client_msg_id, &key))
    return;
  // Only attachments uploaded to this conversation (and not removed):
  // their keys start with its id, so another conversation's are not found.
  std::vector<attachment_ref> refs;
  if (auto e = st.files->resolve(attachments, st.grace_cutoff(), &refs); e.code != errc::ok) {
    rp.deliver(make_chat_error(e.code, e.message));
    return;
  }
  auto shard = *shard_of_id(st.id, id_kind::conversation, st.ctx->shards);
  message_record m{st.next_seq++, make_id(id_kind::message, shard), user, std::move(text),
                   now_ms(), std::move(client_msg_id)};
  m.reply_to = reply_to;
  m.mentions = mentioned(m.text);
  m.attachments = std::move(refs);
  send_receipt receipt{st.id, m.seq, m.msg_id, m.ts, true};
  if (!key.empty())
    st.inflight_sends.emplace(key, receipt);
  storage::write_batch batch;
  st.store->append(batch, st.id, m);
  unread::index(batch, st.id, m.seq, user, {}, m.mentions);
  st.files->add(batch, m.attachments); // counted with the message, in its batch
  st.commit(std::move(batch), [this, rp, receipt, key, m = std::move(m)](errc rc) mutable {
    auto& st = *this;
    if (!key.empty())
      st.inflight_sends.erase(key);
    if (rc != errc::ok) {
      rp.deliver(write_failed(rc));
      return;
    }
    st.index_stored(m);
    st.committed_seq = std::max(st.committed_seq, m.seq);
    metrics::node().messages_stored.inc();
    st.rate.add(now_ms());
    rp.deliver(receipt);
    st.deliver(message_frame(view_of(st.id, m)));
  });
}

void conversation_state::change(promise<send_receipt> rp, const std::string& user,
                                const message_change& c, bool moderator, bool looked_up) {
  if (auto e = changes::check_input(c); e.code != errc::ok) {
    rp.deliver(make_chat_error(e.code, e.message));
    return;
  }
  // A retried change answers the first one's receipt and changes nothing
  // (send's idempotency: the same keys, in the same column, per user).
  if (!c.client_msg_id.empty() && !validate::client_msg_id(c.client_msg_id)) {
    rp.deliver(make_chat_error(errc::bad_request, "client_msg_id must be 1-64 bytes"));
    return;
  }
  std::string key;
  if (answered_before(rp, user, c.client_msg_id, &key))
    return;
  if (auto err = moderator ? caf::error{} : blocked()) {
    rp.deliver(err);
    return;
  }
  if (!looked_up && c.kind == change_kind::edit
      && mentions::look_up_names(self, *ctx, names, members, c.text,
                                 [this, rp, user, c, moderator]() mutable {
                                   change(rp, user, c, moderator, true);
                                 }))
    return;
  message_record target;
  if (auto err = current(c.target, &target)) {
    rp.deliver(err);
    return;
  }
  bool admin = moderator || (members.count(user) && members.at(user).admin);
  if (auto e = changes::check(target, c, user, header.direct ? std::string{} : header.owner, admin);
      e.code != errc::ok) {
    rp.deliver(make_chat_error(e.code, e.message));
    return;
  }
  // A deleted message lets go of its attachments (removed when it was the
  // last to name them), in the same batch as the deletion.
  storage::write_batch batch;
  if (c.kind == change_kind::remove && files->release(batch, target.attachments) != errc::ok) {
    rp.deliver(make_chat_error(errc::unavailable, "storage is not available"));
    return;
  }
  auto ts = now_ms();
  auto before = target; // its words leave the search index
  changes::apply(target, c, user, ts);
  // An edit mentions whom its new text names; a deleted message no one.
  auto mentioned_before = target.mentions;
  if (c.kind == change_kind::edit)
    target.mentions = mentioned(target.text);
  else if (c.kind == change_kind::remove)
    target.mentions.clear();
  auto shard = *shard_of_id(id, id_kind::conversation, ctx->shards);
  auto ev = changes::event(next_seq++, make_id(id_kind::message, shard), c, user, ts);
  ev.client_msg_id = c.client_msg_id; // append() stores the key with the event
  if (!key.empty())
    inflight_sends.emplace(key, send_receipt{id, ev.seq, ev.msg_id, ev.ts, true});
  auto& slot = changing[target.seq];
  slot.first = target;
  ++slot.second;
  // The event and the message's new state in one batch: a reader (or a
  // replica) never sees one without the other.
  store->update(batch, id, target);
  store->append(batch, id, ev);
  search::reindex_message(batch, id, before, target);
  unread::index(batch, id, target.seq, target.from, mentioned_before, target.mentions);
  commit(std::move(batch), [this, rp, ev, target, key](errc rc) mutable {
    if (!key.empty())
      inflight_sends.erase(key);
    if (auto it = changing.find(target.seq); it != changing.end() && --it->second.second == 0)
      changing.erase(it);
    if (rc != errc::ok) {
      rp.deliver(write_failed(rc));
      return;
    }
    index_stored(ev);
    committed_seq = std::max(committed_seq, ev.seq);
    rate.add(now_ms());
    rp.deliver(send_receipt{id, ev.seq, ev.msg_id, ev.ts, true});
    deliver(change_frame(view_of(id, ev), view_of(id, target)));
  });
}

/// The owner names an admin or takes the role back: the member record
/// rewritten (replicated like any write), then `member_role` to everyone.
/// Asking for the role a member already has changes nothing.
void set_admin(conversation_state& st, promise<done_atom> rp, const std::string& by,
               const std::string& target, bool admin) {
  if (auto err = st.gate(by)) {
    rp.deliver(err);
    return;
  }
  auto it = st.members.find(target);
  if (auto e = roles::check_set_admin(st.header.direct, st.header.owner, by,
                                      it == st.members.end() ? nullptr : &it->second);
      e.code != errc::ok) {
    rp.deliver(make_chat_error(e.code, e.message));
    return;
  }
  if (it->second.admin == admin) {
    st.when_settled([rp]() mutable { rp.deliver(done_atom::value); });
    return;
  }
  auto m = it->second;
  m.admin = admin;
  it->second.admin = admin; // at once: a second request meanwhile sees it
  storage::write_batch batch;
  st.store->put_member(batch, st.id, m);
  st.commit(std::move(batch), [&st, rp, m](errc rc) mutable {
    if (rc != errc::ok) {
      rp.deliver(write_failed(rc));
      return;
    }
    rp.deliver(done_atom::value);
    st.deliver(member_role_frame(st.id, m.user_id, roles::name(m)));
  });
}

/// Notes in the header (stored, replicated) that `user` blocks or stopped
/// blocking the other of a direct conversation's pair.
void set_direct_block(conversation_state& st, promise<done_atom> rp, const std::string& user,
                      bool on) {
  if (auto err = st.gate(user, false)) {
    rp.deliver(err);
    return;
  }
  if (!st.header.direct) {
    rp.deliver(make_chat_error(errc::bad_request, "not a direct conversation"));
    return;
  }
  auto& by = st.header.blocked_by;
  auto it = std::find(by.begin(), by.end(), user);
  if ((it != by.end()) == on) {
    st.when_settled([rp]() mutable { rp.deliver(done_atom::value); });
    return;
  }
  if (on)
    by.push_back(user);
  else
    by.erase(it);
  storage::write_batch batch;
  st.store->put_header(batch, st.header);
  st.commit(std::move(batch), [rp](errc rc) mutable {
    if (rc != errc::ok)
      rp.deliver(write_failed(rc));
    else
      rp.deliver(done_atom::value);
  });
}

/// Stores an attachment for a member who passed the gate: header and
/// chunks in one batch, answered once durable.
void store_attachment(conversation_state& st, promise<attachment_view> rp,
                      const std::string& user, std::string name, std::string type,
                      const std::string& bytes) {
  if (bytes.size() > st.ctx->settings.attachment_max_bytes) {
    rp.deliver(make_chat_error(errc::payload_too_large, "the attachment is too large"));
    return;
  }
  auto shard = *shard_of_id(st.id, id_kind::conversation, st.ctx->shards);
  attachment_record a{make_id(id_kind::attachment, shard), st.id, std::move(name),
                      std::move(type), bytes.size(), user, now_ms()};
  storage::write_batch batch;
  attachment_store::put(batch, a, bytes);
  st.commit(std::move(batch), [rp, v = view_of_attachment(a)](errc rc) mutable {
    if (rc != errc::ok)
      rp.deliver(write_failed(rc));
    else
      rp.deliver(v);
  });
}

/// One chunk, read on the read pool (a download never holds the scheduler).
void read_attachment_chunk(conversation_actor self, conversation_state& st,
                           promise<std::string> rp, const std::string& att,
                           std::uint64_t index) {
  struct chunk_read {
    errc rc = errc::ok;
    std::string bytes;
  };
  auto read = [data = st.data, id = st.id, att, index] {
    chunk_read r;
    r.rc = attachment_store{data}.chunk(id, att, index, &r.bytes);
    return r;
  };
  auto then = [rp](chunk_read r) mutable {
    if (r.rc == errc::not_found)
      rp.deliver(make_chat_error(errc::not_found, "no such attachment"));
    else if (r.rc != errc::ok)
      rp.deliver(make_chat_error(errc::unavailable, "storage is not available"));
    else
      rp.deliver(std::move(r.bytes));
  };
  read_then<chunk_read>(self, st.pending, *st.ctx->reads, std::move(read), std::move(then),
                        [rp](caf::error busy) mutable { rp.deliver(std::move(busy)); });
}

conversation_impl::behavior_type conversation(conversation_actor self, node_ref ctx,
                                              directory_api directory, std::string id,
                                              std::optional<stored_conversation> stored) {
  auto& st = self->state;
  st.self = self;
  st.ctx = std::move(ctx);
  st.directory = std::move(directory);
  st.id = std::move(id);
  st.data = st.ctx->store_for(shard_of_id(st.id, id_kind::conversation, st.ctx->shards).value_or(0));
  st.store = std::make_unique<conversation_store>(st.data);
  st.invitations = std::make_unique<invitation_store>(st.data);
  st.files = std::make_unique<attachment_refs>(st.data, st.id);
  const auto& limits = st.ctx->settings;
  st.invite_limits = keyed_limits{static_cast<double>(limits.invites_per_minute),
                                  static_cast<double>(limits.invites_per_minute) / 60.0};
  st.post_limits = keyed_limits{static_cast<double>(limits.rate_burst), limits.rate_per_second};
  self->link_to(st.directory);
  // The directory ends a group's conversations when this node stops leading
  // it. Writes still in flight then fail (the leader moved): their callers
  // must hear that (and resolve the conversation again) rather than wait
  // for a timeout, so the actor answers them before it goes.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    if (st.in_flight == 0 || st.leaving) {
      self->quit(msg.reason);
      return;
    }
    st.leaving = msg.reason; // commit() quits once in_flight is 0
    st.retiring = true;      // new requests: `retry`
    self->delayed_send(self, std::chrono::seconds(2), tick_atom::value);
  });
  metrics::node().conversations_live.add(1);
  self->attach_functor([] { metrics::node().conversations_live.add(-1); });
  st.last_active = now_ms();
  if (stored) {
    st.load(std::move(*stored));
    log::debug("conversation", "activated", {{"conv", st.id}, {"last_seq", st.committed_seq}});
    self->send(self, retention_atom::value); // what expired while it was passive
    st.start_index();
  }
  st.schedule_tick();
  return {
    [self](resume_atom, std::uint64_t op) { self->state.pending.resume(op); },
    [self](tick_atom) {
      if (self->state.leaving) {
        self->quit(*self->state.leaving);
        return;
      }
      self->state.flush_index();
      self->state.backfill_step(); // one that met a busy pool or a failed read
      self->state.sweep_attachments();
      self->state.expire_step();
      self->state.maybe_retire();
    },
    [self](inspect_atom) -> conversation_info {
      auto& st = self->state;
      conversation_info info{st.id,           st.ctx->node_id, st.header.title,
                             st.header.direct, st.header.owner, {},
                             st.committed_seq, st.rate.per_second(now_ms()),
                             self->mailbox().size()};
      for (const auto& [user, m] : st.members)
        info.members.push_back({user, std::string(roles::name(m))});
      return info;
    },
    [self](mailbox_atom) -> std::uint64_t { return self->mailbox().size(); },

    // Creates the conversation with its members and invitations in one
    // write (nothing half-made to clean up), or answers the existing one (a
    // direct conversation asked for twice, possibly at the same moment).
    [self](create_atom, conversation_record& header, std::vector<member_record>& members,
           std::vector<std::string>& invitees) -> promise<direct_result> {
      auto& st = self->state;
      auto rp = self->make_response_promise<direct_result>();
      st.last_active = now_ms();
      if (st.retiring) {
        rp.deliver(make_chat_error(errc::retry, "conversation is moving; try again"));
        return rp;
      }
      if (st.exists) {
        // A direct conversation's caller who had left is a member again
        // (and sees its whole history, as before).
        auto caller = members.empty() ? std::string{} : members.front().user_id;
        if (st.header.direct && header.direct && !caller.empty() && !st.is_member(caller)) {
          member_record m{caller, false, now_ms()};
          storage::write_batch batch;
          st.store->put_member(batch, st.id, m);
          st.commit(std::move(batch), [self, rp, m](errc rc) mutable {
            auto& st = self->state;
            if (rc != errc::ok) {
              rp.deliver(write_failed(rc));
              return;
            }
            if (!st.is_member(m.user_id))
              st.joined(m);
            rp.deliver(direct_result{st.view(false), false});
          });
          return rp;
        }
        st.when_settled([self, rp]() mutable {
          rp.deliver(direct_result{self->state.view(false), false});
        });
        return rp;
      }
      st.exists = true;
      st.header = std::move(header);
      storage::write_batch batch;
      st.store->put_header(batch, st.header);
      for (auto& m : members) {
        st.store->put_member(batch, st.id, m);
        st.members.emplace(m.user_id, m);
      }
      std::vector<invitation_record> invitations;
      for (const auto& invitee : invitees) {
        if (st.is_member(invitee))
          continue;
        invitations.push_back(st.new_invitation(st.header.owner, invitee));
        st.invitations->put(batch, invitations.back());
      }
      st.commit(std::move(batch), [self, rp, invitations](errc rc) mutable {
        auto& st = self->state;
        if (rc != errc::ok) {
          rp.deliver(write_failed(rc));
          return;
        }
        for (const auto& [user, m] : st.members) {
          st.tell_relays(add_user_atom::value, user);
          st.index_at_home(user, true);
        }
        for (const auto& inv : invitations)
          st.announce_invitation(inv);
        rp.deliver(direct_result{st.view(false), true});
      });
      return rp;
    },

    [self](post_atom, const std::string& user, std::string& text,
           std::string& client_msg_id) -> promise<send_receipt> {
      auto& st = self->state;
      auto rp = self->make_response_promise<send_receipt>();
      if (auto err = st.gate(user))
        rp.deliver(err);
      else
        st.post(rp, user, std::move(text), std::move(client_msg_id));
      return rp;
    },
    [self](post_atom, metered_atom, const std::string& user, std::string& text,
           std::string& client_msg_id) -> promise<send_receipt> {
      auto& st = self->state;
      auto rp = self->make_response_promise<send_receipt>();
      int retry_after = 1;
      if (auto err = st.gate(user)) {
        rp.deliver(err);
      } else if (!st.post_limits.allow(user, &retry_after)) {
        metrics::node().rate_limited.inc();
        rp.deliver(make_chat_error(errc::rate_limited, "too many messages; retry after "
                                                         + std::to_string(retry_after) + " s"));
      } else {
        st.post(rp, user, std::move(text), std::move(client_msg_id));
      }
      return rp;
    },

    [self](post_atom, const std::string& user, std::string& text, std::string& client_msg_id,
           std::uint64_t reply_to) -> promise<send_receipt> {
      auto& st = self->state;
      auto rp = self->make_response_promise<send_receipt>();
      if (auto err = st.gate(user))
        rp.deliver(err);
      else
        st.post(rp, user, std::move(text), std::move(client_msg_id), reply_to);
      return rp;
    },
    [self](post_atom, metered_atom, const std::string& user, std::string& text,
           std::string& client_msg_id, std::uint64_t reply_to) -> promise<send_receipt> {
      auto& st = self->state;
      auto rp = self->make_response_promise<send_receipt>();
      if (auto err = st.metered_gate(user))
        rp.deliver(err);
      else
        st.post(rp, user, std::move(text), std::move(client_msg_id), reply_to);
      return rp;
    },
    [self](post_atom, const std::string& user, std::string& text, std::string& client_msg_id,
           std::uint64_t reply_to, const std::vector<std::string>& attachments)
      -> promise<send_receipt> {
      auto& st = self->state;
      auto rp = self->make_response_promise<send_receipt>();
      if (auto err = st.gate(user))
        rp.deliver(err);
      else
        st.post(rp, user, std::move(text), std::move(client_msg_id), reply_to, attachments);
      return rp;
    },
    [self](post_atom, metered_atom, const std::string& user, std::string& text,
           std::string& client_msg_id, std::uint64_t reply_to,
           const std::vector<std::string>& attachments) -> promise<send_receipt> {
      auto& st = self->state;
      auto rp = self->make_response_promise<send_receipt>();
      if (auto err = st.metered_gate(user))
        rp.deliver(err);
      else
        st.post(rp, user, std::move(text), std::move(client_msg_id), reply_to, attachments);
      return rp;
    },
    [self](change_atom, const std::string& user, const message_change& c)
      -> promise<send_receipt> {
      auto& st = self->state;
      auto rp = self->make_response_promise<send_receipt>();
      if (auto err = st.gate(user))
        rp.deliver(err);
      else
        st.change(rp, user, c);
      return rp;
    },
    [self](change_atom, admin_atom, std::uint64_t seq) -> promise<send_receipt> {
      auto& st = self->state;
      auto rp = self->make_response_promise<send_receipt>();
      if (auto err = st.gate({}, false))
        rp.deliver(err);
      else
        st.change(rp, {}, message_change{change_kind::remove, seq, {}}, true);
      return rp;
    },
    [self](change_atom, metered_atom, const std::string& user, const message_change& c)
      -> promise<send_receipt> {
      auto& st = self->state;
      auto rp = self->make_response_promise<send_receipt>();
      if (auto err = st.metered_gate(user))
        rp.deliver(err);
      else
        st.change(rp, user, c);
      return rp;
    },

    // A page is a scan: it runs on the read pool, and the answer shows only
    // what was acknowledged when it was asked for (messages not yet
    // acknowledged stay invisible, like they never were).
    [self](history_atom, const std::string& user, const page_request& page)
      -> promise<message_page> {
      auto& st = self->state;
      auto rp = self->make_response_promise<message_page>();
      if (auto err = st.gate(user)) {
        rp.deliver(err);
        return rp;
      }
      struct page_read {
        errc rc = errc::ok;
        message_page page;
      };
      auto read = [data = st.data, id = st.id, page] {
        page_read r;
        r.rc = conversation_store{data}.page(id, page, &r.page);
        return r;
      };
      auto then = [rp, acknowledged = st.committed_seq, expired = st.header.expired_before,
                   cutoff = retention::cutoff(st.header.retention_seconds, now_ms())](
                    page_read r) mutable {
        if (r.rc != errc::ok) {
          rp.deliver(make_chat_error(errc::unavailable, "storage is not available"));
          return;
        }
        auto& msgs = r.page.messages;
        while (!msgs.empty() && msgs.back().seq > acknowledged)
          msgs.pop_back();
        // Past the retention period but not yet removed: as good as gone.
        retention::hide_expired(r.page, cutoff, expired);
        rp.deliver(std::move(r.page));
      };
      read_then<page_read>(self, st.pending, *st.ctx->reads, std::move(read), std::move(then),
                           [rp](caf::error busy) mutable { rp.deliver(std::move(busy)); });
      return rp;
    },

    [self](search_atom, const std::string& user, const search_request& req)
      -> promise<search_page> {
      auto& st = self->state;
      auto rp = self->make_response_promise<search_page>();
      if (auto err = st.gate(user))
        rp.deliver(err);
      else
        search_messages(self, st.pending, *st.ctx->reads, st.data, st.id, st.committed_seq,
                        st.index_mark, req, rp);
      return rp;
    },

    // Attachments (attachment_store.hpp), members only. Stored in this
    // conversation's group like its messages; chunks are read on the pool.
    [self](upload_atom, const std::string& user, std::string& name, std::string& type,
           std::string& bytes) -> promise<attachment_view> {
      auto& st = self->state;
      auto rp = self->make_response_promise<attachment_view>();
      if (auto err = st.gate(user))
        rp.deliver(err);
      else
        store_attachment(st, rp, user, std::move(name), std::move(type), bytes);
      return rp;
    },
    [self](att_meta_atom, const std::string& user, const std::string& att)
      -> caf::result<attachment_view> {
      auto& st = self->state;
      if (auto err = st.gate(user))
        return err;
      // Removed (its removal may still be in flight), or an upload no
      // message took up within the grace period: gone.
      attachment_record a;
      auto rc = st.files->removed(att) ? errc::not_found
                                       : attachment_store{st.data}.header(st.id, att, &a);
      if (rc == errc::ok)
        rc = st.files->live(a, st.grace_cutoff());
      if (rc != errc::ok)
        return make_chat_error(rc == errc::not_found ? rc : errc::unavailable,
                               rc == errc::not_found ? "no such attachment"
                                                     : "storage is not available");
      return view_of_attachment(a);
    },
    [self](att_chunk_atom, const std::string& user, const std::string& att,
           std::uint64_t index) -> promise<std::string> {
      auto& st = self->state;
      auto rp = self->make_response_promise<std::string>();
      if (auto err = st.gate(user))
        rp.deliver(err);
      else if (st.files->removed(att))
        rp.deliver(make_chat_error(errc::not_found, "no such attachment"));
      else
        read_attachment_chunk(self, st, rp, att, index);
      return rp;
    },

    // Retention: the owner of a group sets it; older messages go in the
    // background (expire_step), starting now.
    [self](retention_atom, const std::string& user, std::int64_t seconds)
      -> promise<conversation_view> {
      auto& st = self->state;
      auto rp = self->make_response_promise<conversation_view>();
      if (auto err = st.gate(user)) {
        rp.deliver(err);
        return rp;
      }
      if (st.header.direct || st.header.owner != user) {
        rp.deliver(make_chat_error(errc::forbidden,
                                   "only the owner of a group can set its retention period"));
        return rp;
      }
      if (auto e = retention::check_period(seconds, st.ctx->settings.retention_min);
          e.code != errc::ok) {
        rp.deliver(make_chat_error(e.code, e.message));
        return rp;
      }
      // The header is rewritten whole: after any write in flight (an
      // ownership change, say), asking again whether the caller owns it.
      st.when_settled([self, rp, user, seconds]() mutable {
        auto& st = self->state;
        if (st.retiring) {
          rp.deliver(make_chat_error(errc::retry, "conversation is moving; try again"));
          return;
        }
        if (st.header.owner != user) {
          rp.deliver(make_chat_error(errc::forbidden,
                                     "only the owner of a group can set its retention period"));
          return;
        }
        st.header.retention_seconds = seconds;
        storage::write_batch batch;
        st.store->put_header(batch, st.header);
        st.commit(std::move(batch), [self, rp](errc rc) mutable {
          if (rc != errc::ok) {
            rp.deliver(write_failed(rc));
            return;
          }
          rp.deliver(self->state.view(false));
          self->state.expire_step();
        });
      });
      return rp;
    },
    [self](retention_atom) { self->state.expire_step(); },

    [self](info_atom, const std::string& user, bool with_members) -> caf::result<conversation_view> {
      auto& st = self->state;
      if (auto err = st.gate(user))
        return err;
      return st.view(with_members);
    },

    // The view with the caller's unread and mention counts (no members),
    // counted on the read pool up to what is acknowledged now.
    [self](info_atom, unread_atom, const std::string& user) -> promise<conversation_view> {
      auto& st = self->state;
      auto rp = self->make_response_promise<conversation_view>();
      if (auto err = st.gate(user)) {
        rp.deliver(err);
        return rp;
      }
      struct counted {
        errc rc = errc::ok;
        unread_counts counts;
      };
      // After the writes in flight (a read marker just moved, say), so the
      // caller sees what it did.
      st.when_settled([self, rp, user]() mutable {
        auto& st = self->state;
        auto read = [data = st.data, id = st.id, user, upto = st.committed_seq] {
          counted r;
          r.rc = unread::count(data, id, user, upto, &r.counts);
          return r;
        };
        // Counts that cannot be had (storage busy or failing) are left
        // unknown: the conversation is still listed, with its last seq.
        auto v = st.view(false);
        v.with_counts = true;
        auto then = [rp, v](counted r) mutable {
          if (r.rc == errc::ok)
            v.counts = r.counts;
          rp.deliver(std::move(v));
        };
        read_then<counted>(self, st.pending, *st.ctx->reads, std::move(read), std::move(then),
                           [rp, v](caf::error) mutable { rp.deliver(std::move(v)); });
      });
      return rp;
    },

    [self](last_seq_atom, const std::string& user) -> caf::result<std::uint64_t> {
      auto& st = self->state;
      if (auto err = st.gate(user))
        return err;
      return st.committed_seq;
    },

    // Typing and read markers from non-members are dropped (PROTOCOL.md).
    [self](typing_atom, const std::string& user) {
      auto& st = self->state;
      if (st.gate(user))
        return;
      auto now = now_ms();
      auto& last = st.typing_sent[user];
      if (now - last < typing_interval_ms)
        return;
      last = now;
      st.deliver(typing_frame(st.id, user), user);
    },
    [self](read_atom, const std::string& user, std::uint64_t seq) {
      auto& st = self->state;
      if (st.gate(user))
        return;
      seq = std::min(seq, st.committed_seq);
      storage::write_batch batch;
      st.store->put_read_marker(batch, st.id, user, seq);
      st.commit(std::move(batch), [](errc) {});
      st.deliver(read_frame(st.id, user, seq));
    },
    [self](presence_atom, const std::string& user, bool online) {
      auto& st = self->state;
      if (!st.gate(user) && st.members.size() <= st.ctx->settings.presence_max_members)
        st.deliver(presence_frame(user, online), user);
    },

    // At most one pending invitation per invitee: asking again answers the
    // pending one (`created` false). New ones (after a decline, say) are
    // limited per inviter and invitee, so nobody can flood a user.
    [self](invite_atom, const std::string& by, const std::string& invitee)
      -> promise<invite_result> {
      auto& st = self->state;
      auto rp = self->make_response_promise<invite_result>();
      if (auto err = st.gate(by)) {
        rp.deliver(err);
        return rp;
      }
      if (st.header.direct) {
        rp.deliver(make_chat_error(errc::forbidden, "direct conversations take no invitations"));
        return rp;
      }
      if (st.is_member(invitee)) {
        rp.deliver(make_chat_error(errc::conflict, "that user is already a member"));
        return rp;
      }
      if (auto it = st.inviting.find(invitee); it != st.inviting.end()) {
        auto v = conversation_state::view_of_invitation(it->second);
        st.when_settled([rp, v]() mutable { rp.deliver(invite_result{v, false}); });
        return rp;
      }
      std::vector<invitation_record> pending;
      if (st.invitations->pending_to(invitee, st.id, &pending) != errc::ok) {
        rp.deliver(make_chat_error(errc::unavailable, "storage is not available"));
        return rp;
      }
      if (!pending.empty()) {
        rp.deliver(invite_result{conversation_state::view_of_invitation(pending.front()), false});
        return rp;
      }
      int retry_after = 1;
      if (!st.invite_limits.allow(by + '/' + invitee, &retry_after)) {
        metrics::node().rate_limited.inc();
        rp.deliver(make_chat_error(errc::rate_limited,
                                   "too many invitations to that user; retry after "
                                     + std::to_string(retry_after) + " s"));
        return rp;
      }
      auto inv = st.new_invitation(by, invitee);
      st.inviting.emplace(invitee, inv);
      storage::write_batch batch;
      st.invitations->put(batch, inv);
      st.commit(std::move(batch), [self, rp, inv](errc rc) mutable {
        auto& st = self->state;
        st.inviting.erase(inv.to);
        if (rc != errc::ok) {
          rp.deliver(write_failed(rc));
          return;
        }
        rp.deliver(invite_result{st.announce_invitation(inv), true});
      });
      return rp;
    },

    [self](accept_atom, const std::string& user, const std::string& invitation)
      -> promise<conversation_view> {
      auto& st = self->state;
      auto rp = self->make_response_promise<conversation_view>();
      invitation_record inv;
      if (auto err = st.take_invitation(user, invitation, &inv)) {
        rp.deliver(err);
        return rp;
      }
      storage::write_batch batch;
      st.invitations->remove(batch, inv);
      // Any other pending one to here goes too (stored before invitations
      // were one per conversation): none is left to rejoin with later.
      if (!st.void_invitations(batch, user, false)) {
        st.answering.erase(inv.id);
        rp.deliver(make_chat_error(errc::unavailable, "storage is not available"));
        return rp;
      }
      bool joins = !st.is_member(user);
      member_record m{user, false, now_ms()};
      if (joins)
        st.store->put_member(batch, st.id, m);
      st.commit(std::move(batch), [self, rp, inv, joins, m](errc rc) mutable {
        auto& st = self->state;
        st.answering.erase(inv.id);
        if (rc != errc::ok) {
          rp.deliver(write_failed(rc));
          return;
        }
        if (joins)
          st.joined(m);
        rp.deliver(st.view(false));
      });
      return rp;
    },

    [self](decline_atom, const std::string& user, const std::string& invitation)
      -> promise<done_atom> {
      auto& st = self->state;
      auto rp = self->make_response_promise<done_atom>();
      invitation_record inv;
      if (auto err = st.take_invitation(user, invitation, &inv)) {
        rp.deliver(err);
        return rp;
      }
      storage::write_batch batch;
      st.invitations->remove(batch, inv);
      st.commit(std::move(batch), [self, rp, inv](errc rc) mutable {
        self->state.answering.erase(inv.id);
        if (rc != errc::ok)
          rp.deliver(write_failed(rc));
        else
          rp.deliver(done_atom::value);
      });
      return rp;
    },

    // Leave (yourself) or kick (the owner removing someone else).
    [self](remove_atom, const std::string& by, const std::string& target) -> promise<done_atom> {
      auto& st = self->state;
      auto rp = self->make_response_promise<done_atom>();
      if (auto err = st.gate(by)) {
        rp.deliver(err);
        return rp;
      }
      if (!st.is_member(target)) {
        rp.deliver(make_chat_error(errc::not_found, "that user is not a member"));
        return rp;
      }
      if (auto e = roles::check_removal(st.members.at(by), st.members.at(target));
          e.code != errc::ok) {
        rp.deliver(make_chat_error(e.code, e.message));
        return rp;
      }
      // Their pending invitations here go with them: a removed member
      // cannot come back with one sent before the removal.
      storage::write_batch batch;
      std::optional<std::string> new_owner;
      if (!st.removal(batch, target, false, &new_owner)) {
        rp.deliver(make_chat_error(errc::unavailable, "storage is not available"));
        return rp;
      }
      st.commit(std::move(batch), [self, rp, target, new_owner](errc rc) mutable {
        auto& st = self->state;
        if (rc != errc::ok) {
          rp.deliver(write_failed(rc));
          return;
        }
        st.removed(target, new_owner);
        rp.deliver(done_atom::value);
      });
      return rp;
    },

    [self](block_atom, const std::string& user, bool on) -> promise<done_atom> {
      auto rp = self->make_response_promise<done_atom>();
      set_direct_block(self->state, rp, user, on);
      return rp;
    },
    [self](role_atom, const std::string& by, const std::string& target,
           bool admin) -> promise<done_atom> {
      auto rp = self->make_response_promise<done_atom>();
      set_admin(self->state, rp, by, target, admin);
      return rp;
    },

    // A deleted account: it leaves (ownership passes on), and every
    // invitation it sent or received here is void. Answers done when there
    // was nothing to do.
    [self](forget_atom, const std::string& user) -> promise<done_atom> {
      auto& st = self->state;
      auto rp = self->make_response_promise<done_atom>();
      if (auto err = st.gate(user, false)) {
        rp.deliver(err);
        return rp;
      }
      storage::write_batch batch;
      std::optional<std::string> new_owner;
      bool member = st.is_member(user);
      bool ok = member ? st.removal(batch, user, true, &new_owner)
                       : st.void_invitations(batch, user, true);
      if (!ok) {
        rp.deliver(make_chat_error(errc::unavailable, "storage is not available"));
        return rp;
      }
      if (batch.empty()) {
        rp.deliver(done_atom::value);
        return rp;
      }
      st.commit(std::move(batch), [self, rp, user, member, new_owner](errc rc) mutable {
        auto& st = self->state;
        if (rc != errc::ok) {
          rp.deliver(write_failed(rc));
          return;
        }
        if (member && st.is_member(user))
          st.removed(user, new_owner);
        rp.deliver(done_atom::value);
      });
      return rp;
    },
  };
}

} // namespace

conversation_api spawn_conversation(caf::actor_system& sys, node_ref ctx, directory_api directory,
                                    std::string id, std::optional<stored_conversation> stored) {
  return sys.spawn(conversation, std::move(ctx), std::move(directory), std::move(id),
                   std::move(stored));
}

} // namespace chat
