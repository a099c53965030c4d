#pragma once
// The `attachments` field of a new message (WebSocket `send` and
// `POST /conversations/{id}/messages` share one reading of it).
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace chat {

/// Reads `o["attachments"]`: absent, null or [] → none; otherwise an array
/// of at most max_attachments_per_message distinct strings (attachment ids;
/// whether they name attachments of the conversation is the conversation's
/// check). False with `why` when the shape is wrong.
bool read_attachment_ids(const boost::json::object& o, std::vector<std::string>& out,
                         std::string& why);

} // namespace chat
