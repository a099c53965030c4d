#include "actors/session/session_actor.hpp"

#include <deque>
#include <memory>

#include <caf/all.hpp>

#include "actors/directory/user_lists.hpp"
#include "actors/live_registry.hpp"
#include "actors/rpc/gather.hpp"
#include "actors/rpc/resolve.hpp"
#include "actors/rpc/routing.hpp"
#include "actors/session/rate_limiter.hpp"
#include "metrics/metrics.hpp"
#include "schema/clock.hpp"
#include "schema/frames.hpp"

namespace chat {
namespace {

constexpr std::size_t max_frames_before_hello = 64;

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
  std::deque<std::string> early; ///< frames that arrived before hello went out
  std::unique_ptr<rate_limiter> limiter;
  user_api user; ///< the user's actor once attached
  conversation_cache conversations;
  request_deadlines deadlines; ///< of requests to conversations
  std::int64_t since = now_ms();
};

using session_actor = session_impl::stateful_pointer<session_state>;

void push(session_actor self, std::string frame) {
  self->state.sink->push(make_frame(std::move(frame)));
}

void handle(session_actor self, const std::string& text) {
  auto& st = self->state;
  auto parsed = parse_client_frame(text);
  if (auto* bad = std::get_if<frame_rejection>(&parsed)) {
    push(self, error_frame(bad->id, bad->code, bad->message));
    return;
  }
  auto f = std::get<client_frame>(std::move(parsed));
  const auto& user = st.who.user_id;
  auto directory = st.deps.directory;
  switch (f.type) {
    case client_frame_type::ping:
      push(self, pong_frame(f.id));
      break;
    case client_frame_type::send: {
      if (!st.limiter->allow()) {
        metrics::node().rate_limited.inc();
        push(self, error_frame(f.id, errc::rate_limited, "too many messages; slow down"));
        break;
      }
      auto re = f.id;
      std::function<void(outcome<send_receipt>)> done = [self, re](outcome<send_receipt> r) {
        push(self, r.ok() ? sent_frame(re, r.value)
                          : error_frame(re, r.error.code, r.error.message));
      };
      ask_cached<send_receipt>(self, &st.conversations, &st.deadlines, directory, f.conv, done,
                               3, post_atom::value, user, std::move(f.text),
                               std::move(f.client_msg_id));
      break;
    }
    case client_frame_type::sync: {
      auto re = f.id;
      auto conv = f.conv;
      std::function<void(outcome<message_page>)> done = [self, re, conv](outcome<message_page> r) {
        push(self, r.ok() ? history_frame(re, conv, r.value)
                          : error_frame(re, r.error.code, r.error.message));
      };
      page_request page{f.after, std::nullopt, f.limit};
      ask_cached<message_page>(self, &st.conversations, &st.deadlines, directory, f.conv, done,
                               3, history_atom::value, user, page);
      break;
    }
    case client_frame_type::typing:
      tell_conversation(self, directory, f.conv, typing_atom::value, user);
      break;
    case client_frame_type::read:
      tell_conversation(self, directory, f.conv, read_atom::value, user, f.seq);
      break;
  }
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
/// which pushes invitations and closes it when the auth session ends. If
/// that node goes away the session registers again once it is back.
void attach_to_user(session_actor self, int attempts) {
  auto& st = self->state;
  auto me = caf::actor_cast<session_api>(self);
  auto later = [self] {
    self->delayed_send(self, std::chrono::seconds(1), attach_atom::value);
  };
  self->request(st.deps.directory, ask_timeout, user_atom::value, st.who.user_id)
    .then([self, me, attempts, later](user_api user) {
      self->request(user, ask_timeout, attach_atom::value, me, self->state.who.session_id)
        .then([self, user](done_atom) {
                self->state.user = user;
                self->monitor(user);
              },
              [self, attempts, later](caf::error& err) {
                if (attempts > 1 && worth_retrying(err))
                  attach_to_user(self, attempts - 1);
                else
                  later();
              });
    }, [later](caf::error&) { later(); });
}

/// hello: the user, and each conversation's last seq. Policy: a
/// conversation whose owner cannot be reached is listed with a null seq.
void say_hello(session_actor self, user_view user, std::vector<std::string> convs) {
  std::function<void(std::size_t, rpc::reply_to<std::uint64_t>)> ask
    = [self, convs](std::size_t i, rpc::reply_to<std::uint64_t> reply) {
        std::function<void(outcome<std::uint64_t>)> done = [reply](outcome<std::uint64_t> r) {
          if (r.ok())
            reply(r.value);
          else
            reply(make_chat_error(r.error.code, r.error.message));
        };
        ask_conversation<std::uint64_t>(self, self->state.deps.directory, conv_atom::value,
                                        convs[i], done, 3, last_seq_atom::value,
                                        self->state.who.user_id);
      };
  auto finish = [self, user, convs](rpc::answers<std::uint64_t> seqs) {
    auto& st = self->state;
    std::vector<conversation_cursor> cursors;
    for (std::size_t i = 0; i < convs.size(); ++i)
      cursors.emplace_back(convs[i], seqs[i] ? std::optional<std::uint64_t>{*seqs[i]}
                                             : std::nullopt);
    push(self, hello_frame(st.deps.ctx->node_id, st.who.session_id, user, cursors));
    subscribe(self, convs);
    attach_to_user(self, 3);
    st.ready = true;
    while (!st.early.empty()) {
      auto text = std::move(st.early.front());
      st.early.pop_front();
      handle(self, text);
    }
  };
  rpc::gather<std::uint64_t>(convs.size(), ask, finish);
}

/// Says hello once the user's profile and memberships are known; a
/// session that has ended (or a user gone) closes with 4001.
void start(session_actor self, const auth_api& authority) {
  auto& st = self->state;
  self->request(authority, ask_timeout, get_user_atom::value, st.who.user_id)
    .then(
      [self](user_view& user) {
        std::function<void(std::vector<std::string>)> got
          = [self, user](std::vector<std::string> convs) {
              say_hello(self, user, std::move(convs));
            };
        gather_memberships(self, *self->state.deps.ctx, self->state.who.user_id, got);
      },
      [self](caf::error& err) {
        auto api = to_api_error(err);
        if (api.code == errc::unavailable)
          self->state.sink->close(close_code::try_again_later, "try again later");
        else
          self->state.sink->close(close_code::session_ended, "session ended");
        self->quit();
      });
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
  st.limiter = std::make_unique<rate_limiter>(static_cast<double>(st.deps.ctx->settings.rate_burst),
                                              st.deps.ctx->settings.rate_per_second);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.user && dm.source == st.user.address()) {
      st.user = nullptr;
      self->delayed_send(self, std::chrono::seconds(1), attach_atom::value);
    }
  });
  if (auto authority = cluster::authority_for_user(*st.deps.ctx, st.who.user_id))
    start(self, authority);
  else {
    // The user's home node is down: nothing to say hello with yet.
    st.sink->close(close_code::try_again_later, "the user's home node is unreachable");
    self->quit();
  }
  return {
    [self](inbound_atom, std::string& text) {
      auto& st = self->state;
      if (st.ready) {
        handle(self, text);
      } else if (st.early.size() < max_frames_before_hello) {
        st.early.push_back(std::move(text));
      }
    },
    [self](binary_atom) {
      push(self, error_frame({}, errc::bad_request, "frames must be JSON text, not binary"));
    },
    [self](push_atom, const wire_frame& frame) { self->state.sink->push(frame.bytes); },
    [self](close_atom, std::uint16_t code) {
      self->state.sink->close(code, code == close_code::session_ended ? "session ended" : "closed");
      self->quit();
    },
    [self](closed_atom) { self->quit(); },
    [self](attach_atom) { attach_to_user(self, 3); },
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
