#pragma once
// A user's actor: the user's live connections (session actors), to push
// invitations to them, close them when their auth session ends, and announce
// presence when the first opens and the last closes. Activated when a
// connection attaches; retires when the last one detaches.
#include <string>

#include <caf/fwd.hpp>

#include "actors/directory/directory_api.hpp"
#include "actors/node_context.hpp"
#include "actors/user/user_api.hpp"

namespace chat {

user_api spawn_user(caf::actor_system& sys, node_ref ctx, directory_api directory,
                      std::string user_id);

} // namespace chat
