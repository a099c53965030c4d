#pragma once
// Readable text for each admin answer: aligned tables and "key  value"
// blocks (the JSON form is views_json.hpp).
#include <string>

#include "chatctl/answer.hpp"

namespace chat::ctl {

/// The text for one answer (ends with a newline).
std::string render(const admin_reply& reply);

} // namespace chat::ctl
