#include "actors/system_config.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "actors/session/shared_types.hpp"
#include "actors/conversation/conversation_api.hpp"
#include "actors/session/session_api.hpp"
#include "actors/user/user_api.hpp"
#include "cluster/node_actors.hpp"
#include "schema/admin_views.hpp"
#include "schema/records.hpp"
#include "schema/search.hpp"
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
  add_message_type<unread_counts>("chat.unread_counts");
  add_message_type<conversation_view>("chat.conversation_view");
  add_message_type<invitation_view>("chat.invitation_view");
  add_message_type<message_view>("chat.message_view");
  add_message_type<reaction_view>("chat.reaction_view");
  add_message_type<message_change>("chat.message_change");
  add_message_type<send_receipt>("chat.send_receipt");
  add_message_type<attachment_view>("chat.attachment_view");
  add_message_type<message_page>("chat.message_page");
  add_message_type<search_request>("chat.search_request");
  add_message_type<search_page>("chat.search_page");
  add_message_type<direct_result>("chat.direct_result");
  add_message_type<invite_result>("chat.invite_result");
  add_message_type<conversation_record>("chat.conversation_record");
  add_message_type<member_record>("chat.member_record");
  add_message_type<std::vector<member_record>>("chat.member_records");
  // Handles answered or passed across nodes (a conversation, a user's
  // actor, the session attaching to it).
  add_message_type<conversation_api>("chat.conversation_api");
  add_message_type<user_api>("chat.user_api");
  add_message_type<session_api>("chat.session_api");
  add_message_type<connection_info>("chat.connection_info");
  add_message_type<std::vector<connection_info>>("chat.connection_infos");
  add_message_type<conversation_info>("chat.conversation_info");
  add_message_type<auth_session_info>("chat.auth_session_info");
  add_message_type<std::vector<auth_session_info>>("chat.auth_session_infos");
  // The admin actors' answers (admin_api.hpp): chatctl's, and the parts
  // one node's admin gathers from the others'.
  add_message_type<nodes_report>("chat.nodes_report");
  add_message_type<node_status>("chat.node_status");
  add_message_type<actors_report>("chat.actors_report");
  add_message_type<node_actor_kinds>("chat.node_actor_kinds");
  add_message_type<stats_report>("chat.stats_report");
  add_message_type<node_stats>("chat.node_stats");
  add_message_type<conversations_report>("chat.conversations_report");
  add_message_type<node_conversations>("chat.node_conversations");
  add_message_type<user_sessions>("chat.user_sessions");
  add_message_type<conversation_inspection>("chat.conversation_inspection");
  add_message_type<user_inspection>("chat.user_inspection");
  add_message_type<session_inspection>("chat.session_inspection");
  add_message_type<kick_result>("chat.kick_result");
  add_message_type<history_report>("chat.history_report");
  add_message_type<replicator_api>("chat.replicator_api");
  add_message_type<auth_api>("chat.auth_api");
  add_message_type<group_status>("chat.group_status");
  add_message_type<std::vector<group_status>>("chat.group_statuses");
  add_message_type<replica_progress>("chat.replica_progress");
  add_message_type<shards_report>("chat.shards_report");
  add_message_type<transfer_result>("chat.transfer_result");
  add_message_type<moderation_result>("chat.moderation_result");
}

} // namespace chat
