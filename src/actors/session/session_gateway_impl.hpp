#pragma once
#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/session/session_actor.hpp"
#include "actors/session/session_gateway.hpp"

namespace chat {

class session_gateway::impl {
public:
  impl(caf::actor_system& sys, session_deps deps)
    : sys(sys), deps(std::move(deps)) {}
  caf::actor_system& sys;
  session_deps deps;
};

} // namespace chat
