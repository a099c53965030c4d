#include "actors/session/session_actor.hpp"

#include <deque>
#include <memory>

#include <caf/all.hpp>

#include "actors/directory/user_lists.hpp"
#include "actors/live_registry.hpp"
#include "actors/rpc/gather.hpp"
#include "actors/rpc/resolve.hpp"
#include "actors/rpc/routing.hpp"
#include "actors/session/frame_budgets.hpp"
#include "metrics/metrics.hpp"
#include "schema/clock.hpp"
#include "schema/frames.hpp"

namespace chat {
namespace {

/// Attempts (one a second) to register with the user's actor before hello;
/// then the connection is closed with 1013.
constexpr int attach_attempts_before_hello = 5;

/// The public protocol plus what only the session sends itself: attach to
/// the user's actor again, and sweep its request deadlines.
using session_impl = session_api::extend<caf::reacts_to<attach_atom>, caf::reacts_to<sweep_atom>>;

struct session_state {
  static inline const char* name = "session";
  session_deps deps;
  principal who;
  sink_ptr sink;
  std::string remote;
  bool ready = false;
  /// Frames that arrived before hello went out, answered after it in order.
  /// Bounded by the connection, which stops reading while ws_inbound_frames
  /// of its frames are not yet handled (connection_sink::handled).
  std::deque<std::optional<std::string>> early; ///< nullopt: a binary frame
  std::unique_ptr<frame_budgets> budgets;
  std::size_t syncs_in_flight = 0;
  std::deque<client_frame> syncs_waiting; ///< beyond sync_in_flight, in arrival order
  int attach_failures = 0;    ///< before hello (attach_attempts_before_hello)
  bool greeting = false;      ///< the session check and hello are under way
  auth_api authority;         ///< the one owning the user and the session
  user_api user; ///< the user's actor once attached
  conversation_cache conversations;
  request_deadlines deadlines; ///< of requests to conversations
  std::int64_t since = now_ms();
};

using session_actor = session_impl::stateful_pointer<session_state>;

void push(session_actor self, std::string frame) {
  self->state.sink->push(make_frame(std::move(frame)));
}

/// The frame has been dealt with: the connection may read one more.
void handled(session_actor self) {
  self->state.sink->handled();
}

frame_kind kind_of(client_frame_type t) {
  switch (t) {
    case client_frame_type::send: return frame_kind::send;
    case client_frame_type::sync: return frame_kind::sync;
    case client_frame_type::typing: return frame_kind::typing;
    case client_frame_type::read: return frame_kind::read;
    case client_frame_type::ping: return frame_kind::ping;
    // Changes to messages draw from the send budget.
    case client_frame_type::edit:
    case client_frame_type::remove:
    case client_frame_type::react:
    case client_frame_type::unreact: return frame_kind::send;
  }
  return frame_kind::ping;
}

/// Charges a frame to its kind's budget. False when it must not be served:
/// it was answered rate_limited (or dropped, for a kind without answers),
/// or the connection was closed for flooding.
bool within_budget(session_actor self, frame_kind kind, const std::string& id, bool answered) {
  auto& st = self->state;
  auto verdict = st.budgets->take(kind);
  if (verdict == frame_budgets::verdict::allow)
    return true;
  metrics::node().rate_limited.inc();
  if (verdict == frame_budgets::verdict::close) {
    st.sink->close(close_code::flooding, "too many frames; over the rate limit too often");
    self->quit();
    return false;
  }
  if (answered)
    push(self, error_frame(id, errc::rate_limited,
                           kind == frame_kind::send ? "too many messages; slow down"
                                                    : "too many frames; slow down"));
  handled(self);
  return false;
}

void start_sync(session_actor self, client_frame f);

/// A history read finished: the next waiting one (if any) takes its place.
void sync_done(session_actor self) {
  auto& st = self->state;
  --st.syncs_in_flight;
  if (!st.syncs_waiting.empty()) {
    auto next = std::move(st.syncs_waiting.front());
    st.syncs_waiting.pop_front();
    start_sync(self, std::move(next));
  }
}

/// At most sync_in_flight history reads per connection at once (each can
/// carry a large page); the rest wait, and while they wait the connection
/// does not count them handled, so it soon stops reading.
void start_sync(session_actor self, client_frame f) {
  auto& st = self->state;
  if (st.syncs_in_flight >= st.deps.ctx->settings.ws_frames.sync_in_flight) {
    st.syncs_waiting.push_back(std::move(f));
    return;
  }
  ++st.syncs_in_flight;
  handled(self);
  auto re = f.id;
  auto conv = f.conv;
  std::function<void(outcome<message_page>)> done = [self, re, conv](outcome<message_page> r) {
    push(self, r.ok() ? history_frame(re, conv, r.value)
                      : error_frame(re, r.error.code, r.error.message));
    sync_done(self);
  };
  page_request page{f.after, std::nullopt, f.limit};
  ask_cached<message_page>(self, &st.conversations, &st.deadlines, st.deps.directory, f.conv, done,
                           3, history_atom::value, st.who.user_id, page);
}

void handle_binary(session_actor self) {
  if (within_budget(self, frame_kind::ping, {}, true)) {
    push(self, error_frame({}, errc::bad_request, "frames must be JSON text, not binary"));
    handled(self);
  }
}

void handle(session_actor self, const std::string& text) {
  auto& st = self->state;
  auto parsed = parse_client_frame(text);
  if (auto* bad = std::get_if<frame_rejection>(&parsed)) {
    // Answered like a ping, so it draws from the ping budget.
    if (within_budget(self, frame_kind::ping, bad->id, true)) {
      push(self, error_frame(bad->id, bad->code, bad->message));
      handled(self);
    }
    return;
  }
  auto f = std::get<client_frame>(std::move(parsed));
  bool answered = f.type != client_frame_type::typing && f.type != client_frame_type::read;
  if (!within_budget(self, kind_of(f.type), f.id, answered))
    return;
  const auto& user = st.who.user_id;
  auto directory = st.deps.directory;
  switch (f.type) {
    case client_frame_type::ping:
      push(self, pong_frame(f.id));
      break;
    case client_frame_type::send: {
      auto re = f.id;
      std::function<void(outcome<send_receipt>)> done = [self, re](outcome<send_receipt> r) {
        push(self, r.ok() ? sent_frame(re, r.value)
                          : error_frame(re, r.error.code, r.error.message));
      };
      if (!f.attachments.empty())
        ask_cached<send_receipt>(self, &st.conversations, &st.deadlines, directory, f.conv, done,
                                 3, post_atom::value, user, std::move(f.text),
                                 std::move(f.client_msg_id), f.reply_to,
                                 std::move(f.attachments));
      else if (f.reply_to != 0)
        ask_cached<send_receipt>(self, &st.conversations, &st.deadlines, directory, f.conv, done,
                                 3, post_atom::value, user, std::move(f.text),
                                 std::move(f.client_msg_id), f.reply_to);
      else
        ask_cached<send_receipt>(self, &st.conversations, &st.deadlines, directory, f.conv, done,
                                 3, post_atom::value, user, std::move(f.text),
                                 std::move(f.client_msg_id));
      break;
    }
    case client_frame_type::edit:
    case client_frame_type::remove:
    case client_frame_type::react:
    case client_frame_type::unreact: {
      // Answered like a send: `sent` with the change's own seq.
      auto re = f.id;
      std::function<void(outcome<send_receipt>)> done = [self, re](outcome<send_receipt> r) {
        push(self, r.ok() ? sent_frame(re, r.value)
                          : error_frame(re, r.error.code, r.error.message));
      };
      message_change c;
      c.kind = f.type == client_frame_type::edit     ? change_kind::edit
               : f.type == client_frame_type::remove ? change_kind::remove
               : f.type == client_frame_type::react  ? change_kind::react
                                                     : change_kind::unreact;
      c.target = f.seq;
      c.text = f.type == client_frame_type::edit ? std::move(f.text) : std::move(f.emoji);
      c.client_msg_id = std::move(f.client_msg_id);
      ask_cached<send_receipt>(self, &st.conversations, &st.deadlines, directory, f.conv, done,
                               3, change_atom::value, user, std::move(c));
      break;
    }
    case client_frame_type::sync:
      return start_sync(self, std::move(f)); // counts itself handled when it starts
    case client_frame_type::typing:
      tell_conversation(self, directory, f.conv, typing_atom::value, user);
      break;
    case client_frame_type::read:
      tell_conversation(self, directory, f.conv, read_atom::value, user, f.seq);
      break;
  }
  handled(self);
}

/// Subscribes the connection with the relay, then reads the memberships
/// again: a join that landed in between is picked up by the second pass.
void subscribe(session_actor self, const std::vector<std::string>& convs) {
  auto& st = self->state;
  auto me = caf::actor_cast<session_api>(self);
  self->send(st.deps.ctx->relay, subscribe_atom::value, st.who.user_id, me, st.sink, convs);
  std::function<void(std::vector<std::string>)> again
    = [self, me](std::vector<std::string> convs) {
        auto& st = self->state;
        self->send(st.deps.ctx->relay, subscribe_atom::value, st.who.user_id, me, st.sink, convs);
      };
  gather_memberships(self, *st.deps.ctx, st.who.user_id, again);
}

/// Registers the connection with the user's actor (on the user's home node),
/// which pushes invitations and closes it when the auth session ends; then
/// runs `then`. If that node goes away the session registers again once it
/// is back. Before hello, a session that cannot register is closed (1013):
/// an unregistered socket could outlive its auth session.
void attach_to_user(session_actor self, int attempts, std::function<void()> then) {
  auto& st = self->state;
  auto me = caf::actor_cast<session_api>(self);
  auto later = [self] {
    auto& st = self->state;
    if (!st.ready && ++st.attach_failures >= attach_attempts_before_hello) {
      st.sink->close(close_code::try_again_later, "the user's home node is unreachable");
      self->quit();
      return;
    }
    self->delayed_send(self, std::chrono::seconds(1), attach_atom::value);
  };
  self->request(st.deps.directory, ask_timeout, user_atom::value, st.who.user_id)
    .then([self, me, attempts, later, then](user_api user) {
      self->request(user, ask_timeout, attach_atom::value, me, self->state.who.session_id)
        .then([self, user, then](done_atom) {
                self->state.user = user;
                self->monitor(user);
                if (then)
                  then();
              },
              [self, attempts, later, then](caf::error& err) {
                if (attempts > 1 && worth_retrying(err))
                  attach_to_user(self, attempts - 1, then);
                else
                  later();
              });
    }, [later](caf::error&) { later(); });
}

/// hello: the user, and each conversation's last seq with the user's
/// unread and mention counts. Policy: a conversation whose owner cannot be
/// reached is listed with a null seq (and null counts).
void say_hello(session_actor self, user_view user, std::vector<std::string> convs) {
  std::function<void(std::size_t, rpc::reply_to<conversation_view>)> ask
    = [self, convs](std::size_t i, rpc::reply_to<conversation_view> reply) {
        std::function<void(outcome<conversation_view>)> done
          = [reply](outcome<conversation_view> r) {
              if (r.ok())
                reply(std::move(r.value));
              else
                reply(make_chat_error(r.error.code, r.error.message));
            };
        ask_conversation<conversation_view>(self, self->state.deps.directory, conv_atom::value,
                                            convs[i], done, 3, info_atom::value,
                                            unread_atom::value, self->state.who.user_id);
      };
  auto finish = [self, user, convs](rpc::answers<conversation_view> views) {
    auto& st = self->state;
    std::vector<conversation_cursor> cursors;
    std::vector<std::optional<unread_counts>> counts;
    for (std::size_t i = 0; i < convs.size(); ++i) {
      cursors.emplace_back(convs[i], views[i] ? std::optional<std::uint64_t>{views[i]->last_seq}
                                              : std::nullopt);
      counts.push_back(views[i] && views[i]->counts.known
                         ? std::optional<unread_counts>{views[i]->counts}
                         : std::nullopt);
    }
    push(self, hello_frame(st.deps.ctx->node_id, st.who.session_id, user, cursors, counts));
    subscribe(self, convs);
    st.ready = true;
    while (!st.early.empty() && self->getf(caf::abstract_actor::is_terminated_flag) == 0) {
      auto frame = std::move(st.early.front());
      st.early.pop_front();
      if (frame)
        handle(self, *frame);
      else
        handle_binary(self);
    }
  };
  rpc::gather<conversation_view>(convs.size(), ask, finish);
}

/// Closes the connection and ends the actor: 1013 when the answer could not
/// be had (try again), else 4001 (the session or the user is gone).
void refuse(session_actor self, const caf::error& err) {
  if (to_api_error(err).code == errc::unavailable)
    self->state.sink->close(close_code::try_again_later, "try again later");
  else
    self->state.sink->close(close_code::session_ended, "session ended");
  self->quit();
}

/// Registered with the user's actor, so an end of the auth session from now
/// on closes this connection: confirm the session did not end before that
/// (the ticket may have been redeemed just before), then say hello once the
/// user's profile and memberships are known.
void confirm_and_greet(session_actor self) {
  auto& st = self->state;
  if (st.greeting)
    return; // registered again before hello (the user's actor moved)
  st.greeting = true;
  self->request(st.authority, ask_timeout, authn_atom::value, st.who)
    .then(
      [self](principal&) {
        auto& st = self->state;
        self->request(st.authority, ask_timeout, get_user_atom::value, st.who.user_id)
          .then(
            [self](user_view& user) {
              std::function<void(std::vector<std::string>)> got
                = [self, user](std::vector<std::string> convs) {
                    say_hello(self, user, std::move(convs));
                  };
              gather_memberships(self, *self->state.deps.ctx, self->state.who.user_id, got);
            },
            [self](caf::error& err) { refuse(self, err); });
      },
      [self](caf::error& err) { refuse(self, err); });
}

session_impl::behavior_type session(session_actor self, session_deps deps, principal who, sink_ptr sink,
                      std::string remote) {
  auto& st = self->state;
  st.deps = std::move(deps);
  st.who = std::move(who);
  st.sink = std::move(sink);
  st.remote = std::move(remote);
  live_registry::enroll(self, st.deps.ctx->live); // stops with the node
  metrics::node().sessions_live.add(1);
  self->attach_functor([] { metrics::node().sessions_live.add(-1); });
  auto limits = st.deps.ctx->settings.ws_frames;
  limits.send = {static_cast<double>(st.deps.ctx->settings.rate_burst),
                 st.deps.ctx->settings.rate_per_second}; // shared with HTTP sends
  st.budgets = std::make_unique<frame_budgets>(limits);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.user && dm.source == st.user.address()) {
      st.user = nullptr;
      self->delayed_send(self, std::chrono::seconds(1), attach_atom::value);
    }
  });
  if (auto authority = cluster::authority_for_user(*st.deps.ctx, st.who.user_id)) {
    st.authority = authority;
    attach_to_user(self, 3, [self] { confirm_and_greet(self); });
  } else {
    // The user's home node is down: nothing to say hello with yet.
    st.sink->close(close_code::try_again_later, "the user's home node is unreachable");
    self->quit();
  }
  return {
    [self](inbound_atom, std::string& text) {
      auto& st = self->state;
      if (st.ready)
        handle(self, text);
      else
        st.early.push_back(std::move(text));
    },
    [self](binary_atom) {
      if (self->state.ready)
        handle_binary(self);
      else
        self->state.early.emplace_back(std::nullopt);
    },
    [self](push_atom, const wire_frame& frame) { self->state.sink->push(frame.bytes); },
    // The relay filters typing and presence, where frames fan out; it
    // accepts the list before or after the subscription.
    [self](blocks_atom, std::vector<std::string>& users) {
      self->send(self->state.deps.ctx->relay, blocks_atom::value,
                 caf::actor_cast<session_api>(self), std::move(users));
    },
    [self](close_atom, std::uint16_t code) {
      self->state.sink->close(code, code == close_code::session_ended ? "session ended" : "closed");
      self->quit();
    },
    [self](closed_atom) { self->quit(); },
    [self](attach_atom) {
      if (self->state.ready)
        attach_to_user(self, 3, nullptr);
      else
        attach_to_user(self, 3, [self] { confirm_and_greet(self); });
    },
    [self](sweep_atom) {
      if (self->state.deadlines.sweep(request_deadlines::clock::now()))
        self->delayed_send(self, request_deadlines::sweep_interval, sweep_atom::value);
    },
    [self](mailbox_atom) -> std::uint64_t { return self->mailbox().size(); },
    [self](inspect_atom) -> connection_info {
      auto& st = self->state;
      return {st.deps.ctx->node_id, st.who.session_id, st.who.user_id, st.remote, st.since,
              st.sink->queued_frames()};
    },
  };
}

} // namespace

session_api spawn_session(caf::actor_system& sys, session_deps deps, principal who, sink_ptr sink,
                         std::string remote) {
  return sys.spawn(session, std::move(deps), std::move(who), std::move(sink), std::move(remote));
}

} // namespace chat
