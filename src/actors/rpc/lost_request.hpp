#pragma once
// A request to an actor on another node that dies with that node is lost:
// CAF 0.17 answers nothing, so the caller would wait out its whole timeout
// (5 s) although the node's loss is known within milliseconds. A request in
// flight when a leader is killed then misses the failover that follows.
//
// guard_remote_request() attaches a small watcher to the destination's
// proxy for the request's lifetime: when the proxy ends (the remote actor
// exited, or its node's connection went) the watcher answers the request
// itself with `no_route_to_receiving_node`, so the caller hears at once.
// The request may or may not have been applied, so only idempotent ones
// (finding an actor) are resent; a client sees `unavailable` and resends
// with its idempotency key. The answer that comes first wins; CAF drops
// the other. release() detaches the watcher once answered.
#include <memory>

#include <caf/actor_control_block.hpp>
#include <caf/attachable.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message_id.hpp>
#include <caf/sec.hpp>
#include <caf/weak_intrusive_ptr.hpp>

namespace chat {

/// The answer a request lost with its destination's node gets.
inline caf::error lost_request_error() {
  return caf::make_error(caf::sec::no_route_to_receiving_node);
}

namespace detail {

class lost_request_watcher : public caf::attachable {
public:
  static constexpr size_t token_type = 0x6368; // ours; CAF's own are 0..3

  /// `response`: the id the answer must carry (a response_handle's id()).
  lost_request_watcher(caf::weak_actor_ptr requester, caf::message_id response)
    : requester_(std::move(requester)), response_(response) {}

  void actor_exited(const caf::error&, caf::execution_unit* host) override {
    if (auto me = requester_.lock())
      me->enqueue(caf::make_mailbox_element(nullptr, response_, {},
                                            lost_request_error()),
                  host);
  }

  bool matches(const token& what) override {
    return what.subtype == token_type && what.ptr == this;
  }

private:
  caf::weak_actor_ptr requester_;
  caf::message_id response_;
};

} // namespace detail

/// Watches one request to a remote actor; release() once it is answered.
class lost_request_guard {
public:
  lost_request_guard() = default;
  lost_request_guard(caf::strong_actor_ptr dest, const void* watcher)
    : dest_(std::move(dest)), watcher_(watcher) {}

  void release() {
    if (dest_) {
      dest_->get()->detach(
        caf::attachable::token{detail::lost_request_watcher::token_type, watcher_});
      dest_ = nullptr;
    }
  }

private:
  caf::strong_actor_ptr dest_;
  const void* watcher_ = nullptr; // compared only, never dereferenced
};

/// Guards the request that `self` just sent to `dest`, whose answer carries
/// `response` (the response_handle's id()). Local destinations need no
/// guard (CAF answers for a local actor that is gone).
template <class Self, class Handle>
lost_request_guard guard_remote_request(Self* self, const Handle& dest,
                                        caf::message_id response) {
  auto target = caf::actor_cast<caf::strong_actor_ptr>(dest);
  if (!target || target->node() == self->node() || !response.is_response())
    return {};
  auto watcher = std::make_unique<detail::lost_request_watcher>(
    caf::weak_actor_ptr{self->ctrl()}, response);
  const void* key = watcher.get();
  // On an actor that has already ended, attach() runs the watcher at once.
  target->get()->attach(std::move(watcher));
  return {std::move(target), key};
}

} // namespace chat
