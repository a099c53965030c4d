#pragma once
// A user's actor: the user's live connections (session actors), to push
// invitations to them, close them when their auth session ends, and announce
// presence when the first opens and the last closes. Activated when a
// connection attaches; retires when the last one detaches.
#include <string>

#include <caf/fwd.hpp>

#include "actors/node_context.hpp"

namespace chat {

caf::actor spawn_user(caf::actor_system& sys, node_ref ctx, caf::actor directory,
                      std::string user_id);

} // namespace chat
