#pragma once
// JSON rendering of the wire shapes, done once in one place.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "schema/error_code.hpp"
#include "schema/wire.hpp"

namespace chat {

boost::json::object to_json(const user_view& u);
boost::json::object to_json(const session_view& s);
boost::json::object to_json(const token_grant& t);
boost::json::object to_json(const ws_ticket& t);
boost::json::object to_json(const member_view& m);
boost::json::object to_json(const conversation_view& c);
boost::json::object to_json(const invitation_view& i);
boost::json::object to_json(const message_view& m);
boost::json::object to_json(const send_receipt& r);
boost::json::object to_json(const message_page& p);

/// `{"error":{"code":…,"message":…}}`
boost::json::object error_body(const api_error& e);

} // namespace chat
