#include "actors/system_config.hpp"

#include <caf/all.hpp>

#include "actors/auth/auth_client.hpp"
#include "schema/wire.hpp"

namespace chat {

node_system_config::node_system_config(std::size_t scheduler_threads) {
  set("scheduler.max-threads", scheduler_threads);
  add_message_type<user_view>("chat.user_view");
  add_message_type<session_view>("chat.session_view");
  add_message_type<session_list>("chat.session_list");
  add_message_type<token_grant>("chat.token_grant");
  add_message_type<ws_ticket>("chat.ws_ticket");
  add_message_type<principal>("chat.principal");
  add_message_type<profile_update>("chat.profile_update");
}

} // namespace chat
