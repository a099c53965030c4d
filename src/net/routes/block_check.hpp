#pragma once
// The check other routes make before something a block forbids (opening a
// direct conversation, inviting): 403 when the caller and one of `others`
// block each other, in either direction; else `then` (on the responder's
// executor). Any failure of the check itself answers that error.
#include <functional>
#include <string>
#include <vector>

#include "actors/auth/auth_client.hpp"
#include "net/responder.hpp"

namespace chat::net {

void unless_blocked(const auth_client& auth, const std::string& user,
                    std::vector<std::string> others, const responder& out,
                    std::function<void(const responder&)> then);

} // namespace chat::net
