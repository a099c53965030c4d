#pragma once
// What the admin actor answers chatctl: one struct of schema/admin_views.hpp
// per command (src/actors/admin/admin_api.hpp lists them). CAF-free: the
// renderers (tables, JSON) see only these.
#include <variant>

#include "schema/admin_views.hpp"

namespace chat::ctl {

using admin_reply = std::variant<nodes_report,            // nodes
                                 actors_report,           // actors
                                 stats_report,            // stats
                                 conversations_report,    // conversations
                                 user_sessions,           // sessions
                                 conversation_inspection, // inspect conv
                                 user_inspection,         // inspect user
                                 session_inspection,      // inspect session
                                 kick_result,             // kick
                                 auth_session_info,       // revoke: the session revoked
                                 history_report,          // history
                                 shards_report,           // shards
                                 transfer_result,         // transfer
                                 moderation_result>;      // delete-message, (un)block-user

} // namespace chat::ctl
