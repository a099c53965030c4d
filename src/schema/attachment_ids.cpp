#include "schema/attachment_ids.hpp"

#include <algorithm>

#include "schema/attachment.hpp"
#include "schema/ids.hpp"

namespace chat {

bool read_attachment_ids(const boost::json::object& o, std::vector<std::string>& out,
                         std::string& why) {
  out.clear();
  auto it = o.find("attachments");
  if (it == o.end() || it->value().is_null())
    return true;
  const auto* list = it->value().if_array();
  if (!list) {
    why = "attachments must be an array of attachment ids";
    return false;
  }
  if (list->size() > max_attachments_per_message) {
    why = "a message carries at most " + std::to_string(max_attachments_per_message)
          + " attachments";
    return false;
  }
  for (const auto& v : *list) {
    // Every id has the same length; a longer string names nothing and is
    // refused here rather than carried to the conversation.
    const auto* s = v.if_string();
    if (!s || s->empty() || s->size() > id_length) {
      why = "attachments must be an array of attachment ids";
      return false;
    }
    std::string id{s->data(), s->size()};
    if (std::find(out.begin(), out.end(), id) != out.end()) {
      why = "an attachment is named twice";
      return false;
    }
    out.push_back(std::move(id));
  }
  return true;
}

} // namespace chat
