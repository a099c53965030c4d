#include "actors/system_config.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "actors/cluster/node_actors.hpp"
#include "actors/session/shared_types.hpp"

#include "actors/auth/auth_client.hpp"
#include "actors/conversation/conversation_client.hpp"
#include "schema/records.hpp"
#include "schema/wire.hpp"

namespace chat {

node_system_config::node_system_config(std::size_t scheduler_threads,
                                       const std::string& policy) {
  set("scheduler.max-threads", scheduler_threads);
  set("scheduler.policy", policy == "sharing" ? caf::atom("sharing") : caf::atom("stealing"));
  // Peers are reached through CAF remoting; heartbeats make a hung peer
  // (SIGSTOP, dead link) count as down after 3 s, not never.
  load<caf::io::middleman>();
  set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds(1)});
  set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(3)});
  set("middleman.enable-automatic-connections", false);
  add_message_type<cluster::node_actors>("chat.node_actors");
  add_message_type<wire_frame>("chat.wire_frame");
  add_message_type<page_request>("chat.page_request");
  add_message_type<std::vector<invitation_view>>("chat.invitation_views");
  add_message_type<user_view>("chat.user_view");
  add_message_type<session_view>("chat.session_view");
  add_message_type<session_list>("chat.session_list");
  add_message_type<token_grant>("chat.token_grant");
  add_message_type<ws_ticket>("chat.ws_ticket");
  add_message_type<principal>("chat.principal");
  add_message_type<profile_update>("chat.profile_update");
  add_message_type<member_view>("chat.member_view");
  add_message_type<conversation_view>("chat.conversation_view");
  add_message_type<conversation_list>("chat.conversation_list");
  add_message_type<invitation_view>("chat.invitation_view");
  add_message_type<message_view>("chat.message_view");
  add_message_type<send_receipt>("chat.send_receipt");
  add_message_type<message_page>("chat.message_page");
  add_message_type<direct_result>("chat.direct_result");
  add_message_type<conversation_record>("chat.conversation_record");
  add_message_type<member_record>("chat.member_record");
  add_message_type<std::vector<member_record>>("chat.member_records");
}

} // namespace chat
